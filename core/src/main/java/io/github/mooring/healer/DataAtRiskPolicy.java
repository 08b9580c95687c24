package io.github.mooring.healer;

/**
 * What writers get when data is at risk (the master came back empty while a replica holds the data), the master is
 * withheld from them for a repair, and no repair comes within {@link HealerSettings#dataAtRiskWait()}: no client leads
 * the healer (RBAC, no API server), the leader stalled, or Sentinel does not promote. See
 * {@link HealerSettings.Builder#onDataAtRisk}.
 */
public enum DataAtRiskPolicy {
    /**
     * Writes fail at once with a {@code DataAtRiskException} naming the pods and the fix, until the replica holding
     * the data is promoted (by the healer's leader or an operator); then they go out by themselves. Nothing
     * acknowledged is lost. The default.
     */
    FAIL_WRITES,
    /**
     * Writes go to the empty master. The group then holds two histories: the replica's data and the new writes; the
     * healer no longer promotes the replica (that would discard the new writes) and reports the divergence for an
     * operator to settle. For caches and data that can be rebuilt.
     */
    WRITE_TO_NEW_MASTER
}
