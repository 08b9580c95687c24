package io.github.mooring.benchmarks;

import java.time.Duration;
import java.util.Locale;

/**
 * What happens to a Redis Cluster in {@link ClusterFailoverBenchmark}. Every contender writes through the same
 * disruption; the observation ends once every writer has written to every shard again and stayed without a failure for
 * a second, or at the cap, counted from the end of the disruptive action.
 */
enum ClusterScenario {
    POD_REPLACED(
            "master pod replaced",
            "`kill -9` of a master pod; the StatefulSet recreates it 1 s later with a new IP and its volume (same node"
                    + " ID): the node is back at its new address before `cluster-node-timeout` (5 s) promotes its"
                    + " replica",
            Duration.ofSeconds(20)),
    CLUSTER_FAILOVER(
            "CLUSTER FAILOVER",
            "planned: `CLUSTER FAILOVER` on a master's replica (its master pauses its clients until the replica has"
                    + " the whole stream)",
            Duration.ofSeconds(10)),
    ALL_PODS_REPLACED(
            "all pods replaced",
            "`kill -9` of every pod at once; each is recreated 1 s later with a new IP and its volume; once all are"
                    + " ready, the benchmark sends `CLUSTER MEET` with the current IPs to every node (what the healer's"
                    + " repair does), since the cluster does not re-form by itself",
            Duration.ofSeconds(20)),
    POD_REPLACED_EMPTY(
            "master pod replaced without its volume",
            "`kill -9` of a master pod; the StatefulSet recreates it 1 s later with a new IP and an empty volume: a new"
                    + " node in no cluster, so the slots wait for `cluster-node-timeout` (5 s) to promote the replica;"
                    + " once every writer is back, the benchmark adds the empty pod as the new master's replica"
                    + " (`CLUSTER MEET`, `CLUSTER REPLICATE`: what the healer's repair does) and forgets the old node"
                    + " ID, so the next repetition starts from a whole cluster. Writes the old master acknowledged"
                    + " and had not yet replicated are lost with its volume, for every client alike",
            Duration.ofSeconds(20));

    /** The kubelet's delay before a replaced pod starts. */
    static final Duration KUBELET_DELAY = Duration.ofSeconds(1);

    private final String title;
    private final String description;
    private final Duration cap;

    ClusterScenario(String title, String description, Duration cap) {
        this.title = title;
        this.description = description;
        this.cap = cap;
    }

    String title() {
        return title;
    }

    String description() {
        return description;
    }

    /** How long the observation may last after the disruptive action; a writer not back by then is censored. */
    Duration cap() {
        return cap;
    }

    String key() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
