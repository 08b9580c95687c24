package io.github.mooring.healer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.mooring.exceptions.CommandFateUnknownException;
import io.github.mooring.testkit.RedisPod;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.Sentinels;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The healer repairs, with real pods, what the testkit's reproductions show Kubernetes breaking. */
@ExtendWith(SimulatedNamespaceExtension.class)
class HealerRepairIT {

    private static final Duration LONG = Duration.ofSeconds(45);

    /**
     * The seed's worst failure: the master pod is replaced without persistence and comes back empty, while its
     * replicas hold the data and follow the dead IP. With repair on, writes wait instead of landing on the empty
     * master, the replica with the data is promoted, and no acknowledged write is lost.
     */
    @Test
    void masterReplacedWithoutPersistenceLosesNoAcknowledgedWrite(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").persistence(false).start();
        try (HealerFixture mooring = new HealerFixture(ns, redis, HealerMode.REPAIR, "only")) {
            await().atMost(LONG).until(mooring::isLeader);
            StatefulRedisConnection<String, String> connection = mooring.client.connect();
            AtomicLong acknowledged = new AtomicLong();
            AtomicLong fateUnknown = new AtomicLong();
            AtomicLong lastAckNanos = new AtomicLong(System.nanoTime());
            AtomicLong longestGap = new AtomicLong();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            AtomicBoolean writing = new AtomicBoolean(true);
            // Stopped by a flag, not an interrupt: the last INCR completes and is counted.
            Thread writer = new Thread(
                    () -> {
                        while (writing.get() && failure.get() == null) {
                            try {
                                RedisFuture<Long> incr = connection.async().incr("orders");
                                incr.get();
                                long now = System.nanoTime();
                                longestGap.accumulateAndGet(now - lastAckNanos.getAndSet(now), Math::max);
                                acknowledged.incrementAndGet();
                            } catch (InterruptedException e) {
                                return;
                            } catch (ExecutionException e) {
                                if (e.getCause() instanceof CommandFateUnknownException) {
                                    fateUnknown.incrementAndGet(); // the INCR in flight when the master was killed
                                } else {
                                    failure.set(e);
                                }
                            } catch (Exception e) {
                                failure.set(e);
                            }
                        }
                    },
                    "writer");
            writer.start();
            try {
                await().atMost(LONG).until(() -> acknowledged.get() >= 500);
                redis.pod(0).replace(RedisPod.Deletion.KILL, Duration.ofSeconds(1));
                redis.pod(0).awaitReady(LONG);
                long afterReplacement = acknowledged.get();
                await().atMost(LONG).until(() -> acknowledged.get() >= afterReplacement + 500 || failure.get() != null);
            } finally {
                writing.set(false);
            }
            await().atMost(LONG).until(() -> !writer.isAlive());
            assertThat(failure.get()).as("the writer saw an error").isNull();
            await().atMost(LONG).until(() -> HealerFixture.healthy(redis));
            long counter = Long.parseLong(connection.sync().get("orders"));
            System.out.printf(
                    "no persistence: acknowledged=%d counter=%d longest write gap=%d ms, healer did %s%n",
                    acknowledged.get(),
                    counter,
                    longestGap.get() / 1_000_000,
                    mooring.events(HealerEvent.ActionTaken.class).stream()
                            .map(a -> a.action().toString())
                            .toList());
            // None applied twice. None acknowledged lost, but for one case Redis itself allows: within one event
            // loop pass a master writes a client's reply before the replication stream that carries the command, so
            // a kill -9 between those two writes loses that one acknowledged INCR (the writer has one in flight).
            assertThat(counter)
                    .as("acknowledged INCRs kept, none applied twice")
                    .isBetween(acknowledged.get() - 1, acknowledged.get() + fateUnknown.get());
            assertThat(redis.master().orElseThrow().name()).isNotEqualTo("redis-0"); // the data holder was promoted
        }
    }

    /**
     * One application pod, told so ({@code repairWithoutLease}): it repairs the empty master without any Lease (none
     * is created), and no acknowledged write is lost.
     */
    @Test
    void aSoleClientRepairsWithoutALease(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").persistence(false).start();
        try (HealerFixture mooring = new HealerFixture(
                ns,
                redis,
                HealerMode.REPAIR,
                "alone",
                options -> options,
                HealerSettings.Builder::repairWithoutLease)) {
            await().atMost(LONG).until(mooring::isLeader);
            StatefulRedisConnection<String, String> connection = mooring.client.connect();
            for (int i = 0; i < 200; i++) {
                connection.sync().incr("orders");
            }
            redis.awaitReplicationLinked(LONG);

            redis.pod(0).replace(RedisPod.Deletion.KILL, Duration.ofMillis(500));

            assertThat(connection.sync().incr("orders"))
                    .as("the write waited for the repair")
                    .isEqualTo(201);
            await().atMost(LONG).until(() -> HealerFixture.healthy(redis));
            assertThat(mooring.events(HealerEvent.ActionTaken.class))
                    .anySatisfy(a -> assertThat(a.action().kind()).isEqualTo(RepairAction.Kind.PROMOTE));
            assertThat(mooring.kubernetes.leases().inNamespace(ns.name()).list().getItems())
                    .isEmpty();
        }
    }

