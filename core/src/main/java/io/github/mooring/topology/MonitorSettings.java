package io.github.mooring.topology;

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
 */
public record MonitorSettings(Duration probeInterval, ElectionPolicy electionPolicy, Duration noMasterProbeInterval) {

    public static final Duration DEFAULT_PROBE_INTERVAL = Duration.ofSeconds(1);
    public static final Duration DEFAULT_NO_MASTER_PROBE_INTERVAL = Duration.ofMillis(50);

    public MonitorSettings {
        if (probeInterval == null || probeInterval.toMillis() < 10) {
            throw new IllegalArgumentException("probe interval must be at least 10 ms, was " + probeInterval);
        }
        Objects.requireNonNull(electionPolicy, "electionPolicy");
        if (noMasterProbeInterval == null || noMasterProbeInterval.toMillis() < 10) {
            throw new IllegalArgumentException("no-master probe interval must be at least 10 ms, was "
                    + noMasterProbeInterval);
        }
    }

    public MonitorSettings(Duration probeInterval, ElectionPolicy electionPolicy) {
        this(probeInterval, electionPolicy, DEFAULT_NO_MASTER_PROBE_INTERVAL);
    }

    public static MonitorSettings defaults() {
        return new MonitorSettings(DEFAULT_PROBE_INTERVAL, ElectionPolicy.defaults());
    }

    public MonitorSettings withProbeInterval(Duration interval) {
        return new MonitorSettings(interval, electionPolicy, noMasterProbeInterval);
    }
}
