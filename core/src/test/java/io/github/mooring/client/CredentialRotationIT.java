package io.github.mooring.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import io.github.mooring.exceptions.CredentialsRejectedException;
import io.github.mooring.testkit.Credentials;
import io.github.mooring.testkit.RedisPod;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;
import io.github.mooring.testkit.WriteCheck;
import io.github.mooring.topology.Node;
import io.github.mooring.topology.TopologyEvent;
import io.lettuce.core.RedisURI;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The password of the application's ACL user changes on the pods. The testkit itself works as another ACL user
 * ({@code admin}), so that it can change {@code app}'s passwords and read the final master whatever {@code app} may do.
 * Connections have to authenticate again when the pods cut them ({@code CLIENT KILL USER app}: what a restart of the
 * master does to every connection, without the restart putting the configured password back).
 */
@ExtendWith(SimulatedNamespaceExtension.class)
class CredentialRotationIT {

    private static final String OLD = "old-secret-5c1e";
    private static final String NEW = "new-secret-9d2f";
    private static final Duration FAILOVER_WAIT = Duration.ofSeconds(20);
    private static final Duration SETTLE = Duration.ofSeconds(60);

    private static RedisStatefulSet redisWithAppUser(SimulatedNamespace ns) {
        return ns.redis("redis")
                .credentials(Credentials.aclUser("admin", "admin-secret-77aa"))
                .config("user app on >" + OLD + " ~* &* +@all")
                .start()
                .awaitReplicationLinked(SETTLE);
    }

    /**
     * What was seen: the password changed on the pods while the application kept the old one. Authenticated
     * connections went on working; once they had to authenticate again, every write waited the whole failover wait
     * and failed as "no master". Now writes fail at once, saying who refused which user; once the pods accept the
     * application's password again, writes resume, and nothing acknowledged was lost.
     */
    @Test
    void writesThatCannotAuthenticateFailAtOnceAndSayWhy(SimulatedNamespace ns) {
        RedisStatefulSet redis = redisWithAppUser(ns);
        RedisURI uri = RedisURI.builder()
                .withHost("redis")
                .withAuthentication("app", OLD)
                .build();
        try (MooringFixture mooring =
                        new MooringFixture(ns, redis, b -> b.redisUri(uri).failoverWait(FAILOVER_WAIT));
                SyncLedgerWriter sync = new SyncLedgerWriter("sync", mooring.client.connect(), 200);
                PipelinedLedgerWriter pipelined = PipelinedLedgerWriter.bursts("bursts", mooring.client.connect())) {
            List<LedgerWriter> writers = List.of(sync, pipelined);
            awaitAcknowledged(writers, 200);

            long changed = System.nanoTime();
            for (RedisPod pod : redis.pods()) {
                assertThat(pod.command("ACL", "SETUSER", "app", "resetpass", ">" + NEW))
                        .isEqualTo("OK");
                pod.command("CLIENT", "KILL", "USER", "app");
            }
            await().atMost(SETTLE).until(() -> writers.stream().allMatch(w -> !w.otherFailures.isEmpty()));
            Duration firstFailure = Duration.ofNanos(System.nanoTime() - changed);
            System.out.printf(
                    "first failures %d ms after the password changed: sync %s, bursts %s; samples %s%n",
                    firstFailure.toMillis(), sync.otherFailures, pipelined.otherFailures, sync.failureSamples);
            for (LedgerWriter writer : writers) {
                assertThat(writer.otherFailures)
                        .as("samples %s", writer.failureSamples)
                        .containsOnlyKeys(CredentialsRejectedException.class.getSimpleName());
            }
            assertThat(firstFailure).isLessThan(FAILOVER_WAIT.dividedBy(2));
            assertThat(sync.failureSamples.get(0))
                    .isInstanceOf(CredentialsRejectedException.class)
                    .hasMessageContaining("authentication was refused by redis-0")
                    .hasMessageContaining("for user 'app'")
                    .hasMessageContaining("WRONGPASS")
                    .hasMessageContaining("RedisCredentialsProvider");
            assertThat(mooring.events(TopologyEvent.CredentialsRejected.class))
                    .extracting(e -> e.pod().podName(), TopologyEvent.CredentialsRejected::user)
                    .contains(tuple("redis-0", "app"));
            assertThat(mooring.events(TopologyEvent.MasterChanged.class))
                    .as("the master stays where it is")
                    .hasSize(1);
            assertThat(mooring.events(TopologyEvent.NoMaster.class)).isEmpty();
            String told = everythingTold(mooring, writers);
            assertThat(told).doesNotContain(OLD).doesNotContain(NEW);

            for (RedisPod pod : redis.pods()) {
                pod.command("ACL", "SETUSER", "app", ">" + OLD);
            }
            awaitAcknowledged(writers, 400);
            finish(redis, mooring, writers);
        }
    }

    /** Every exception, event and topology the application was shown, as text (with stack traces). */
    private static String everythingTold(MooringFixture mooring, List<LedgerWriter> writers) {
        StringWriter text = new StringWriter();
        PrintWriter out = new PrintWriter(text);
        for (LedgerWriter writer : writers) {
            writer.failureSamples.forEach(failure -> failure.printStackTrace(out));
        }
        mooring.events.forEach(out::println);
        out.println(mooring.client.topology());
        mooring.client.topology().reports().forEach(out::println);
        out.flush();
        return text.toString();
    }

    private static void awaitAcknowledged(List<LedgerWriter> writers, long more) {
        for (LedgerWriter writer : writers) {
            long from = writer.acknowledged.get();
            await().atMost(SETTLE).until(() -> writer.acknowledged.get() >= from + more);
        }
    }

    /** Stops the writers, waits for every outcome, and checks each history on the master. */
    private static void finish(RedisStatefulSet redis, MooringFixture mooring, List<LedgerWriter> writers) {
        writers.forEach(LedgerWriter::stop);
        for (LedgerWriter writer : writers) {
            await().atMost(SETTLE).until(() -> writer.pending() == 0);
        }
        String master = mooring.client.topology().master().map(Node::address).orElseThrow();
        RedisPod finalMaster = redis.pods().stream()
                .filter(pod -> master.equals(pod.address()))
                .findFirst()
                .orElseThrow();
        for (LedgerWriter writer : writers) {
            WriteCheck check = writer.check(finalMaster);
            System.out.printf("%s%n  %s%n", writer, check);
            assertThat(check.holds()).as("%s", check).isTrue();
        }
    }
}
