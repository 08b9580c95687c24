package io.github.mooring.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.mooring.internal.topology.MasterElection;
import io.github.mooring.testing.Harness;
import io.github.mooring.testkit.RedisPod;
import io.github.mooring.testkit.RedisPod.Deletion;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;
import java.time.Duration;
import java.util.List;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The election rules of {@link MasterElection}, this time with what real Redis processes report in the situations
 * that produce them, through the kubernetes source (so pods have names).
 */
@ExtendWith(SimulatedNamespaceExtension.class)
class ElectionWithRealPodsIT {

    static final Duration PROBE_INTERVAL = Duration.ofMillis(200);
    static final Duration STARTUP = Duration.ofSeconds(20);
    static final Duration CHANGE = Duration.ofSeconds(30);
    static final Duration SETTLE = Duration.ofMillis(1000);

    private final Harness harness = new Harness();

    @AfterEach
    void closeHarness() throws Exception {
        harness.close();
    }

    @Test
    void splitBrainIsWonByThePodPromotedFromTheOthersHistory(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").start();
        writeKeys(redis, 10);
        Harness.Watched watched = harness.watch(ns, redis, harness.kubernetes(ns), PROBE_INTERVAL);
        int mark = watched.awaitStarted(STARTUP);

        redis.pod(2).promote(); // redis-0 stays master: two masters, both holding the same data

        TopologyEvent.SplitBrainDetected split =
                watched.events().await(mark, TopologyEvent.SplitBrainDetected.class, e -> true, CHANGE);
        assertThat(split.splitBrain().winner().endpoint().podName()).isEqualTo("redis-2");
        assertThat(split.splitBrain().losers())
                .extracting(n -> n.endpoint().podName())
                .containsExactly("redis-0");
        assertThat(split.splitBrain().decidedBy()).isEqualTo("succession");
        TopologyEvent.MasterChanged change = watched.events().awaitOnlyMasterChange(mark, redis.pod(2), CHANGE, SETTLE);
        assertThat(change.reason())
                .contains("redis-0")
                .contains("lost a split brain")
                .contains("succession");
        // redis-1 still follows the loser: it will not see writes made on the winner.
        TopologyEvent.StaleReplicaDetected stale = watched.events()
                .await(
                        mark,
                        TopologyEvent.StaleReplicaDetected.class,
                        e -> "redis-1"
                                .equals(e.staleReplica().replica().endpoint().podName()),
                        CHANGE);
        assertThat(stale.staleReplica().reason()).isEqualTo(StaleReplica.Reason.FOLLOWS_NON_MASTER);
        assertThat(stale.staleReplica().follows()).isEqualTo(redis.pod(0).address());
        assertThat(watched.events().since(mark, TopologyEvent.SplitBrainDetected.class))
                .as("the same split brain is reported once")
                .hasSize(1);
    }

    @Test
    void anEmptyMasterNeverWinsOverOneHoldingData(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").persistence(false).start();
        writeKeys(redis, 100);
        Harness.Watched watched = harness.watch(ns, redis, harness.kubernetes(ns), PROBE_INTERVAL);
        int mark = watched.awaitStarted(STARTUP);

        // No persistence: the replacement redis-0 comes back empty, and as master (pod 0 always starts as master).
        redis.pod(0).replace(Deletion.KILL, Duration.ofMillis(500));
        redis.pod(0).awaitReady(CHANGE);
        watched.events()
                .await(mark, TopologyEvent.MasterChanged.class, e -> Harness.isPod(e.master(), redis.pod(0)), CHANGE);
        assertThat(redis.pod(0).dbSize()).isZero();
        assertThat(redis.pod(1).dbSize()).isEqualTo(100);
        int afterReplacement = watched.events().mark();

        redis.pod(1).promote(); // the operator's repair: the replica with the data takes over

        TopologyEvent.SplitBrainDetected split =
                watched.events().await(afterReplacement, TopologyEvent.SplitBrainDetected.class, e -> true, CHANGE);
        assertThat(split.splitBrain().winner().endpoint().podName()).isEqualTo("redis-1");
        assertThat(split.splitBrain().losers())
                .extracting(n -> n.endpoint().podName())
                .containsExactly("redis-0");
        assertThat(split.splitBrain().decidedBy()).isEqualTo("only one holds data");
        TopologyEvent.MasterChanged change =
                watched.events().awaitOnlyMasterChange(afterReplacement, redis.pod(1), CHANGE, SETTLE);
        assertThat(change.master().report().keys()).isEqualTo(100);
        assertThat(change.previous())
                .hasValueSatisfying(
                        p -> assertThat(Harness.isPod(p, redis.pod(0))).isTrue());
    }

