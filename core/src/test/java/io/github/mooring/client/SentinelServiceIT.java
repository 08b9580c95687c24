package io.github.mooring.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.mooring.testkit.PodRuntime;
import io.github.mooring.testkit.RedisPod;
import io.github.mooring.testkit.Sentinels;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Sentinels behind a Service of their own ({@code sentinelService}), announcing addresses where nothing listens (as
 * behind NAT): the hello messages on the pods name no reachable Sentinel, so Mooring can hear the Sentinels' events
 * only at the endpoints of their Service. A planned {@code SENTINEL FAILOVER} under a synchronous writer and a
 * pipelining one (probes every 30 s) is followed on those events, and nothing acknowledged is lost beyond what Redis's
 * asynchronous replication loses (counted apart, bounded as in {@link SentinelEventsIT}). Before the failover one
 * Sentinel pod is replaced with a new IP: Mooring subscribes to it there, from the Service's changed endpoints.
 */
@ExtendWith(SimulatedNamespaceExtension.class)
class SentinelServiceIT {

    private static final String SERVICE = "redis-sentinel";

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

            awaitAHelloHeardByMooring(run);

            FailoverRun.Result result = run.disruptAndRecover();

            SentinelEventsIT.assertLostAtMostWhatWasInFlight(
                    "SENTINEL FAILOVER via sentinelService", result, sync, stream);
            // Probes every 30 s: Sentinel moved the writes, by its message or its CLIENT KILL on the pods.
            SentinelEventsIT.assertMovedBySentinel(run, result);
        }
    }

    /**
     * An application runs long before a failover: it knows the master from the Sentinels by then. Through the
     * Service, Mooring subscribes to the Sentinels' events without waiting for a hello, so the first hello (every 2 s)
     * may come after those subscriptions: wait until Mooring subscribes to the hello channel on the master, then for
     * a hello published there after that (which Mooring heard too, from the same publication).
     */
    private static void awaitAHelloHeardByMooring(FailoverRun run) {
        RedisPod master = run.redis.pod(0);
        await().alias("Mooring subscribes to the Sentinels' hello on " + master.name())
                .atMost(FailoverRun.SETTLE)
                .until(() -> String.valueOf(master.command("CLIENT", "LIST")).contains("name=mooring-sentinel-hello"));
        RedisClient client = RedisClient.create();
        try (StatefulRedisPubSubConnection<String, String> hello =
                client.connectPubSub(RedisURI.create(master.ip(), master.port()))) {
            AtomicBoolean heard = new AtomicBoolean();
            hello.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String channel, String message) {
                    heard.set(true);
                }
            });
            hello.sync().subscribe("__sentinel__:hello");
            await().alias("a Sentinel's hello on " + master.name())
                    .atMost(FailoverRun.SETTLE)
                    .untilTrue(heard);
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }
}
