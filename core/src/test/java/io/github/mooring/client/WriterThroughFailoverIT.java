package io.github.mooring.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.github.mooring.testing.PodRuntimes;
import io.github.mooring.testkit.PodRuntime;
import io.github.mooring.testkit.RedisPod;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.Sentinels;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;
import io.github.mooring.topology.Node;
import io.github.mooring.topology.TopologyEvent;
import io.lettuce.core.api.StatefulRedisConnection;

/**
 * An application INCRs a counter at about 500 ops/s through Mooring while the master goes away in each of the ways
 * Kubernetes (or an operator) takes it away. It must see no error but "fate unknown" for commands in flight at that
 * instant, and the counter must end between the acknowledged INCRs and acknowledged plus fate-unknown ones: nothing
 * acknowledged lost, nothing applied twice, wherever Redis's asynchronous replication allows it. Every disruption
 * runs with pods as processes and as containers of an image.
 */
@ExtendWith(SimulatedNamespaceExtension.class)
class WriterThroughFailoverIT {

    private static final Duration SETTLE = Duration.ofSeconds(45);

    enum Disruption {
        /** kill -9 of the master pod; the StatefulSet recreates it with a new IP after 1 s (its PV keeps the data). */
        POD_REPLACED_WITH_NEW_IP(true),
        /** The master's container dies and restarts in place after 500 ms: same pod, same IP, same volume. */
        CONTAINER_RESTARTED_IN_PLACE(true),
        /** kubectl delete pod: endpoint terminating, SIGTERM, recreated with a new IP after 1 s. */
        GRACEFUL_POD_DELETE(true),
        /** An operator's careful failover with REPLICAOF: writes paused, replica caught up, promoted, old master demoted. */
        MANUAL_FAILOVER_BY_REPLICAOF(false),
        /** The master's container dies for good; Sentinel (down-after 1 s) promotes a replica. */
        SENTINEL_FAILOVER_AFTER_MASTER_DEATH(false, Duration.ofSeconds(1)),
        /**
         * As {@link #POD_REPLACED_WITH_NEW_IP}, where Sentinels (down-after 5 s) manage the group: the recreated pod is
         * a master with all the data that Sentinel has never heard of, and Sentinel promotes a replica seconds later.
         * Every write the new pod took would be lost then: writes wait for Sentinel's promotion instead.
         */
        SENTINELS_POD_REPLACED_WITH_NEW_IP(true, Duration.ofSeconds(5)),
        /**
         * As {@link #CONTAINER_RESTARTED_IN_PLACE}, where Sentinels (down-after 5 s) manage the group: the pod keeps
         * its IP, Sentinel knows it again at once, and writes go back to it long before Sentinel would fail over.
         */
        SENTINELS_CONTAINER_RESTARTED_IN_PLACE(true, Duration.ofSeconds(5));

        final boolean persistence;
        /** Sentinel's down-after, or null where no Sentinels run. */
        final Duration downAfter;

        Disruption(boolean persistence) {
            this(persistence, null);
        }

        Disruption(boolean persistence, Duration downAfter) {
            this.persistence = persistence;
            this.downAfter = downAfter;
        }

        boolean inPlace() {
            return this == CONTAINER_RESTARTED_IN_PLACE || this == SENTINELS_CONTAINER_RESTARTED_IN_PLACE;
        }
    }

