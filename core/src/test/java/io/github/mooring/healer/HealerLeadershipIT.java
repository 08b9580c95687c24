package io.github.mooring.healer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.mooring.testkit.RedisPod;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.Sentinels;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Among all application pods using Mooring for one Service, exactly one repairs, and never behind Sentinel's back. */
@ExtendWith(SimulatedNamespaceExtension.class)
class HealerLeadershipIT {

    private static final Duration LONG = Duration.ofSeconds(45);

    @Test
    void exactlyOneOfThreeClientsRepairsAndAnotherTakesOverWhenItGoes(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").start();
        List<HealerFixture> clients = new ArrayList<>();
        try {
            for (String name : List.of("app-a", "app-b", "app-c")) {
                clients.add(new HealerFixture(ns, redis, HealerMode.REPAIR, name));
            }
            await().atMost(LONG)
                    .until(() ->
                            clients.stream().filter(HealerFixture::isLeader).count() == 1);
            HealerFixture leader =
                    clients.stream().filter(HealerFixture::isLeader).findFirst().orElseThrow();

            redis.pod(2).command("REPLICAOF", "127.0.0.1", "1");
            await().atMost(LONG).until(() -> HealerFixture.healthy(redis));
            // Every client saw the stale replica; only the leader sent a command, once.
            assertThat(clients)
                    .allSatisfy(c -> await().atMost(LONG)
                            .until(() ->
                                    !c.events(HealerEvent.FindingReported.class).isEmpty()));
            assertThat(actions(clients)).hasSize(1);
            assertThat(leader.events(HealerEvent.ActionTaken.class)).hasSize(1);

            // The leader's application stops and hands its Lease back (no holder): another takes it at its next
            // attempt (retry period 300 ms), not when the lease runs out (3 s).
            long closedAt = System.nanoTime();
            leader.close();
            clients.remove(leader);
            await().atMost(LONG).until(() -> clients.stream().anyMatch(HealerFixture::isLeader));
            long takeoverMillis = (System.nanoTime() - closedAt) / 1_000_000;
            System.out.println("new healer leader after " + takeoverMillis + " ms");
            assertThat(takeoverMillis).isLessThan(Duration.ofSeconds(3).toMillis());
            assertThat(clients.stream().filter(HealerFixture::isLeader).count()).isEqualTo(1);

            redis.pod(1).command("REPLICAOF", "127.0.0.1", "2");
            await().atMost(LONG).until(() -> HealerFixture.healthy(redis));
            await().during(Duration.ofSeconds(2))
                    .atMost(LONG)
                    .until(() -> actions(clients).size() == 1);
            // No action was ever taken twice: each (pod, command) once across every client.
            List<String> all = Stream.concat(
                            leader.events(HealerEvent.ActionTaken.class).stream(), actions(clients).stream())
                    .map(a -> a.action().toString())
                    .toList();
            assertThat(all).doesNotHaveDuplicates().hasSize(2);
        } finally {
            clients.forEach(HealerFixture::close);
        }
    }

    @Test
    void withoutLeasePermissionRepairDegradesToReport(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").start();
        ns.api().forbid("leases.coordination.k8s.io", "get", "create", "update");
        try (HealerFixture mooring = new HealerFixture(ns, redis, HealerMode.REPAIR, "app")) {
            assertThat(mooring.client.healer().orElseThrow().mode()).isEqualTo(HealerMode.REPORT);
            redis.pod(2).command("REPLICAOF", "127.0.0.1", "1");
            await().atMost(LONG)
                    .until(() ->
                            !mooring.events(HealerEvent.FindingReported.class).isEmpty());
            await().during(Duration.ofSeconds(2))
                    .atMost(LONG)
                    .until(() ->
                            "127.0.0.1".equals(redis.pod(2).info("replication").get("master_host")));
            assertThat(mooring.events(HealerEvent.ActionTaken.class)).isEmpty();
        }
    }

    /**
     * RBAC lets the client read the Lease but not create it: the healer says so once, naming the rule to grant, and
     * reports from then on, so that a master that came back empty is not withheld from writers for a repair that
     * will never come. Before: the healer retried every retry period, never led, and writes timed out for good.
     */
    @Test
    void leaseReadableButNotCreatableSaysSoOnceAndDoesNotHoldWriters(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").persistence(false).start();
        ns.api().forbid("leases.coordination.k8s.io", "create");
        try (HealerFixture mooring = new HealerFixture(ns, redis, HealerMode.REPAIR, "app")) {
            await().atMost(LONG)
                    .until(() ->
                            !mooring.events(HealerEvent.RepairUnavailable.class).isEmpty());
            assertThat(mooring.events(HealerEvent.RepairUnavailable.class))
                    .singleElement()
                    .satisfies(e -> assertThat(e.why())
                            .contains("`create` on `leases` in group `coordination.k8s.io`")
                            .contains("HTTP 403"));
            assertThat(mooring.client.healer().orElseThrow().mode()).isEqualTo(HealerMode.REPORT);

            var sync = mooring.client.connect().sync();
            sync.set("k", "v");
            await().atMost(LONG)
                    .until(() -> redis.pod(1).dbSize() == 1 && redis.pod(2).dbSize() == 1);
            redis.pod(0).replace(RedisPod.Deletion.KILL, Duration.ofMillis(500));
            redis.pod(0).awaitReady(LONG);
            long ready = System.nanoTime();
            await().atMost(LONG)
                    .until(() -> mooring.client.topology().dataAtRisk().isPresent());
            // Report mode's bound: the next probe round after the new pod answers (250 ms here), plus a write.
            await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> "OK".equals(sync.set("after", "v")));
            System.out.printf(
                    "writes recovered %d ms after the new pod was ready%n", (System.nanoTime() - ready) / 1_000_000);
            assertThat(mooring.client.topology().masterWithheld()).isFalse();
            assertThat(mooring.events(HealerEvent.RepairUnavailable.class)).hasSize(1);
            assertThat(mooring.events(HealerEvent.ActionTaken.class)).isEmpty();
        }
    }

    /** Sentinel promoted a replica while the recreated redis-0 came up as a second master: Sentinel's call, not ours. */
    @Test
    void nothingIsRepairedBehindSentinelsBack(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").start();
        Sentinels sentinels = ns.sentinels(redis)
                .downAfter(Duration.ofSeconds(1))
                .failoverTimeout(Duration.ofSeconds(5))
                .start();
        try (HealerFixture mooring = new HealerFixture(ns, redis, HealerMode.REPAIR, "app")) {
            await().atMost(LONG).until(mooring::isLeader);
            String oldIp = redis.pod(0).ip();
            redis.pod(0).replace(RedisPod.Deletion.KILL, Duration.ofSeconds(3));
            await().atMost(LONG)
                    .until(() -> sentinels
                            .masterAddress()
                            .map(a -> !a.startsWith(oldIp + ":"))
                            .orElse(false));
            redis.pod(0).awaitReady(LONG);
            await().atMost(LONG)
                    .until(() ->
                            !mooring.events(HealerEvent.RepairUnavailable.class).isEmpty());
            assertThat(mooring.events(HealerEvent.RepairUnavailable.class)
                            .get(0)
                            .why())
                    .contains("Sentinels");
            await().during(Duration.ofSeconds(3))
                    .atMost(LONG)
                    .until(() -> mooring.events(HealerEvent.ActionTaken.class).isEmpty());
        }
    }

    private static List<HealerEvent.ActionTaken> actions(List<HealerFixture> clients) {
        return clients.stream()
                .flatMap(c -> c.events(HealerEvent.ActionTaken.class).stream())
                .toList();
    }
}
