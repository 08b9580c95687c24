package io.github.mooring.internal.topology;

import io.github.mooring.internal.Require;
import io.github.mooring.topology.DataAtRisk;
import io.github.mooring.topology.ElectionPolicy;
import java.time.Duration;
import java.util.Objects;

/**
 * How the {@link TopologyMonitor} watches a group.
 *
 * @param probeInterval the periodic safety round (failovers by Sentinel or by hand change no endpoints, so only
 *        probing finds them); endpoint changes and suspicions trigger rounds at once regardless
 * @param electionPolicy how replicas are judged stale
 * @param noMasterProbeInterval the interval while there is no master, so that a new master is found the moment it
 *        answers (polling sources such as DNS are asked again as often)
 * @param withholdMasterWhenDataAtRisk publish no master while {@link DataAtRisk} holds (the healer repairs it), so
 *        no client writes to an empty master meanwhile
 * @param farBehindRatio a master holding fewer keys than this share of a stale replica's is "far behind"
 */
public record MonitorSettings(
        Duration probeInterval,
        ElectionPolicy electionPolicy,
        Duration noMasterProbeInterval,
        boolean withholdMasterWhenDataAtRisk,
        double farBehindRatio) {

    public static final Duration DEFAULT_PROBE_INTERVAL = Duration.ofSeconds(1);
    public static final Duration DEFAULT_NO_MASTER_PROBE_INTERVAL = Duration.ofMillis(50);

    public MonitorSettings {
        Require.atLeastMillis(probeInterval, 10, "probeInterval");
        Objects.requireNonNull(electionPolicy, "electionPolicy");
        Require.atLeastMillis(noMasterProbeInterval, 10, "noMasterProbeInterval");
        if (!(farBehindRatio > 0 && farBehindRatio <= 1)) {
            throw Require.invalid("farBehindRatio", "in (0, 1]", farBehindRatio);
        }
    }

    public MonitorSettings(Duration probeInterval, ElectionPolicy electionPolicy) {
        this(probeInterval, electionPolicy, DEFAULT_NO_MASTER_PROBE_INTERVAL, false, DEFAULT_FAR_BEHIND_RATIO);
    }

    public static final double DEFAULT_FAR_BEHIND_RATIO = 0.5;

    /** The same settings, publishing no master while data is at risk (or not). */
    public MonitorSettings withWithholdMasterWhenDataAtRisk(boolean withhold) {
        return new MonitorSettings(probeInterval, electionPolicy, noMasterProbeInterval, withhold, farBehindRatio);
    }

    public static MonitorSettings defaults() {
        return new MonitorSettings(DEFAULT_PROBE_INTERVAL, ElectionPolicy.defaults());
    }

    public MonitorSettings withProbeInterval(Duration interval) {
        return new MonitorSettings(
                interval, electionPolicy, noMasterProbeInterval, withholdMasterWhenDataAtRisk, farBehindRatio);
    }
}
