package io.github.mooring.benchmarks;

import java.time.Duration;
import java.util.Locale;

/**
 * What happens to the master. Every setup that takes part suffers the same disruption at the same moment; the
 * observation ends when every contender writes again (and Sentinels, where present, have settled) or at the cap.
 */
enum Scenario {
    POD_REPLACED(
            "master pod replaced",
            "`kill -9` of the master pod; the StatefulSet recreates it 1 s later with a new IP and its volume "
                    + "(pod 0 starts as master, as chart scripts do)",
            Duration.ofSeconds(3),
            Duration.ofSeconds(10)),
    RESTART(
            "container restart",
            "`kill -9` of the master's container; the kubelet restarts it in place (same IP, same volume) after 1 s",
            Duration.ofSeconds(3),
            Duration.ofSeconds(8)),
    SENTINEL_FAILOVER(
            "Sentinel failover",
            "the master's container dies and stays down; Sentinels promote a replica (setups with Sentinels only)",
            Duration.ofSeconds(2),
            Duration.ofSeconds(10)),
    MANUAL_FAILOVER(
            "manual failover",
            "planned: `REPLICAOF NO ONE` on a replica, then `REPLICAOF` of the others to it; where Sentinels run, "
                    + "`SENTINEL FAILOVER` (a manual `REPLICAOF` there is undone by Sentinel)",
            Duration.ofSeconds(3),
            Duration.ofSeconds(6)),
    FROZEN(
            "frozen master",
            "`SIGSTOP` of the master for 8 s (a hung node), then `SIGCONT`",
            Duration.ofMillis(9_500),
            Duration.ofSeconds(11));

    /** How long the master stays frozen in {@link #FROZEN}. */
    static final Duration FREEZE = Duration.ofSeconds(8);

    /** The kubelet's delay before a replaced pod or a restarted container starts. */
    static final Duration KUBELET_DELAY = Duration.ofSeconds(1);

    private final String title;
    private final String description;
    private final Duration minObservation;
    private final Duration cap;

    Scenario(String title, String description, Duration minObservation, Duration cap) {
        this.title = title;
        this.description = description;
        this.minObservation = minObservation;
        this.cap = cap;
    }

    String title() {
        return title;
    }

    String description() {
        return description;
    }

    /** The observation never ends earlier (lets late effects such as a Sentinel demotion show). */
    Duration minObservation() {
        return minObservation;
    }

    /** The observation never lasts longer: a contender not writing by then is reported as not recovered. */
    Duration cap() {
        return cap;
    }

    String key() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