    /**
     * Sentinels manage the group and the master pod is replaced without persistence: the recreated pod comes up as an
     * empty master Sentinel does not know, and Sentinel promotes a replica a moment later. With the healer in its
     * default report mode, writes wait for that promotion instead of going to the empty pod, where Sentinel's
     * failover would throw them away.
     */
    @Test
    void sentinelManagedGroupKeepsWritesOffAMasterThatCameBackEmpty(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").persistence(false).start();
        Sentinels sentinels = ns.sentinels(redis)
                .downAfter(Duration.ofSeconds(2))
                .failoverTimeout(Duration.ofSeconds(5))
                .start();
        try (HealerFixture mooring = new HealerFixture(ns, redis, HealerMode.REPORT, "only")) {
            StatefulRedisConnection<String, String> connection = mooring.client.connect();
            AtomicLong acknowledged = new AtomicLong();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            AtomicLong fateUnknown = new AtomicLong();
            AtomicBoolean writing = new AtomicBoolean(true);
            // Stopped by a flag, not an interrupt: the last INCR completes and is counted.
            Thread writer = new Thread(
                    () -> {
                        while (writing.get() && failure.get() == null) {
                            try {
                                connection.async().incr("orders").get();
                                acknowledged.incrementAndGet();
                            } catch (InterruptedException e) {
                                return;
                            } catch (ExecutionException e) {
                                if (e.getCause() instanceof CommandFateUnknownException) {
                                    fateUnknown.incrementAndGet();
                                } else {
                                    failure.set(e);
                                }
                            }
                        }
                    },
                    "writer");
            writer.start();
            try {
                await().atMost(LONG).until(() -> acknowledged.get() >= 500);
                // A replica's sync ends before its master streams writes to it (from its first REPLCONF ACK, up to a
                // second later): a kill before the replicas hold the key loses every write since their sync, a loss
                // of Redis's own replication, not the one this test is about.
                await().atMost(LONG)
                        .until(() -> redis.pod(1).info("keyspace").containsKey("db0")
                                && redis.pod(2).info("keyspace").containsKey("db0"));
                String oldIp = redis.pod(0).ip();
                redis.pod(0).replace(RedisPod.Deletion.KILL, Duration.ofMillis(500));
                await().atMost(LONG)
                        .until(() -> sentinels
                                .masterAddress()
                                .map(a -> !a.startsWith(oldIp + ":"))
                                .orElse(false));
                long promoted = acknowledged.get();
                await().atMost(LONG).until(() -> acknowledged.get() >= promoted + 500 || failure.get() != null);
            } finally {
                writing.set(false);
            }
            await().atMost(LONG).until(() -> !writer.isAlive());
            assertThat(failure.get()).as("the writer saw an error").isNull();
            String sentinelMaster = sentinels.masterAddress().orElseThrow();
            long counter = Long.parseLong(connection.sync().get("orders"));
            System.out.printf(
                    "sentinels: acknowledged=%d counter=%d, master %s%n", acknowledged.get(), counter, sentinelMaster);
            assertThat(mooring.client.topology().master().orElseThrow().address())
                    .isEqualTo(sentinelMaster);
            assertThat(counter)
                    .as("writes waited for Sentinel's promotion; none went to the empty pod")
                    .isBetween(acknowledged.get() - 1, acknowledged.get() + fateUnknown.get());
            assertThat(mooring.events(HealerEvent.ActionTaken.class)).isEmpty();
        }
    }

    /** With persistence the new master has the data; only the orphaned replicas need to follow its new IP. */
    @Test
    void orphanedReplicasFollowTheReplacedMasterSoonAfterItIsReady(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").persistence(true).start();
        try (HealerFixture mooring = new HealerFixture(ns, redis, HealerMode.REPAIR, "only")) {
            await().atMost(LONG).until(mooring::isLeader);
            mooring.client.connect().sync().set("k", "v");
            redis.pod(0).replace(RedisPod.Deletion.KILL, Duration.ofSeconds(1));
            redis.pod(0).awaitReady(LONG);
            long ready = redis.pod(0).runningSinceNanos();
            await().atMost(LONG).pollInterval(Duration.ofMillis(10)).until(() -> HealerFixture.healthy(redis));
            long linkedMillis = (System.nanoTime() - ready) / 1_000_000;
            System.out.printf("persistence: replicas linked %d ms after the new master was ready%n", linkedMillis);
            assertThat(redis.master().orElseThrow().name()).isEqualTo("redis-0");
            // One second is the target (healer stable-for 500 ms); the bound here holds on a loaded machine.
            assertThat(linkedMillis).isLessThan(10_000);
            assertThat(mooring.events(HealerEvent.ActionTaken.class))
                    .extracting(a -> a.action().kind())
                    .containsOnly(RepairAction.Kind.FOLLOW)
                    .hasSize(2);
        }
    }