    static Stream<Arguments> disruptionsOnBothRuntimes() {
        return PodRuntimes.everyOnBoth((Object[]) Disruption.values());
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("disruptionsOnBothRuntimes")
    void writerKeepsGoingAndNothingAcknowledgedIsLostOrDoubled(Disruption disruption, PodRuntime runtime,
            SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").runtime(runtime).persistence(disruption.persistence).start();
        Sentinels sentinels = disruption.downAfter != null
                ? ns.sentinels(redis).downAfter(disruption.downAfter).failoverTimeout(Duration.ofSeconds(5)).start()
                : null;
        if (sentinels != null) {
            sentinels.awaitReady(SETTLE);
        }
        try (MooringFixture mooring = new MooringFixture(ns, redis, b -> b)) {
            StatefulRedisConnection<String, String> connection = mooring.client.connect();
            long finalValue;
            CounterWriter writer = new CounterWriter(connection, "visits", 500);
            try {
                await().atMost(SETTLE).until(() -> writer.acknowledged.get() >= 300);
                String before = redis.pod(0).address();

                disrupt(disruption, redis, sentinels);

                await().atMost(SETTLE).until(() -> mooring.client.topology().master()
                        .map(m -> !m.address().equals(before) || disruption.inPlace())
                        .orElse(false));
                long ackedAtRecovery = writer.acknowledged.get();
                await().atMost(SETTLE).until(() -> writer.acknowledged.get() >= ackedAtRecovery + 500);
            } finally {
                writer.stop();
            }
            await().atMost(SETTLE).until(() -> writer.pending() == 0);
            writer.close();
            if (sentinels != null) {
                // On a loaded machine Sentinel may fail over a second time: read the counter where Sentinel's
                // failovers ended, once Mooring follows it there.
                await().alias("Mooring follows the master Sentinel names").atMost(SETTLE)
                        .until(() -> sentinels.masterAddress().equals(mooring.client.topology().master()
                                .map(Node::address)));
            }
            finalValue = Long.parseLong(connection.sync().get("visits"));

            long acked = writer.acknowledged.get();
            long unknown = writer.fateUnknown.get();
            System.out.printf("%s on %s: %s, counter=%d%n", disruption, runtime, writer, finalValue);
            assertThat(writer.otherFailures).as("errors other than fate-unknown, samples %s", writer.failureSamples)
                    .isEqualTo(Map.of());
            // Never applied twice: at most every acknowledged INCR plus every one whose fate was unknown.
            assertThat(finalValue).isLessThanOrEqualTo(acked + unknown);
            if (disruption == Disruption.SENTINEL_FAILOVER_AFTER_MASTER_DEATH
                    || disruption == Disruption.SENTINELS_POD_REPLACED_WITH_NEW_IP) {
                // Replication is asynchronous: INCRs the dead master acknowledged but had not yet sent to the
                // replica Sentinel promoted are gone. On loopback that is a handful at most.
                // Sentinel may promote a replica that lags (seconds, on a loaded machine): Redis's loss, not
                // Mooring's; bounded by what the writer sends in a few seconds.
                assertThat(acked - finalValue).as("acknowledged INCRs lost to asynchronous replication")
                        .isBetween(-unknown, 2_000L);
            } else {
                assertThat(finalValue).as("acknowledged INCRs are never lost").isGreaterThanOrEqualTo(acked);
            }
            // "At most those in flight at that instant": a burst, not a steady leak.
            assertThat(unknown).isLessThan(100);
            if (disruption == Disruption.SENTINELS_POD_REPLACED_WITH_NEW_IP) {
                // Sentinel never learns of the recreated pod: it stays a master of its own, and must have served no
                // write (AOF loading runs no command through the command table, so it counts none).
                assertThat(redis.pod(0).info("commandstats")).as("commands the recreated redis-0 ran")
                        .doesNotContainKey("cmdstat_incr");
            }
            if (disruption == Disruption.SENTINELS_CONTAINER_RESTARTED_IN_PLACE) {
                assertThat(sentinels.masterAddress()).as("Sentinel did not fail over").contains(redis.pod(0).address());
                assertThat(writer.longestGap()).as("writes were back before Sentinel's down-after")
                        .isLessThan(disruption.downAfter);
            }
        }
    }

    /**
     * A planned {@code SENTINEL FAILOVER} while writing: Sentinel promotes a replica without pausing the old master,
     * so INCRs the old master acknowledges after the promotion are lost when Sentinel demotes it. Mooring moves the
     * writes at the promotion (a master whose replication history continues another's is the newer one), not when
     * the old master is demoted; what is lost is what arrived within one probe round.
     */
    @Test
    void plannedSentinelFailoverLosesAtMostOneProbeRoundOfWrites(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").start();
        Sentinels sentinels = ns.sentinels(redis).downAfter(Duration.ofSeconds(5)).start();
        try (MooringFixture mooring = new MooringFixture(ns, redis, b -> b.probeInterval(Duration.ofMillis(250)))) {
            StatefulRedisConnection<String, String> connection = mooring.client.connect();
            CounterWriter writer = new CounterWriter(connection, "visits", 500);
            try {
                await().atMost(SETTLE).until(() -> writer.acknowledged.get() >= 300);
                String oldMaster = redis.pod(0).ip();
                sentinels.failover();
                await().atMost(SETTLE).until(() -> sentinels.masterAddress().map(a -> !a.startsWith(oldMaster + ":"))
                        .orElse(false));
                await().atMost(SETTLE).until(() -> mooring.client.topology().master()
                        .map(m -> !m.endpoint().host().equals(oldMaster)).orElse(false));
                long acked = writer.acknowledged.get();
                await().atMost(SETTLE).until(() -> writer.acknowledged.get() >= acked + 500);
            } finally {
                writer.stop();
            }
            await().atMost(SETTLE).until(() -> writer.pending() == 0);
            writer.close();
            long finalValue = Long.parseLong(connection.sync().get("visits"));
            long lost = writer.acknowledged.get() - finalValue;
            System.out.printf("SENTINEL FAILOVER: %s, counter=%d, acknowledged but lost=%d%n", writer, finalValue, lost);
            assertThat(writer.otherFailures).as("samples %s", writer.failureSamples).isEqualTo(Map.of());
            assertThat(finalValue).isLessThanOrEqualTo(writer.acknowledged.get() + writer.fateUnknown.get());
            // At 500 writes/s, one 250 ms probe round is ~125 writes; a client that waited for the demotion would
            // lose everything written until Sentinel reconfigures the old master (seconds).
            assertThat(lost).isLessThan(400);
            // The last change moved the writes to the replica Sentinel promoted.
            assertThat(mooring.events(TopologyEvent.MasterChanged.class)).last()
                    .satisfies(change -> assertThat(change.master().endpoint().host())
                            .isEqualTo(sentinels.masterAddress().orElseThrow().split(":")[0]));
        }
    }

    private static void disrupt(Disruption disruption, RedisStatefulSet redis, Sentinels sentinels) {
        RedisPod master = redis.pod(0);
        switch (disruption) {
            case POD_REPLACED_WITH_NEW_IP, SENTINELS_POD_REPLACED_WITH_NEW_IP ->
                    master.replace(RedisPod.Deletion.KILL, Duration.ofSeconds(1));
            case CONTAINER_RESTARTED_IN_PLACE, SENTINELS_CONTAINER_RESTARTED_IN_PLACE ->
                    master.restartContainer(Duration.ofMillis(500));
            case GRACEFUL_POD_DELETE -> master.replace(RedisPod.Deletion.GRACEFUL, Duration.ofSeconds(1));
            case MANUAL_FAILOVER_BY_REPLICAOF -> manualFailover(master, redis.pod(1), redis.pod(2));
            case SENTINEL_FAILOVER_AFTER_MASTER_DEATH -> master.stopContainer();
        }
    }

    /** What a careful operator does: no acknowledged write may be lost, so writes pause while the replica catches up. */
    private static void manualFailover(RedisPod master, RedisPod replica, RedisPod other) {
        master.command("CLIENT", "PAUSE", "10000", "WRITE");
        long target = Long.parseLong(master.info("replication").get("master_repl_offset"));
        await().atMost(Duration.ofSeconds(10)).until(
                () -> Long.parseLong(replica.info("replication").get("slave_repl_offset")) >= target);
        replica.promote();
        master.replicaOf(replica);
        other.replicaOf(replica);
        master.command("CLIENT", "UNPAUSE");
    }
}
