package io.github.mooring.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.mooring.internal.sentinel.SentinelSettings;
import io.github.mooring.testkit.PodRuntime;
import io.github.mooring.testkit.RedisPod;
import io.github.mooring.testkit.Sentinels;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;
import io.lettuce.core.RedisURI;
import java.time.Duration;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Sentinels behind a Service of their own ({@code sentinelService}), announcing addresses where nothing listens (as
 * behind NAT): the hello messages on the pods name no reachable Sentinel, so Mooring can hear the Sentinels' events
 * only at the endpoints of their Service. A planned {@code SENTINEL FAILOVER} under a synchronous writer and a
 * pipelining one (probes every 30 s) is followed on those events, and nothing acknowledged is lost beyond what Redis's
 * asynchronous replication loses (counted apart, bounded as in {@link SentinelEventsIT}). Before the failover one
 * Sentinel pod is replaced with a new IP: Mooring subscribes to it there, from the Service's changed endpoints. A
 * second case starts the failover before any hello can reach Mooring: what Mooring asks each Sentinel as it subscribes
 * is all it knows then.
 */
@ExtendWith(SimulatedNamespaceExtension.class)
class SentinelServiceIT {

    private static final String SERVICE = "redis-sentinel";
    private static final String APP_PASSWORD = "app-secret-41d7";

    @Test
    void followsASentinelFailoverThroughTheSentinelService(SimulatedNamespace ns) {
        try (FailoverRun run = new FailoverRun(
                ns,
                Disruption.SENTINEL_FAILOVER_COMMAND,
                PodRuntime.processes(),
                options -> options.probeInterval(Duration.ofSeconds(30)).sentinelService(SERVICE),
                set -> set,
                Sentinels.Builder::announceUnreachable,
                sentinels -> sentinels.publishService(SERVICE))) {
            Sentinels sentinels = run.sentinels;
            // The hello channel names only unreachable addresses: no event connection can come from it.
            assertThat(sentinels.announcedAddresses()).doesNotContainAnyElementsOf(sentinels.addresses());
            assertThat(String.valueOf(sentinels.command(0, "SENTINEL", "SENTINELS", sentinels.masterName())))
                    .doesNotContain(sentinels.ips().get(1))
                    .contains(sentinels.announcedAddresses().get(1).replace(":26379", ""));
            SyncLedgerWriter sync = run.writer(c -> new SyncLedgerWriter("sync", c, 500));
            PipelinedLedgerWriter stream = run.writer(c -> PipelinedLedgerWriter.stream("stream", c));
            SentinelEventsIT.awaitListening(sentinels, "Mooring listens to every Sentinel of the Service");

            // A Sentinel pod replaced with a new IP: the Service's endpoints change, and Mooring follows them.
            String replaced = sentinels.addresses().get(2);
            String replacement = sentinels.replace(2);
            assertThat(replacement).isNotEqualTo(replaced);
            SentinelEventsIT.awaitListening(sentinels, "Mooring listens to the replaced Sentinel at its new IP");

            FailoverRun.Result result = run.disruptAndRecover();

            SentinelEventsIT.assertLostAtMostWhatWasInFlight(
                    "SENTINEL FAILOVER via sentinelService", result, sync, stream);
            // Probes every 30 s: Sentinel moved the writes, by its message or its CLIENT KILL on the pods.
            SentinelEventsIT.assertMovedBySentinel(run, result);
        }
    }

    /**
     * The race CI met: a failover that starts before Mooring has heard a hello (one every 2 s) must still hold
     * writes. Made certain here: the application's ACL user on the pods has no channels (Redis 7's default for a new
     * user), so Mooring never reads the hello channel and knows the master and its epoch only from what it asks each
     * Sentinel as it subscribes. The failover starts as soon as the writers run.
     */
    @Test
    void aFailoverRightAfterMooringSubscribedIsHeldWithoutAnyHello(SimulatedNamespace ns) {
        failoverWithoutAnyHello(ns, Duration.ZERO);
    }

    /**
     * Without any hello, nothing but Mooring's own questions confirms what the Sentinels name: an application that
     * has listened longer than an unconfirmed view lives ({@code forgetAfter}, 10 s) still holds writes during the
     * failover, since Mooring asks the Sentinels again while no hello comes.
     */
    @Test
    void aFailoverLongAfterStartIsHeldWithoutAnyHello(SimulatedNamespace ns) {
        failoverWithoutAnyHello(ns, SentinelSettings.DEFAULT_FORGET_AFTER.plusSeconds(2));
    }

    private static void failoverWithoutAnyHello(SimulatedNamespace ns, Duration listenedFor) {
        RedisURI app = RedisURI.builder()
                .withHost("redis")
                .withAuthentication("app", APP_PASSWORD)
                .build();
        try (FailoverRun run = new FailoverRun(
                ns,
                Disruption.SENTINEL_FAILOVER_COMMAND,
                PodRuntime.processes(),
                options -> options.redisUri(app)
                        .probeInterval(Duration.ofSeconds(30))
                        .sentinelService(SERVICE),
                set -> set.config("user app on >" + APP_PASSWORD + " ~* resetchannels +@all"),
                sentinels -> sentinels,
                sentinels -> sentinels.publishService(SERVICE))) {
            SyncLedgerWriter sync = run.writer(c -> new SyncLedgerWriter("sync", c, 500));
            PipelinedLedgerWriter stream = run.writer(c -> PipelinedLedgerWriter.stream("stream", c));
            SentinelEventsIT.awaitListening(run.sentinels, "Mooring listens to every Sentinel of the Service");
            await().alias("Mooring has listened to every Sentinel for " + listenedFor)
                    .atMost(FailoverRun.SETTLE)
                    .until(() -> IntStream.range(0, run.sentinels.addresses().size())
                            .allMatch(i -> listeningSeconds(run.sentinels, i) >= listenedFor.toSeconds()));

            FailoverRun.Result result = run.disruptAndRecover();

            SentinelEventsIT.assertLostAtMostWhatWasInFlight(
                    "SENTINEL FAILOVER without a hello, listening " + listenedFor + " before", result, sync, stream);
            SentinelEventsIT.assertMovedBySentinel(run, result);
            for (RedisPod pod : run.redis.pods()) {
                assertThat(String.valueOf(pod.command("CLIENT", "LIST")))
                        .as("no subscription of Mooring's to the hello channel on %s", pod.name())
                        .doesNotContain("name=mooring-sentinel-hello");
            }
        }
    }

    /** How long Mooring's event subscription to Sentinel {@code index} has been open ({@code age} in CLIENT LIST). */
    private static long listeningSeconds(Sentinels sentinels, int index) {
        return String.valueOf(sentinels.command(index, "CLIENT", "LIST"))
                .lines()
                .filter(line -> line.contains("name=mooring-sentinel-events"))
                .mapToLong(line -> Long.parseLong(line.replaceAll(".* age=(\\d+) .*", "$1")))
                .max()
                .orElse(-1);
    }
}
