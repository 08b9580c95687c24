package io.github.mooring.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mooring.testing.EventLog;
import io.github.mooring.testing.Harness;
import io.github.mooring.testing.PodRuntimes;
import io.github.mooring.testing.Sources;
import io.github.mooring.testkit.PodRuntime;
import io.github.mooring.testkit.RedisPod;
import io.github.mooring.testkit.RedisPod.Deletion;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The monitor follows the master through the ways a master pod goes away on Kubernetes, from every discovery
 * source, with exactly one {@link TopologyEvent.MasterChanged} per change; with pods as processes and as containers.
 */
@ExtendWith(SimulatedNamespaceExtension.class)
class MasterFollowingIT {

    static final Duration PROBE_INTERVAL = Duration.ofMillis(250);
    static final Duration STARTUP = Duration.ofSeconds(20);
    static final Duration CHANGE = Duration.ofSeconds(30);
    /** How long "exactly one" must stay true once the change happened: several probe rounds and DNS queries. */
    static final Duration SETTLE = Duration.ofMillis(1500);

    private final Harness harness = new Harness();

    @AfterEach
    void closeHarness() throws Exception {
        harness.close();
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("sourcesOnBothRuntimes")
    void masterPodReplacedWithANewIp(Sources kind, PodRuntime runtime, SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").runtime(runtime).start();
        Harness.Watched watched = harness.watch(ns, redis, harness.source(kind, ns), PROBE_INTERVAL);
        int mark = watched.awaitStarted(STARTUP);
        assertThat(watched.monitor().topology().master()).hasValueSatisfying(m -> assertIsPod(m, redis.pod(0), kind));
        String oldAddress = redis.pod(0).address();

        redis.pod(0).replace(Deletion.KILL, Duration.ofSeconds(1));
        redis.pod(0).awaitReady(CHANGE);

        TopologyEvent.MasterChanged change = awaitOnlyChangeTo(watched.events(), mark, redis.pod(0));
        assertThat(redis.pod(0).address()).isNotEqualTo(oldAddress);
        assertThat(change.previous())
                .hasValueSatisfying(p -> assertThat(p.address()).isEqualTo(oldAddress));
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("sourcesOnBothRuntimes")
    void containerRestartedInPlace(Sources kind, PodRuntime runtime, SimulatedNamespace ns) {
        RedisStatefulSet redis =
                ns.redis("redis").runtime(runtime).persistence(true).start();
        Harness.Watched watched = harness.watch(ns, redis, harness.source(kind, ns), PROBE_INTERVAL);
        int mark = watched.awaitStarted(STARTUP);
        String oldRunId =
                watched.monitor().topology().master().orElseThrow().report().runId();
        String address = redis.pod(0).address();

        redis.pod(0).restartContainer(Duration.ofSeconds(1));
        redis.pod(0).awaitReady(CHANGE);

        TopologyEvent.MasterChanged change = awaitOnlyChangeTo(watched.events(), mark, redis.pod(0));
        assertThat(redis.pod(0).address())
                .as("a container restart keeps the pod's IP")
                .isEqualTo(address);
        assertThat(change.master().report().runId()).isNotNull().isNotEqualTo(oldRunId);
        assertThat(change.previous()).hasValueSatisfying(p -> {
            assertThat(p.address()).isEqualTo(address);
            assertThat(p.report().runId()).isEqualTo(oldRunId);
        });
        assertThat(change.reason()).contains("restarted");
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("sourcesOnBothRuntimes")
    void manualFailoverByReplicaOf(Sources kind, PodRuntime runtime, SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").runtime(runtime).start();
        Harness.Watched watched = harness.watch(ns, redis, harness.source(kind, ns), PROBE_INTERVAL);
        int mark = watched.awaitStarted(STARTUP);

        redis.pod(1).promote();
        redis.pod(0).replicaOf(redis.pod(1));
        redis.pod(2).replicaOf(redis.pod(1));
        redis.awaitReplicationLinked(CHANGE);

        TopologyEvent.MasterChanged change = awaitOnlyChangeTo(watched.events(), mark, redis.pod(1));
        assertThat(change.previous()).hasValueSatisfying(p -> assertIsPod(p, redis.pod(0), kind));
        assertThat(change.trigger())
                .as("no endpoint changes: only probing can find a manual failover")
                .isIn(TopologyEvent.Trigger.PERIODIC, TopologyEvent.Trigger.ENDPOINTS_CHANGED);
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("sourcesOnBothRuntimes")
    void masterPodDeletedGracefully(Sources kind, PodRuntime runtime, SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").runtime(runtime).start();
        Harness.Watched watched = harness.watch(ns, redis, harness.source(kind, ns), PROBE_INTERVAL);
        int mark = watched.awaitStarted(STARTUP);
        String oldAddress = redis.pod(0).address();

        redis.pod(0).replace(Deletion.GRACEFUL, Duration.ofSeconds(1));
        redis.pod(0).awaitReady(CHANGE);

        TopologyEvent.MasterChanged change = awaitOnlyChangeTo(watched.events(), mark, redis.pod(0));
        assertThat(change.previous())
                .hasValueSatisfying(p -> assertThat(p.address()).isEqualTo(oldAddress));
    }

    static Stream<Arguments> sourcesOnBothRuntimes() {
        return PodRuntimes.everyOnBoth((Object[]) Sources.values());
    }

    static TopologyEvent.MasterChanged awaitOnlyChangeTo(EventLog events, int mark, RedisPod pod) {
        return events.awaitOnlyMasterChange(mark, pod, CHANGE, SETTLE);
    }

    static void assertIsPod(Node node, RedisPod pod, Sources kind) {
        assertThat(node.address()).isEqualTo(pod.address());
        if (kind.knowsPodNames()) {
            assertThat(node.endpoint().podName()).isEqualTo(pod.name());
        } else {
            assertThat(node.endpoint().podName()).isNull();
        }
    }
}
