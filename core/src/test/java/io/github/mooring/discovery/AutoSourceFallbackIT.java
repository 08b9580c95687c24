package io.github.mooring.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.mooring.testing.Harness;
import io.github.mooring.testkit.RedisPod.Deletion;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;
import io.github.mooring.topology.Topology;
import io.github.mooring.topology.TopologyEvent;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The auto source leaves the Kubernetes API for DNS only for a decision that lasts (RBAC says no, no API server at
 * start), never for a hiccup (a 5xx), and goes back to the API, with an event, as soon as a list works again.
 */
@ExtendWith(SimulatedNamespaceExtension.class)
class AutoSourceFallbackIT {

    static final String SLICES = DiscoveryFaultsIT.SLICES;
    static final Duration PROBE_INTERVAL = Duration.ofMillis(250);
    static final Duration STARTUP = Duration.ofSeconds(30);
    static final Duration CHANGE = Duration.ofSeconds(45);
    static final Duration SETTLE = Duration.ofMillis(1500);
    /** How often the auto source asks the API again while on DNS (30 s by default). */
    static final Duration API_RETRY = Duration.ofMillis(500);

    private final Harness harness = new Harness();

    @AfterEach
    void closeHarness() {
        harness.close();
    }

    @Test
    void anApiServerFailingWith503AtStartIsWaitedForNotReplacedByDns(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").start();
        ns.api().fail(SLICES, 503, "list", "watch");
        Harness.Watched watched = harness.watch(ns, redis, auto(ns), PROBE_INTERVAL);
        await().alias("the source lists again after the 503")
                .atMost(CHANGE)
                .until(() -> ns.api().requestCount("list", SLICES) >= 3);
        assertThat(watched.monitor().topology().source()).isNotEqualTo("dns");

        ns.api().recover(SLICES, "list", "watch");
        Topology topology = watched.monitor().waiters().awaitMaster(CHANGE);

        assertThat(topology.source()).as("the source once the API answers").isEqualTo("kubernetes");
        assertThat(watched.events().since(0, TopologyEvent.SourceDegraded.class))
                .isEmpty();
        assertThat(watched.events().since(0, TopologyEvent.MasterChanged.class))
                .allSatisfy(e -> assertThat(e.topology().source()).isEqualTo("kubernetes"));
    }

    @Test
    void revokedPermissionMovesToDnsAndRestoredPermissionMovesBackWithAnEventEachWay(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").start();
        Harness.Watched watched = harness.watch(ns, redis, auto(ns), PROBE_INTERVAL);
        int mark = watched.awaitStarted(STARTUP);
        DiscoveryFaultsIT.awaitWatching(ns, SLICES);

        ns.api().forbid(SLICES, "list", "watch");
        ns.api().dropConnections();
        TopologyEvent.SourceDegraded degraded =
                watched.events().await(mark, TopologyEvent.SourceDegraded.class, e -> true, CHANGE);
        assertThat(degraded.to()).isEqualTo("dns");

        ns.api().permit(SLICES, "list", "watch");
        await().alias("the auto source is back on the Kubernetes API")
                .atMost(CHANGE)
                .until(() -> watched.monitor().topology().source().equals("kubernetes"));
        TopologyEvent.SourceRestored restored =
                watched.events().await(mark, TopologyEvent.SourceRestored.class, e -> true, CHANGE);
        assertThat(restored.from()).isEqualTo("dns");
        assertThat(restored.to()).isEqualTo("kubernetes");
        assertThat(restored.reason()).contains("lets Service 'redis'").contains("be listed again");

        redis.pod(0).replace(Deletion.KILL, Duration.ofMillis(500));
        redis.pod(0).awaitReady(CHANGE);
        watched.events().awaitOnlyMasterChange(mark, redis.pod(0), CHANGE, SETTLE);
        assertThat(watched.monitor().topology().source()).isEqualTo("kubernetes");
        assertThat(watched.events().since(mark, TopologyEvent.SourceDegraded.class))
                .hasSize(1);
    }

    @Test
    void anApiServerUnreachableAtStartLeavesDnsForTheApiOnceItAnswers(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").start();
        ns.api().stop();
        Harness.Watched watched;
        try {
            watched = harness.watch(ns, redis, auto(ns), PROBE_INTERVAL);
            Topology first = watched.monitor().waiters().awaitMaster(STARTUP);
            assertThat(first.source()).isEqualTo("dns");
            TopologyEvent.DiscoveryFailed why =
                    watched.events().await(0, TopologyEvent.DiscoveryFailed.class, e -> true, STARTUP);
            assertThat(why.error().reason()).isEqualTo(DiscoveryException.Reason.UNREACHABLE);
        } finally {
            ns.api().start();
        }

        TopologyEvent.SourceRestored restored =
                watched.events().await(0, TopologyEvent.SourceRestored.class, e -> true, CHANGE);
        assertThat(restored.to()).isEqualTo("kubernetes");
        await().atMost(CHANGE).until(() -> watched.monitor().topology().source().equals("kubernetes"));
        assertThat(watched.events().since(0, TopologyEvent.NoMaster.class)).isEmpty();
    }

    private AutoSource auto(SimulatedNamespace ns) {
        return harness.auto(ns).withApiRetry(API_RETRY);
    }
}
