package io.github.mooring.healer;

/** What the healer does about a replication group that Kubernetes broke. */
public enum HealerMode {

    /** Nothing: no checks, no log lines, no events. */
    OFF,

    /**
     * The default: detect and explain (one WARN line per condition, with the command that would fix it, and an
     * event), change nothing.
     */
    REPORT,

    /**
     * Report, and fix: re-point stale replicas, promote the replica that holds the data when the master came back
     * empty, demote split-brain losers; on a Redis Cluster ({@link ClusterHealer}), meet nodes at their pods' current
     * IPs and re-add an empty pod as the replica of the master that lost one. One client per Service acts at a time (a Kubernetes Lease), only on a topology
     * that has been stable for a while, re-checking each step right before taking it.
     */
    REPAIR
}
