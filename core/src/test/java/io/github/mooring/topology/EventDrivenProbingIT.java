package io.github.mooring.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mooring.discovery.StaticSource;
import io.github.mooring.internal.topology.MonitorSettings;
import io.github.mooring.testing.Harness;
import io.github.mooring.testkit.RedisPod;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Between heartbeats a calm monitor probes only on events. A pod that closes the probe's kept connection (a crash, a
 * restart in place) is one: with no periodic round for minutes and a source that reports no change (static, the same
 * IP), the restarted master is still found at once, and the round says what started it.
 */
@ExtendWith(SimulatedNamespaceExtension.class)
class EventDrivenProbingIT {

    /** Longer than the test: any round it sees comes from an event. */
    static final Duration NO_PERIODIC_ROUND = Duration.ofMinutes(10);

    static final Duration CHANGE = Duration.ofSeconds(30);
    static final Duration SETTLE = Duration.ofMillis(1500);

    private final Harness harness = new Harness();

    @AfterEach
    void closeHarness() {
        harness.close();
    }

    @Test
    void aMasterRestartedInPlaceIsFoundThroughTheProbeConnectionItClosed(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").persistence(true).start();
        StaticSource source =
                StaticSource.of(redis.pods().stream().map(RedisPod::address).toList());
        MonitorSettings slow = MonitorSettings.defaults()
                .withProbeInterval(NO_PERIODIC_ROUND)
                .withCalmPace(NO_PERIODIC_ROUND, Duration.ZERO);
        Harness.Watched watched = harness.watch(Harness.service(ns, redis), source, Harness.NO_AUTH, slow);
        int mark = watched.awaitStarted(CHANGE);
        String oldRunId =
                watched.monitor().topology().master().orElseThrow().report().runId();

        redis.pod(0).restartContainer(Duration.ofSeconds(1));
        redis.pod(0).awaitReady(CHANGE);

        TopologyEvent.MasterChanged change = watched.events().awaitOnlyMasterChange(mark, redis.pod(0), CHANGE, SETTLE);
        assertThat(change.master().report().runId()).isNotEqualTo(oldRunId);
        assertThat(change.reason()).contains("restarted");
    }
}
