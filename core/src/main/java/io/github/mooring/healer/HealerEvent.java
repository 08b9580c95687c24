package io.github.mooring.healer;

import io.github.mooring.topology.DataAtRisk;
import java.time.Instant;

/** What the healer saw and did. Delivered in order on the healer's thread. */
public sealed interface HealerEvent {

    /** When it happened. */
    Instant at();

    /** A condition found for the first time, with its fix (taken in repair mode, only described in report mode). */
    record FindingReported(Instant at, Finding finding, HealerMode mode) implements HealerEvent {}

    /** A command was sent to a pod. */
    record ActionTaken(Instant at, RepairAction action, String reply) implements HealerEvent {}

    /** A planned command was not sent: the re-check right before showed it is no longer needed, or it failed. */
    record ActionSkipped(Instant at, RepairAction action, String why) implements HealerEvent {}

    /** This client became (or stopped being) the one that repairs. */
    record LeadershipChanged(Instant at, boolean leader, String identity) implements HealerEvent {}

    /**
     * Data at risk was not repaired within {@link HealerSettings#dataAtRiskWait()}, and the
     * {@link DataAtRiskPolicy} applied: writes now fail with a {@code DataAtRiskException}, or go to the empty master.
     */
    record DataAtRiskPolicyApplied(Instant at, DataAtRisk risk, DataAtRiskPolicy policy, String what)
            implements HealerEvent {}

    /** The healer cannot repair (no lease permission, no Kubernetes API, Sentinel manages the group): it reports. */
    record RepairUnavailable(Instant at, String why) implements HealerEvent {}
}
