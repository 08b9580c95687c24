package io.github.mooring.healer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.mooring.probe.ProbeResult;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;
import io.lettuce.core.KillArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * With real pods, the two situations where a healer that trusts key counts, or what this client alone can see, would
 * promote a replica over the master that has the data (see {@link DiagnosisTest} for the rules).
 */
@ExtendWith(SimulatedNamespaceExtension.class)
class HealerSafetyIT {

    private static final Duration LONG = Duration.ofSeconds(45);

    /** How long the healer is watched doing nothing: several times its stable-for (500 ms) plus a probe interval. */
    private static final Duration WATCHED = Duration.ofSeconds(4);

    /**
     * This client cannot reach the master (here: the master refuses its user, as a NetworkPolicy or a partition
     * would), its replicas can (their links stay up), and an empty master appears. The replica's data is safe with
     * its master: nothing is promoted, nobody is re-pointed.
     */
    @Test
    void replicaLinkedToAMasterThisClientCannotReachIsNeverPromoted(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").start();
        try (HealerFixture mooring = new HealerFixture(ns, redis, HealerMode.REPAIR, "only")) {
            await().atMost(LONG).until(mooring::isLeader);
            RedisCommands<String, String> writer = mooring.client.connect().sync();
            for (int i = 0; i < 100; i++) {
                writer.set("k" + i, "v");
            }
            await().atMost(LONG).until(() -> redis.pod(1).dbSize() == 100);
            // The replica authenticates as its own user; then the master refuses the default one, which this client
            // uses: the client's probes of redis-0 fail while redis-1 stays linked.
            assertThat(redis.pod(0).command("ACL", "SETUSER", "replication", "on", ">s3cret", "+@all", "~*"))
                    .isEqualTo("OK");
            redis.pod(1).command("CONFIG", "SET", "masteruser", "replication");
            redis.pod(1).command("CONFIG", "SET", "masterauth", "s3cret");
            redis.pod(0).command("ACL", "SETUSER", "default", "off");
            // A user turned off keeps its open connections: close them, as a partition would.
            try (RedisClient admin = RedisClient.create(RedisURI.builder()
                            .withHost(redis.pod(0).ip())
                            .withPort(redis.pod(0).port())
                            .withAuthentication("replication", "s3cret")
                            .build());
                    var connection = admin.connect()) {
                connection.sync().clientKill(KillArgs.Builder.user("default"));
            }
            // An empty master appears.
            redis.pod(2).promote();
            redis.pod(2).command("FLUSHALL");
            await().atMost(LONG)
                    .until(() -> mooring.client.topology().reports().stream()
                            .anyMatch(r ->
                                    r.endpoint().address().equals(redis.pod(0).address()) && !r.reachable()));
            await().atMost(LONG)
                    .until(() -> mooring.client
                            .topology()
                            .election()
                            .master()
                            .map(m -> m.address().equals(redis.pod(2).address()))
                            .orElse(false));

            await().during(WATCHED)
                    .atMost(WATCHED.multipliedBy(3))
                    .failFast(
                            "the healer sent a command",
                            () -> !mooring.events(HealerEvent.ActionTaken.class).isEmpty())
                    .until(() -> true);
            var link = redis.pod(1).info("replication");
            assertThat(link.get("role")).isEqualTo("slave");
            assertThat(link.get("master_host")).isEqualTo(redis.pod(0).ip());
            assertThat(link.get("master_link_status")).isEqualTo("up");
            assertThat(redis.pod(1).dbSize()).isEqualTo(100);
            assertThat(mooring.client.topology().dataAtRisk()).isEmpty();
            assertThat(mooring.client.topology().reports())
                    .filteredOn(r -> r.endpoint().address().equals(redis.pod(0).address()))
                    .extracting(ProbeResult::failure)
                    .singleElement()
                    .asString()
                    .contains("authentication refused");
        }
    }

    /**
     * {@code FLUSHDB} on the master while a replica's link is down: the replica holds 100 keys, the master none, but
     * the master's history includes the replica's and goes beyond (the flush). No promotion; writers keep the master;
     * once its link is back the replica follows the flush.
     */
    @Test
    void flushOnTheMasterNeverPromotesALaggingReplica(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").start();
        try (HealerFixture mooring = new HealerFixture(
                ns, redis, HealerMode.REPAIR, "only", options -> options.staleReplicaAfter(Duration.ofSeconds(1)))) {
            await().atMost(LONG).until(mooring::isLeader);
            RedisCommands<String, String> writer = mooring.client.connect().sync();
            for (int i = 0; i < 100; i++) {
                writer.set("k" + i, "v");
            }
            await().atMost(LONG).until(() -> redis.pod(1).dbSize() == 100);
            // redis-1 can no longer authenticate to its master: its link goes down and stays down.
            redis.pod(1).command("CONFIG", "SET", "masteruser", "nobody");
            redis.pod(1).command("CONFIG", "SET", "masterauth", "wrong");
            redis.pod(0).command("CLIENT", "KILL", "TYPE", "replica");
            await().atMost(LONG)
                    .until(() -> "down".equals(redis.pod(1).info("replication").get("master_link_status")));
            assertThat(redis.pod(0).command("FLUSHDB")).isEqualTo("OK");
            writer.set("after-flush", "v");
            // The replica's link has been down longer than the stale threshold: the healer sees a stale replica
            // with 100 keys and a master with 1.
            await().atMost(LONG)
                    .until(() -> mooring.client.topology().staleReplicas().stream()
                            .anyMatch(s ->
                                    s.replica().address().equals(redis.pod(1).address())));

            await().during(WATCHED)
                    .atMost(WATCHED.multipliedBy(3))
                    .failFast(
                            "the healer sent a command",
                            () -> !mooring.events(HealerEvent.ActionTaken.class).isEmpty())
                    .until(() -> true);
            assertThat(mooring.client.topology().dataAtRisk()).isEmpty();
            assertThat(mooring.client.topology().master().orElseThrow().address())
                    .isEqualTo(redis.pod(0).address());
            assertThat(redis.pod(1).dbSize()).isEqualTo(100);

            redis.pod(1).command("CONFIG", "SET", "masteruser", "");
            redis.pod(1).command("CONFIG", "SET", "masterauth", "");
            await().atMost(LONG).until(() -> HealerFixture.healthy(redis));
            await().atMost(LONG).until(() -> redis.pod(1).dbSize() == 1);
            assertThat(writer.get("after-flush")).isEqualTo("v");
        }
    }
}
