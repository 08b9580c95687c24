package io.github.mooring.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.mooring.testkit.Credentials;
import io.github.mooring.testkit.PodRuntime;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.Sentinels;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;
import io.lettuce.core.RedisURI;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Sentinels with ACL users and no default user, over pods with ACL users and no default user ({@code sentinel
 * auth-user}/{@code auth-pass}): Mooring authenticates to the Sentinels as a user granted only what it sends there
 * ({@link #MOORING_SENTINEL_ACL}, the rule the README documents), and follows a planned {@code SENTINEL FAILOVER} on
 * their events (probes every 30 s) under a synchronous writer and a pipelining one, with the ledger's end checks of
 * {@link SentinelEventsIT}. No Sentinel denied that user anything ({@code ACL LOG}), and no secret reached an event.
 */
@ExtendWith(SimulatedNamespaceExtension.class)
class SentinelAclIT {

    /**
     * What Mooring sends to a Sentinel: {@code AUTH}, {@code CLIENT SETNAME}, {@code SENTINEL MASTER} (or {@code
     * MASTERS}, before it knows the master's name) as it subscribes, {@code SUBSCRIBE} and {@code PSUBSCRIBE} to the
     * events it follows, nothing else. The README quotes this line (and says to add {@code +client|setinfo} on
     * Redis 7.2 and later, which Lettuce also sends and does without: Redis 7.0 does not know the command).
     */
    static final String MOORING_SENTINEL_ACL = "resetchannels -@all +client|setname +sentinel|master +sentinel|masters"
            + " +subscribe +psubscribe +unsubscribe +punsubscribe"
            + " &+switch-master &+promoted-slave &+new-epoch &+sdown &-sdown &+odown &-odown &+try-failover &+elected-leader"
            + " &+failover-state-* &-failover-abort-*";

    private static final String PODS_SECRET = "pods-acl-secret-5d21";
    private static final String SENTINELS_SECRET = "sentinels-acl-secret-7e09";

    @Test
    void followsASentinelFailoverAsANarrowAclUser(SimulatedNamespace ns) {
        RedisURI pods = RedisURI.builder()
                .withHost("redis")
                .withAuthentication("app", PODS_SECRET)
                .build();
        try (FailoverRun run = new FailoverRun(
                ns,
                Disruption.SENTINEL_FAILOVER_COMMAND,
                PodRuntime.processes(),
                options -> options.redisUri(pods)
                        .probeInterval(Duration.ofSeconds(30))
                        .sentinelCredentials("mooring", SENTINELS_SECRET),
                set -> set.credentials(Credentials.aclUser("app", PODS_SECRET)),
                sentinels -> sentinels.aclUser(Credentials.aclUser("mooring", SENTINELS_SECRET), MOORING_SENTINEL_ACL),
                sentinels -> {})) {
            Sentinels sentinels = run.sentinels;
            assertThat(String.valueOf(sentinels.command(0, "ACL", "LIST")))
                    .as("the Sentinels' default user is off")
                    .contains("user default off");
            SyncLedgerWriter sync = run.writer(c -> new SyncLedgerWriter("sync", c, 500));
            PipelinedLedgerWriter stream = run.writer(c -> PipelinedLedgerWriter.stream("stream", c));
            SentinelEventsIT.awaitListening(sentinels, "Mooring listens to every Sentinel's events as user mooring");
            assertThat(IntStream.range(0, sentinels.addresses().size())
                            .mapToObj(i -> String.valueOf(sentinels.command(i, "CLIENT", "LIST"))))
                    .allSatisfy(clients ->
                            assertThat(clients).containsPattern("name=mooring-sentinel-events .*user=mooring"));

            FailoverRun.Result result = run.disruptAndRecover();

            SentinelEventsIT.assertLostAtMostWhatWasInFlight("SENTINEL FAILOVER, ACL users", result, sync, stream);
            SentinelEventsIT.assertMovedBySentinel(run, result);
            // Redis 6.2 checks a command against the ACL before it knows the subcommand: Lettuce's CLIENT SETINFO
            // (sent at connect, refused, done without; Redis 7.0 answers "unknown subcommand" first) is logged there.
            boolean checksBeforeSubcommand =
                    run.redis.pod(0).info("server").get("redis_version").startsWith("6.");
            for (int i = 0; i < sentinels.addresses().size(); i++) {
                assertThat(((List<?>) sentinels.command(i, "ACL", "LOG"))
                                .stream()
                                        .filter(entry ->
                                                !(checksBeforeSubcommand && "client".equals(field(entry, "object"))))
                                        .toList())
                        .as("what Sentinel %s denied", sentinels.addresses().get(i))
                        .isEqualTo(List.of());
            }
            assertThat(run.mooring.events.toString())
                    .doesNotContain(PODS_SECRET)
                    .doesNotContain(SENTINELS_SECRET);
        }
    }

    /**
     * A wrong Sentinel password: before, Mooring said nothing (a debug line) and silently followed by probing alone.
     * Now each Sentinel's refusal is one warning naming the Sentinel, the user and the setting to change, never the
     * secret; writes go on, followed by probing.
     */
    @Test
    void aWrongSentinelPasswordIsNamedWithTheSettingToChange(SimulatedNamespace ns) {
        String wrong = "not-the-sentinels-password-4a17";
        RedisStatefulSet redis = ns.redis("redis")
                .credentials(Credentials.aclUser("app", PODS_SECRET))
                .start();
        Sentinels sentinels = ns.sentinels(redis)
                .aclUser(Credentials.aclUser("mooring", SENTINELS_SECRET), MOORING_SENTINEL_ACL)
                .start();
        sentinels.awaitReady(FailoverRun.SETTLE);
        RedisURI pods = RedisURI.builder()
                .withHost("redis")
                .withAuthentication("app", PODS_SECRET)
                .build();
        ByteArrayOutputStream logged = new ByteArrayOutputStream();
        PrintStream err = System.err;
        System.setErr(new PrintStream(new TeeOutputStream(err, logged), true));
        try (MooringFixture mooring =
                new MooringFixture(ns, redis, b -> b.redisUri(pods).sentinelCredentials("mooring", wrong))) {
            await().alias("a warning for each Sentinel")
                    .atMost(FailoverRun.SETTLE)
                    .until(() -> sentinels.addresses().stream()
                            .allMatch(sentinel -> logged.toString(StandardCharsets.UTF_8)
                                    .contains("Sentinel " + sentinel + " refused the credentials of user mooring"
                                            + " (WRONGPASS")));
            assertThat(mooring.client.connect().sync().set("k", "v")).isEqualTo("OK");
        } finally {
            System.setErr(err);
        }
        String output = logged.toString(StandardCharsets.UTF_8);
        assertThat(output)
                .contains("mooring.sentinel.password")
                .doesNotContain(wrong)
                .doesNotContain(SENTINELS_SECRET)
                .doesNotContain(PODS_SECRET);
        assertThat(output.split("refused the credentials of user mooring", -1))
                .as("one warning per Sentinel, however often Mooring tries again")
                .hasSize(sentinels.addresses().size() + 1);
    }

    /** A field of an {@code ACL LOG} entry (a flat list of names and values). */
    private static String field(Object entry, String name) {
        List<?> fields = (List<?>) entry;
        int at = fields.indexOf(name);
        return at >= 0 && at + 1 < fields.size() ? String.valueOf(fields.get(at + 1)) : null;
    }
}
