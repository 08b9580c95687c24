package io.github.mooring.healer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.github.mooring.exceptions.DataAtRiskException;
import io.github.mooring.testkit.RedisPod;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;
import io.github.mooring.topology.DataAtRisk;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The {@code onDataAtRisk} policy with real pods: the master pod is replaced without persistence while another client
 * holds the healer's Lease and never repairs (a stalled leader), so the empty master stays withheld and no repair
 * comes. Writes then fail at once with a {@link DataAtRiskException} that says what to do, and go out again once an
 * operator promotes the replica holding the data; or, under {@link DataAtRiskPolicy#WRITE_TO_NEW_MASTER}, go to the
 * empty master, over which the healer, once it leads, never promotes the replica.
 */
@ExtendWith(SimulatedNamespaceExtension.class)
class DataAtRiskPolicyIT {

    private static final Duration LONG = Duration.ofSeconds(45);
    private static final Duration BOUND = Duration.ofSeconds(2);

    @Test
    void failWritesFailsAtOnceNamingTheFixAndWritesResumeOnceTheHolderIsPromoted(SimulatedNamespace ns)
            throws Exception {
        RedisStatefulSet redis = ns.redis("redis").persistence(false).start();
        try (HealerFixture mooring = stalledLeader(ns, redis, DataAtRiskPolicy.FAIL_WRITES)) {
            StatefulRedisConnection<String, String> connection = mooring.client.connect();
            long acknowledged = writeThenReplaceTheMaster(mooring, redis, connection);
            // Issued while the master is withheld: it waits for the repair, then the policy fails it.
            RedisFuture<Long> waiting = connection.async().incr("orders");

            await().atMost(LONG)
                    .until(() -> !mooring.events(HealerEvent.DataAtRiskPolicyApplied.class)
                            .isEmpty());
            DataAtRisk risk = mooring.client.topology().dataAtRisk().orElseThrow();
            assertThat(mooring.isLeader()).isFalse();
            assertThatThrownBy(() -> waiting.get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause()
                    .isInstanceOf(DataAtRiskException.class);
            assertThatThrownBy(() -> connection.async().incr("orders").get(10, TimeUnit.SECONDS))
                    .cause()
                    .isInstanceOfSatisfying(DataAtRiskException.class, e -> {
                        assertThat(e.holder()).isEqualTo(risk.holder().displayName());
                        assertThat(e.getMessage())
                                .startsWith("INCR was not sent: data at risk")
                                .contains("does not lead the healer")
                                .contains("REPLICAOF NO ONE on " + risk.holder().displayName())
                                .contains("mooring.healer.on-data-at-risk");
                    });

            // The operator promotes the replica that holds the data; the others follow it.
            RedisPod holder = redis.pods().stream()
                    .filter(p -> p.address().equals(risk.holder().address()))
                    .findFirst()
                    .orElseThrow();
            holder.command("REPLICAOF", "NO", "ONE");
            for (RedisPod other : redis.pods()) {
                if (other != holder) {
                    other.command("REPLICAOF", holder.ip(), String.valueOf(holder.port()));
                }
            }
            long counter = await().atMost(LONG)
                    .ignoreExceptions()
                    .until(() -> connection.async().incr("orders").get(5, TimeUnit.SECONDS), n -> n > 0);
            assertThat(counter)
                    .as("the writes acknowledged before the pod was replaced are all there, the refused ones are not")
                    .isEqualTo(acknowledged + 1);
        }
    }

    @Test
    void writeToNewMasterLetsWritesThroughAndTheHealerNeverPromotesOverThem(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").persistence(false).start();
        try (HealerFixture mooring = stalledLeader(ns, redis, DataAtRiskPolicy.WRITE_TO_NEW_MASTER)) {
            StatefulRedisConnection<String, String> connection = mooring.client.connect();
            writeThenReplaceTheMaster(mooring, redis, connection);
            // Waits for the repair, then goes to the empty master when the bound passes.
            assertThat(connection.sync().incr("orders")).isEqualTo(1);
            assertThat(mooring.events(HealerEvent.DataAtRiskPolicyApplied.class))
                    .singleElement()
                    .satisfies(e -> assertThat(e.policy()).isEqualTo(DataAtRiskPolicy.WRITE_TO_NEW_MASTER));

            // The stalled leader goes away: this client leads now, and must not promote over the new writes.
            mooring.kubernetes
                    .leases()
                    .inNamespace(ns.name())
                    .withName("mooring-healer-redis")
                    .delete();
            await().atMost(LONG).until(mooring::isLeader);
            await().atMost(LONG)
                    .until(() -> mooring.events(HealerEvent.FindingReported.class).stream()
                            .anyMatch(e -> e.finding() instanceof Finding.WritesLetThroughFinding));
            await().during(Duration.ofSeconds(3))
                    .atMost(Duration.ofSeconds(5))
                    .until(() -> mooring.events(HealerEvent.ActionTaken.class).isEmpty());
            assertThat(redis.pod(0).info("replication").get("role")).isEqualTo("master");
            assertThat(connection.sync().incr("orders")).isEqualTo(2);
        }
    }

    /**
     * This client in repair mode under {@code policy}, while another client holds the healer's Lease. A write that
     * merely waited would fail only after a minute (the failover wait): what fails sooner was refused.
     */
    private static HealerFixture stalledLeader(SimulatedNamespace ns, RedisStatefulSet redis, DataAtRiskPolicy policy) {
        stalledLeaderHoldsTheLease(ns, redis.name());
        return new HealerFixture(
                ns,
                redis,
                HealerMode.REPAIR,
                "app",
                options -> options.failoverWait(Duration.ofSeconds(60)),
                healer -> healer.onDataAtRisk(policy, BOUND));
    }

    /** 200 acknowledged INCRs, on every replica, then the master pod replaced without persistence: it is withheld. */
    private static long writeThenReplaceTheMaster(
            HealerFixture mooring, RedisStatefulSet redis, StatefulRedisConnection<String, String> connection) {
        long acknowledged = 0;
        for (int i = 0; i < 200; i++) {
            connection.sync().incr("orders");
            acknowledged++;
        }
        redis.awaitReplicationLinked(LONG);
        redis.pod(0).replace(RedisPod.Deletion.KILL, Duration.ofMillis(500));
        await().atMost(LONG).until(() -> mooring.client.topology().masterWithheld());
        return acknowledged;
    }

    /** Another client holds the healer's Lease, renewed just now for an hour, and never repairs. */
    private static void stalledLeaderHoldsTheLease(SimulatedNamespace ns, String service) {
        ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
        try (var kubernetes = ns.api().newClient()) {
            kubernetes
                    .leases()
                    .inNamespace(ns.name())
                    .resource(new LeaseBuilder()
                            .withMetadata(new ObjectMetaBuilder()
                                    .withName("mooring-healer-" + service)
                                    .withNamespace(ns.name())
                                    .build())
                            .withNewSpec()
                            .withHolderIdentity("stalled-leader")
                            .withRenewTime(now)
                            .withLeaseDurationSeconds(3600)
                            .endSpec()
                            .build())
                    .create();
        }
    }
}
