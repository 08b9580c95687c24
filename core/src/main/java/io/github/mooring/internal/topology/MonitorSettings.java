package io.github.mooring.internal.topology;

import io.github.mooring.internal.Require;
import io.github.mooring.topology.DataAtRisk;
import io.github.mooring.topology.ElectionPolicy;
import java.time.Duration;
import java.util.Objects;

/**
 * How the {@link TopologyMonitor} watches a group.
 *
 * @param probeInterval the fast pace: a round this often while anything is doubtful ({@link ProbePace}); endpoint
 *        changes, suspicions and Sentinel messages trigger rounds at once regardless
 * @param electionPolicy how replicas are judged stale
 * @param noMasterProbeInterval the interval while there is no master, so that a new master is found the moment it
 *        answers (polling sources such as DNS are asked again as often)
 * @param withholdMasterWhenDataAtRisk publish no master while {@link DataAtRisk} holds (the healer repairs it), so
 *        no client writes to an empty master meanwhile
 * @param farBehindRatio a master holding fewer keys than this share of a stale replica's is "far behind"
 * @param calmProbeInterval the heartbeat while all is calm: a round at a random point between half of it and all of
 *        it after the last one; it bounds how late a change that no event reports is seen. Equal to
 *        {@code probeInterval}: no calm pace (every tick probes, as before)
 * @param calmAfter how long after a change or an event-triggered round the fast pace goes on
 */
public record MonitorSettings(
        Duration probeInterval,
        ElectionPolicy electionPolicy,
        Duration noMasterProbeInterval,
        boolean withholdMasterWhenDataAtRisk,
        double farBehindRatio,
        Duration calmProbeInterval,
        Duration calmAfter) {

    public static final Duration DEFAULT_PROBE_INTERVAL = Duration.ofSeconds(1);
    public static final Duration DEFAULT_NO_MASTER_PROBE_INTERVAL = Duration.ofMillis(50);
    public static final double DEFAULT_FAR_BEHIND_RATIO = 0.5;
    /** 1,000 calm clients put about 2,000 / (0.75 × 30) ≈ 90 probe commands per second on each pod (was 5,000). */
    public static final Duration DEFAULT_CALM_PROBE_INTERVAL = Duration.ofSeconds(30);
    /** Longer than Sentinel's reconfiguration of the replicas and a restarted pod's return after a failover. */
    public static final Duration DEFAULT_CALM_AFTER = Duration.ofSeconds(10);

    public MonitorSettings {
        Require.atLeastMillis(probeInterval, 10, "probeInterval");
        Objects.requireNonNull(electionPolicy, "electionPolicy");
        Require.atLeastMillis(noMasterProbeInterval, 10, "noMasterProbeInterval");
        if (!(farBehindRatio > 0 && farBehindRatio <= 1)) {
            throw Require.invalid("farBehindRatio", "in (0, 1]", farBehindRatio);
        }
        Require.positive(calmProbeInterval, "calmProbeInterval");
        if (calmProbeInterval.compareTo(probeInterval) < 0) {
            throw Require.invalid(
                    "calmProbeInterval", "at least probeInterval (" + probeInterval + ")", calmProbeInterval);
        }
        Require.zeroOrPositive(calmAfter, "calmAfter");
    }

    public MonitorSettings(Duration probeInterval, ElectionPolicy electionPolicy) {
        this(
                probeInterval,
                electionPolicy,
                DEFAULT_NO_MASTER_PROBE_INTERVAL,
                false,
                DEFAULT_FAR_BEHIND_RATIO,
                max(DEFAULT_CALM_PROBE_INTERVAL, probeInterval),
                DEFAULT_CALM_AFTER);
    }

    /** The same settings, publishing no master while data is at risk (or not). */
    public MonitorSettings withWithholdMasterWhenDataAtRisk(boolean withhold) {
        return new MonitorSettings(
                probeInterval,
                electionPolicy,
                noMasterProbeInterval,
                withhold,
                farBehindRatio,
                calmProbeInterval,
                calmAfter);
    }

    public static MonitorSettings defaults() {
        return new MonitorSettings(DEFAULT_PROBE_INTERVAL, ElectionPolicy.defaults());
    }

    /** The same settings with another fast pace (the calm pace is raised to it when shorter). */
    public MonitorSettings withProbeInterval(Duration interval) {
        Require.atLeastMillis(interval, 10, "probeInterval");
        return new MonitorSettings(
                interval,
                electionPolicy,
                noMasterProbeInterval,
                withholdMasterWhenDataAtRisk,
                farBehindRatio,
                max(calmProbeInterval, interval),
                calmAfter);
    }

    /** The same settings with another calm pace ({@code calmProbeInterval}) and {@code calmAfter}. */
    public MonitorSettings withCalmPace(Duration calmProbeInterval, Duration calmAfter) {
        return new MonitorSettings(
                probeInterval,
                electionPolicy,
                noMasterProbeInterval,
                withholdMasterWhenDataAtRisk,
                farBehindRatio,
                calmProbeInterval,
                calmAfter);
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
