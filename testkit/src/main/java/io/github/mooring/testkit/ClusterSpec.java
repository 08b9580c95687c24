package io.github.mooring.testkit;

import java.time.Duration;

/**
 * The layout of a {@link RedisCluster}: pods {@code 0 .. masters-1} start as masters of equal slot ranges, and pod
 * {@code masters * r + m} ({@code r = 1 .. replicasPerMaster}) as a replica of master {@code m}.
 */
record ClusterSpec(int masters, int replicasPerMaster, Duration nodeTimeout) {

    /** Hash slots of a Redis Cluster. */
    static final int SLOTS = 16384;

    int pods() {
        return masters * (1 + replicasPerMaster);
    }

    /** The ordinal of the master that pod {@code ordinal} starts as a replica of, or -1 when it starts as master. */
    int initialMasterOf(int ordinal) {
        return ordinal < masters ? -1 : ordinal % masters;
    }

    /** The first slot master {@code m} starts with. */
    int firstSlot(int m) {
        return m * SLOTS / masters;
    }

    /** The last slot master {@code m} starts with. */
    int lastSlot(int m) {
        return (m + 1) * SLOTS / masters - 1;
    }
}
