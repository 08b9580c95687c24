package io.github.mooring.topology;

import java.time.Duration;
import java.util.Objects;

/**
 * How the {@link TopologyMonitor} watches a group.
 *
 * @param probeInterval the periodic safety round (failovers by Sentinel or by hand change no endpoints, so only
 *        probing finds them); endpoint changes and suspicions trigger rounds at once regardless
 * @param electionPolicy how replicas are judged stale
 */
public record MonitorSettings(Duration probeInterval, ElectionPolicy electionPolicy) {

    public static final Duration DEFAULT_PROBE_INTERVAL = Duration.ofSeconds(1);

    public MonitorSettings {
        if (probeInterval == null || probeInterval.toMillis() < 10) {
            throw new IllegalArgumentException("probe interval must be at least 10 ms, was " + probeInterval);
        }
        Objects.requireNonNull(electionPolicy, "electionPolicy");
    }

    public static MonitorSettings defaults() {
        return new MonitorSettings(DEFAULT_PROBE_INTERVAL, ElectionPolicy.defaults());
    }

    public MonitorSettings withProbeInterval(Duration interval) {
        return new MonitorSettings(interval, electionPolicy);
    }
}