    @Test
    void splitBrainLoserIsDemotedAndItsReplicasRepointed(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").start();
        try (HealerFixture mooring = new HealerFixture(ns, redis, HealerMode.REPAIR, "only")) {
            await().atMost(LONG).until(mooring::isLeader);
            redis.pod(2).promote(); // redis-0 stays master: two masters, redis-2 is the newer (succession)
            await().atMost(LONG).until(() -> HealerFixture.healthy(redis));
            assertThat(redis.master().orElseThrow().name()).isEqualTo("redis-2");
            assertThat(mooring.events(HealerEvent.FindingReported.class))
                    .anySatisfy(f -> assertThat(f.finding()).isInstanceOf(Finding.SplitBrainFinding.class));
            // One repair: the loser follows the winner, and so does the replica that followed the loser.
            assertThat(mooring.events(HealerEvent.ActionTaken.class)).hasSize(2);
        }
    }

    @Test
    void replicaFollowingAnUnknownAddressIsRepointed(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").start();
        try (HealerFixture mooring = new HealerFixture(ns, redis, HealerMode.REPAIR, "only")) {
            await().atMost(LONG).until(mooring::isLeader);
            redis.pod(2).command("REPLICAOF", "127.0.0.1", "1"); // a dead address, as after a replacement
            await().atMost(LONG).until(() -> HealerFixture.healthy(redis));
            assertThat(mooring.events(HealerEvent.ActionTaken.class))
                    .singleElement()
                    .satisfies(a -> assertThat(a.action().toString())
                            .isEqualTo("REPLICAOF " + redis.pod(0).ip() + " 6379 on "
                                    + a.action().target().displayName()));
        }
    }

    /** The default mode: it says exactly what is wrong and which commands would fix it, and changes nothing. */
    @Test
    void reportModeExplainsAndChangesNothing(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").persistence(false).start();
        try (HealerFixture mooring = new HealerFixture(ns, redis, HealerMode.REPORT, "only")) {
            mooring.client.connect().sync().set("k", "v");
            redis.awaitReplicationLinked(LONG);
            // The replicas must hold the key before the kill: that is what puts data at risk.
            await().atMost(LONG)
                    .until(() -> redis.pod(1).info("keyspace").containsKey("db0")
                            && redis.pod(2).info("keyspace").containsKey("db0"));
            String oldIp = redis.pod(0).ip();
            redis.pod(0).replace(RedisPod.Deletion.KILL, Duration.ofMillis(500));
            redis.pod(0).awaitReady(LONG);

            // Before the new pod answers, the replicas already count as stale (a finding of its own): wait for the
            // finding that matters here.
            await().atMost(LONG)
                    .until(() -> mooring.events(HealerEvent.FindingReported.class).stream()
                            .anyMatch(r -> r.finding() instanceof Finding.DataAtRiskFinding));
            var report = mooring.events(HealerEvent.FindingReported.class).stream()
                    .filter(r -> r.finding() instanceof Finding.DataAtRiskFinding)
                    .findFirst()
                    .orElseThrow();
            assertThat(report.mode()).isEqualTo(HealerMode.REPORT);
            assertThat(report.finding()).isInstanceOf(Finding.DataAtRiskFinding.class);
            assertThat(report.finding().fix())
                    .extracting(RepairAction::toString)
                    .first()
                    .asString()
                    .startsWith("REPLICAOF NO ONE on redis-");
            // Nothing was touched: the replicas still follow the dead IP, and the topology names the risk.
            await().during(Duration.ofSeconds(3))
                    .atMost(Duration.ofSeconds(10))
                    .failFast(
                            "a replica was re-pointed",
                            () -> !oldIp.equals(redis.pod(1).info("replication").get("master_host"))
                                    || !oldIp.equals(
                                            redis.pod(2).info("replication").get("master_host")))
                    .until(() -> true);
            assertThat(mooring.events(HealerEvent.ActionTaken.class)).isEmpty();
            assertThat(mooring.client.topology().dataAtRisk()).isPresent();
            // Report mode does not hold writes back: the empty master is still the one clients write to.
            assertThat(mooring.client.topology().hasMaster()).isTrue();
        }
    }
}
