package io.github.mooring.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.mooring.testkit.Credentials;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.Sentinels;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;
import io.github.mooring.topology.TopologyEvent;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Sentinels with a password of their own ({@code requirepass}, {@code sentinel-pass} between them) over pods with
 * another ({@code sentinel auth-pass}): with {@code sentinelCredentials}, Mooring subscribes to the Sentinels' events
 * and follows a planned {@code SENTINEL FAILOVER} on them alone (probes every 30 s); neither secret shows in a topology
 * event.
 */
@ExtendWith(SimulatedNamespaceExtension.class)
class SentinelAuthIT {

    private static final String PODS_SECRET = "pods-secret-81f2";
    private static final String SENTINELS_SECRET = "sentinels-secret-93c4";
    private static final Duration LONG = Duration.ofSeconds(45);

    @Test
    void followsASentinelFailoverWithAuthOnBothSides(SimulatedNamespace ns) {
        RedisStatefulSet redis =
                ns.redis("redis").credentials(Credentials.password(PODS_SECRET)).start();
        Sentinels sentinels = ns.sentinels(redis)
                .requirePass(SENTINELS_SECRET)
                .downAfter(Duration.ofSeconds(5))
                .failoverTimeout(Duration.ofSeconds(5))
                .start();
        sentinels.awaitReady(LONG);
        RedisURI uri = RedisURI.builder()
                .withHost("redis")
                .withAuthentication("default", PODS_SECRET)
                .build();
        try (MooringFixture mooring = new MooringFixture(
                ns,
                redis,
                b -> b.redisUri(uri)
                        .probeInterval(Duration.ofSeconds(30))
                        .sentinelCredentials(null, SENTINELS_SECRET))) {
            RedisCommands<String, String> writer = mooring.client.connect().sync();
            writer.set("before", "1");
            await().alias("Mooring listens to every Sentinel's events, authenticated")
                    .atMost(LONG)
                    .until(() -> IntStream.range(0, sentinels.addresses().size())
                            .allMatch(i -> String.valueOf(sentinels.command(i, "CLIENT", "LIST"))
                                    .contains("name=mooring-sentinel-events")));

            sentinels.failover();

            await().atMost(LONG)
                    .until(() -> sentinels
                            .masterAddress()
                            .map(a -> !a.equals(redis.pod(0).address()))
                            .orElse(false));
            String promoted = sentinels.masterAddress().orElseThrow();
            await().atMost(LONG)
                    .until(() -> mooring.client
                            .topology()
                            .master()
                            .map(m -> m.address().equals(promoted))
                            .orElse(false));
            assertThat(mooring.events(TopologyEvent.MasterChanged.class))
                    .last()
                    .as("probes every 30 s: moved by Sentinel's message or its CLIENT KILL on the pods")
                    .satisfies(change -> assertThat(change.trigger())
                            .isIn(TopologyEvent.Trigger.SENTINEL, TopologyEvent.Trigger.SUSPICION));
            assertThat(writer.set("after", "2")).isEqualTo("OK");
            assertThat(mooring.events.toString()).doesNotContain(PODS_SECRET).doesNotContain(SENTINELS_SECRET);
        }
    }
}
