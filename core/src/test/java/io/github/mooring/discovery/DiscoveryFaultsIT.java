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
 * What goes wrong between the application and the Kubernetes API while it runs: dropped watches, an API server
 * restart, RBAC revoked, an old cluster without EndpointSlices. The topology survives each, and changes are followed
 * once discovery works again.
 */
@ExtendWith(SimulatedNamespaceExtension.class)
class DiscoveryFaultsIT {

    static final String SLICES = "endpointslices.discovery.k8s.io";
    static final String SLICES_ROLE_RULE =
            "{apiGroups: [\"discovery.k8s.io\"], resources: [\"endpointslices\"], verbs: [\"list\", \"watch\"]}";
    static final Duration PROBE_INTERVAL = Duration.ofMillis(250);
    static final Duration STARTUP = Duration.ofSeconds(20);
    /** Includes fabric8's reconnect backoff after a failed watch. */
    static final Duration CHANGE = Duration.ofSeconds(45);

    static final Duration SETTLE = Duration.ofMillis(1500);

    private final Harness harness = new Harness();

    @AfterEach
    void closeHarness() throws Exception {
        harness.close();
    }

    @Test
    void aReplacementIsDetectedAfterTheWatchConnectionWasDropped(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").start();
        Harness.Watched watched = harness.watch(ns, redis, harness.kubernetes(ns), PROBE_INTERVAL);
        int mark = watched.awaitStarted(STARTUP);
        long watchesBefore = awaitWatching(ns, SLICES);

        ns.api().dropConnections();
        await().alias("the informer watches again")
                .atMost(CHANGE)
                .until(() -> ns.api().requestCount("watch", SLICES) > watchesBefore);
        redis.pod(0).replace(Deletion.KILL, Duration.ofMillis(500));
        redis.pod(0).awaitReady(CHANGE);

        watched.events().awaitOnlyMasterChange(mark, redis.pod(0), CHANGE, SETTLE);
        assertThat(watched.monitor().topology().source()).isEqualTo("kubernetes");
    }

    @Test
    void theTopologyOutlivesAnApiServerOutageAndChangesAfterItAreFollowed(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").start();
        Harness.Watched watched = harness.watch(ns, redis, harness.kubernetes(ns), PROBE_INTERVAL);
        int mark = watched.awaitStarted(STARTUP);

        awaitWatching(ns, SLICES);
        ns.api().stop();
        try {
            await().alias("the outage is noticed")
                    .atMost(CHANGE)
                    .until(() -> watched.events().since(mark, TopologyEvent.DiscoveryFailed.class).stream()
                            .anyMatch(e -> e.error().reason() == DiscoveryException.Reason.UNREACHABLE));
            await().alias("the master is kept during the outage")
                    .during(Duration.ofSeconds(2))
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> isMaster(watched.monitor().topology(), redis, 0));
        } finally {
            ns.api().start();
        }
        assertThat(watched.events().since(mark, TopologyEvent.NoMaster.class)).isEmpty();

        redis.pod(0).replace(Deletion.KILL, Duration.ofMillis(500));
        redis.pod(0).awaitReady(CHANGE);

        watched.events().awaitOnlyMasterChange(mark, redis.pod(0), CHANGE, SETTLE);
    }

    @Test
    void revokedPermissionKeepsTheTopologyAndSaysWhichRuleIsMissing(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").start();
        Harness.Watched watched = harness.watch(ns, redis, harness.kubernetes(ns), PROBE_INTERVAL);
        int mark = watched.awaitStarted(STARTUP);

        awaitWatching(ns, SLICES);
        ns.api().forbid(SLICES, "list", "watch");
        ns.api().dropConnections(); // the running watch ends; the informer must list and watch again

        TopologyEvent.DiscoveryFailed failed = watched.events()
                .await(
                        mark,
                        TopologyEvent.DiscoveryFailed.class,
                        e -> e.error().reason() == DiscoveryException.Reason.FORBIDDEN,
                        CHANGE);
        assertThat(failed.error().getMessage())
                .contains(SLICES)
                .contains(SLICES_ROLE_RULE)
                .contains("namespace '" + ns.name() + "'")
                .contains("Service 'redis'");
        assertThat(failed.error().source()).isEqualTo("kubernetes");
        await().alias("the master is kept")
                .during(SETTLE.multipliedBy(2))
                .atMost(Duration.ofSeconds(10))
                .until(() -> isMaster(watched.monitor().topology(), redis, 0));
        assertThat(watched.events().since(mark, TopologyEvent.NoMaster.class)).isEmpty();
        assertThat(watched.events().since(mark, TopologyEvent.MasterChanged.class))
                .isEmpty();
    }

    @Test
    void autoSourceMovesToDnsWhenPermissionIsRevokedAndFollowsLaterChanges(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").start();
        Harness.Watched watched = harness.watch(ns, redis, harness.auto(ns), PROBE_INTERVAL);
        int mark = watched.awaitStarted(STARTUP);
        assertThat(watched.monitor().topology().source()).isEqualTo("kubernetes");

        awaitWatching(ns, SLICES);
        ns.api().forbid(SLICES, "list", "watch");
        ns.api().dropConnections();

        TopologyEvent.SourceDegraded degraded =
                watched.events().await(mark, TopologyEvent.SourceDegraded.class, e -> true, CHANGE);
        assertThat(degraded.from()).isEqualTo("kubernetes");
        assertThat(degraded.to()).isEqualTo("dns");
        assertThat(degraded.reason()).contains(SLICES_ROLE_RULE);
        assertThat(watched.events().since(mark, TopologyEvent.MasterChanged.class))
                .isEmpty();

        redis.pod(0).replace(Deletion.KILL, Duration.ofMillis(500));
        redis.pod(0).awaitReady(CHANGE);

        watched.events().awaitOnlyMasterChange(mark, redis.pod(0), CHANGE, SETTLE);
        assertThat(watched.monitor().topology().source()).isEqualTo("dns");
        assertThat(watched.events().since(mark, TopologyEvent.SourceDegraded.class))
                .hasSize(1);
    }

    @Test
    void withoutEndpointSlicesTheCoreEndpointsAreWatched(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").start();
        ns.api().unserve("discovery.k8s.io");
        Harness.Watched watched = harness.watch(ns, redis, harness.kubernetes(ns), PROBE_INTERVAL);
        int mark = watched.awaitStarted(STARTUP);
        assertThat(watched.monitor().topology().source()).isEqualTo("kubernetes (endpoints)");
        assertThat(isMaster(watched.monitor().topology(), redis, 0)).isTrue();

        redis.pod(0).replace(Deletion.KILL, Duration.ofMillis(500));
        redis.pod(0).awaitReady(CHANGE);

        watched.events().awaitOnlyMasterChange(mark, redis.pod(0), CHANGE, SETTLE);
        assertThat(ns.api().requestCount("watch", "endpoints")).isPositive();
    }

    /**
     * Waits until the informer has asked for its watch (it lists first), so that what the test does next meets a
     * running watch; returns the number of watch requests so far.
     */
    static long awaitWatching(SimulatedNamespace ns, String resource) {
        await().alias("the informer watches " + resource)
                .atMost(STARTUP)
                .until(() -> ns.api().requestCount("watch", resource) > 0);
        return ns.api().requestCount("watch", resource);
    }

    private static boolean isMaster(Topology topology, RedisStatefulSet redis, int ordinal) {
        return topology.master().map(m -> Harness.isPod(m, redis.pod(ordinal))).orElse(false);
    }
}