    @Test
    void whenEveryPodIsAReplicaThereIsNoMasterAndTheReasonNamesEachPod(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").start();
        Harness.Watched watched = harness.watch(ns, redis, harness.kubernetes(ns), PROBE_INTERVAL);
        int mark = watched.awaitStarted(STARTUP);

        redis.pod(0).replicaOf(redis.pod(1)); // while redis-1 (and redis-2) follow redis-0: a loop, nobody master

        TopologyEvent.NoMaster noMaster = watched.events().await(mark, TopologyEvent.NoMaster.class, e -> true, CHANGE);
        assertThat(noMaster.previous())
                .hasValueSatisfying(
                        p -> assertThat(Harness.isPod(p, redis.pod(0))).isTrue());
        for (RedisPod pod : redis.pods()) {
            assertThat(noMaster.reason()).contains(pod.name() + " (" + pod.address() + ") replica of");
        }
        assertThat(noMaster.reason())
                .contains("redis-0 (" + redis.pod(0).address() + ") replica of "
                        + redis.pod(1).address());
        // The last master is not reused: it answers as a replica now.
        await().during(SETTLE)
                .atMost(SETTLE.plusSeconds(5))
                .until(() -> !watched.monitor().topology().hasMaster());
        assertThat(watched.monitor().topology().noMasterReason()).hasValueSatisfying(reason -> {
            for (RedisPod pod : redis.pods()) {
                assertThat(reason).contains(pod.name());
            }
        });
        assertThatThrownBy(() -> watched.monitor().waiters().awaitMaster(Duration.ofMillis(300)))
                .isInstanceOf(NoMasterException.class)
                .hasMessageContaining("Service 'redis' in namespace '" + ns.name() + "'")
                .hasMessageContaining("no pod reports master")
                .hasMessageContaining("redis-0")
                .hasMessageContaining("redis-1")
                .hasMessageContaining("redis-2");
        assertThat(watched.events().since(mark, TopologyEvent.NoMaster.class)).hasSize(1);
        assertThat(watched.events().since(mark, TopologyEvent.MasterChanged.class))
                .isEmpty();
    }

    @Test
    void replicasStillFollowingTheReplacedMastersOldIpAreStale(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").start();
        Harness.Watched watched = harness.watch(ns, redis, harness.kubernetes(ns), PROBE_INTERVAL);
        int mark = watched.awaitStarted(STARTUP);
        String oldAddress = redis.pod(0).address();

        redis.pod(0).replace(Deletion.KILL, Duration.ofMillis(500));
        redis.pod(0).awaitReady(CHANGE);
        watched.events().awaitOnlyMasterChange(mark, redis.pod(0), CHANGE, SETTLE);

        for (RedisPod replica : List.of(redis.pod(1), redis.pod(2))) {
            TopologyEvent.StaleReplicaDetected stale = watched.events()
                    .await(
                            mark,
                            TopologyEvent.StaleReplicaDetected.class,
                            e -> Harness.isPod(e.staleReplica().replica(), replica),
                            CHANGE);
            assertThat(stale.staleReplica().reason()).isEqualTo(StaleReplica.Reason.FOLLOWS_UNKNOWN_ADDRESS);
            assertThat(stale.staleReplica().follows()).isEqualTo(oldAddress);
        }
        Topology now = watched.monitor().topology();
        assertThat(now.master())
                .hasValueSatisfying(
                        m -> assertThat(Harness.isPod(m, redis.pod(0))).isTrue());
        assertThat(now.staleReplicas())
                .extracting(s -> s.replica().endpoint().podName(), StaleReplica::follows, StaleReplica::reason)
                .containsExactly(
                        Tuple.tuple("redis-1", oldAddress, StaleReplica.Reason.FOLLOWS_UNKNOWN_ADDRESS),
                        Tuple.tuple("redis-2", oldAddress, StaleReplica.Reason.FOLLOWS_UNKNOWN_ADDRESS));
        // Reported once per replica, not once per probe round.
        await().during(SETTLE)
                .atMost(SETTLE.plusSeconds(5))
                .until(() -> watched.events()
                                .since(mark, TopologyEvent.StaleReplicaDetected.class)
                                .size()
                        == 2);
    }

    /** Writes {@code count} keys on the master and waits until every replica has them. */
    static void writeKeys(RedisStatefulSet redis, int count) {
        for (int i = 0; i < count; i++) {
            redis.pod(0).command("SET", "key-" + i, "value-" + i);
        }
        await().alias("replicas hold the " + count + " keys")
                .atMost(Duration.ofSeconds(20))
                .until(() -> redis.pods().stream().allMatch(p -> p.dbSize() == count));
    }
}
