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
import io.lettuce.core.RedisCredentialsProvider;
import io.lettuce.core.RedisURI;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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
        ByteArrayOutputStream logged = new ByteArrayOutputStream();
        PrintStream err = System.err;
        System.setErr(new PrintStream(new TeeOutputStream(err, logged), true));
        try {
            failAtOnceAndRecover(ns, redis);
        } finally {
            System.setErr(err);
        }
        assertThat(logged.toString(StandardCharsets.UTF_8))
                .as("log output")
                .contains("redis-0 (" + redis.pod(0).address() + ") refused the credentials of user app")
                .doesNotContain(OLD)
                .doesNotContain(NEW);
    }

    private static void failAtOnceAndRecover(SimulatedNamespace ns, RedisStatefulSet redis) {
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

            // The password changes; only Mooring's probes must authenticate again. The application's connections are
            // authenticated and work: the pods refusing the probe must not cut them (they used to, after two rounds).
            for (RedisPod pod : redis.pods()) {
                assertThat(pod.command("ACL", "SETUSER", "app", "resetpass", ">" + NEW))
                        .isEqualTo("OK");
                cutProbeConnections(pod);
            }
            await().atMost(SETTLE)
                    .until(() -> mooring.events(TopologyEvent.CredentialsRejected.class)
                                    .size()
                            == 3);
            awaitAcknowledged(writers, 800); // 4 s of the synchronous writer: 16 probe rounds
            for (LedgerWriter writer : writers) {
                assertThat(writer.otherFailures)
                        .as("samples %s", writer.failureSamples)
                        .isEmpty();
                assertThat(writer.fateUnknown.get()).isZero();
            }
            assertMasterStaysRedis0(mooring);

            // Now the connections have to authenticate again too (what a restart of the master does).
            long changed = System.nanoTime();
            for (RedisPod pod : redis.pods()) {
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
            assertMasterStaysRedis0(mooring);
            String told = everythingTold(mooring, writers);
            assertThat(told).doesNotContain(OLD).doesNotContain(NEW);

            for (RedisPod pod : redis.pods()) {
                pod.command("ACL", "SETUSER", "app", ">" + OLD);
            }
            awaitAcknowledged(writers, 400);
            finish(redis, mooring, writers);
        }
    }

    /**
     * The password changes and only the application's connections must authenticate again (a network blip cut them):
     * Mooring's probes, authenticated earlier on connections of their own, would not notice. The reconnect refused in
     * its handshake makes Mooring probe that pod on a new connection, and the writes fail at once all the same.
     */
    @Test
    void aReconnectRefusedForItsCredentialsFailsWritesAtOnceToo(SimulatedNamespace ns) {
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
                cutApplicationConnections(pod);
            }
            await().atMost(SETTLE).until(() -> writers.stream().allMatch(w -> !w.otherFailures.isEmpty()));
            Duration firstFailure = Duration.ofNanos(System.nanoTime() - changed);
            System.out.printf("first failures %d ms after the password changed%n", firstFailure.toMillis());
            for (LedgerWriter writer : writers) {
                assertThat(writer.otherFailures)
                        .as("samples %s", writer.failureSamples)
                        .containsOnlyKeys(CredentialsRejectedException.class.getSimpleName());
            }
            assertThat(firstFailure).isLessThan(FAILOVER_WAIT.dividedBy(2));

            for (RedisPod pod : redis.pods()) {
                pod.command("ACL", "SETUSER", "app", ">" + OLD);
            }
            awaitAcknowledged(writers, 400);
            finish(redis, mooring, writers);
        }
    }

    /** Closes every connection of user {@code app} to {@code pod} except Mooring's probe connections. */
    private static void cutApplicationConnections(RedisPod pod) {
        String clients = String.valueOf(pod.command("CLIENT", "LIST"));
        for (String line : clients.split("\\n")) {
            if (line.contains(" user=app ") && !line.contains(" name=mooring-probe ")) {
                String id = line.substring(line.indexOf("id=") + 3, line.indexOf(' '));
                pod.command("CLIENT", "KILL", "ID", id);
            }
        }
    }

    /**
     * Rotation without downtime: the pods accept the old and the new password for a moment ({@code ACL SETUSER app
     * >new}), the application's {@link RedisCredentialsProvider} switches to the new one, the old one is removed
     * ({@code <old}), Mooring's probe connections are cut (so they must authenticate again, with what the provider
     * gives now), and then the master is replaced (so every application connection authenticates again, on another
     * pod). Synchronous and pipelining writers see no failure at all, and nothing acknowledged is lost. With a
     * streaming provider too (Lettuce asks it for a stream of credentials instead of one at a time).
     */
    @ParameterizedTest(name = "streaming provider: {0}")
    @ValueSource(booleans = {false, true})
    void aProviderThatSwitchesFirstCostsNoWrite(boolean streaming, SimulatedNamespace ns) {
        RedisStatefulSet redis = redisWithAppUser(ns);
        RotatingCredentials provider = new RotatingCredentials("app", OLD, streaming);
        RedisURI uri = RedisURI.builder()
                .withHost("redis")
                .withAuthentication(provider)
                .build();
        ByteArrayOutputStream logged = new ByteArrayOutputStream();
        PrintStream err = System.err;
        System.setErr(new PrintStream(new TeeOutputStream(err, logged), true));
        try (MooringFixture mooring =
                        new MooringFixture(ns, redis, b -> b.redisUri(uri).failoverWait(FAILOVER_WAIT));
                SyncLedgerWriter sync = new SyncLedgerWriter("sync", mooring.client.connect(), 200);
                PipelinedLedgerWriter pipelined = PipelinedLedgerWriter.bursts("bursts", mooring.client.connect())) {
            List<LedgerWriter> writers = List.of(sync, pipelined);
            awaitAcknowledged(writers, 200);

            for (RedisPod pod : redis.pods()) {
                assertThat(pod.command("ACL", "SETUSER", "app", ">" + NEW)).isEqualTo("OK");
            }
            provider.rotateTo(NEW);
            for (RedisPod pod : redis.pods()) {
                assertThat(pod.command("ACL", "SETUSER", "app", "<" + OLD)).isEqualTo("OK");
            }
            redis.pods().forEach(CredentialRotationIT::cutProbeConnections);
            awaitAcknowledged(writers, 200);
            Disruption.MANUAL_FAILOVER_BY_REPLICAOF.apply(redis, null);
            await().atMost(SETTLE)
                    .until(() -> mooring.client
                            .topology()
                            .master()
                            .map(m -> m.address().equals(redis.pod(1).address()))
                            .orElse(false));
            awaitAcknowledged(writers, 400);
            finish(redis, mooring, writers);

            for (LedgerWriter writer : writers) {
                assertThat(writer.otherFailures)
                        .as("samples %s", writer.failureSamples)
                        .isEmpty();
                assertThat(writer.failed.get()).isZero();
                assertThat(writer.fateUnknown.get()).isZero();
            }
            assertThat(mooring.events(TopologyEvent.CredentialsRejected.class)).isEmpty();
            assertThat(provider.resolvedAfterRotation())
                    .as("connections opened after the rotation took the provider's new secret")
                    .isPositive();
        } finally {
            System.setErr(err);
        }
        assertThat(logged.toString(StandardCharsets.UTF_8))
                .as("log output")
                .contains("master is now redis-1")
                .doesNotContain(OLD)
                .doesNotContain(NEW);
    }

    /** Closes Mooring's probe connections to {@code pod} (they carry the client name {@code mooring-probe}). */
    private static void cutProbeConnections(RedisPod pod) {
        String clients = String.valueOf(pod.command("CLIENT", "LIST"));
        for (String line : clients.split("\n")) {
            if (line.contains(" name=mooring-probe ")) {
                String id = line.substring(line.indexOf("id=") + 3, line.indexOf(' '));
                pod.command("CLIENT", "KILL", "ID", id);
            }
        }
    }

    /**
     * The master stays where it is: no change of master was announced (the listener may have been added after the
     * first one), and redis-0 is master.
     */
    private static void assertMasterStaysRedis0(MooringFixture mooring) {
        assertThat(mooring.events(TopologyEvent.MasterChanged.class))
                .as("the master stays where it is")
                .allSatisfy(change ->
                        assertThat(change.master().endpoint().podName()).isEqualTo("redis-0"));
        await().atMost(SETTLE)
                .until(() -> mooring.client
                        .topology()
                        .master()
                        .map(m -> m.endpoint().podName().equals("redis-0"))
                        .orElse(false));
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
