package io.github.mooring.lettuce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.mooring.MooringClient;
import io.github.mooring.MooringOptions;
import io.github.mooring.discovery.KubernetesSource;
import io.github.mooring.exceptions.CommandNotResentException;
import io.github.mooring.exceptions.TransactionAbortedException;
import io.github.mooring.testkit.RedisPod;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The order of one connection's commands where a node refuses some of them, command by command: each test pipelines
 * a few commands so that Redis meets them in a known order, then checks what each command's future says and what the
 * master holds.
 */
@ExtendWith(SimulatedNamespaceExtension.class)
class OrderThroughRejectionsIT {

    private static final Duration LONG = Duration.ofSeconds(30);

    @Test
    void aReadBehindARefusedWriteIsAnsweredAfterTheWriteIsApplied(SimulatedNamespace ns) throws Exception {
        RedisStatefulSet redis = ns.redis("redis").start();
        // A slow periodic probe: the monitor learns of the demotion from the READONLY reply, after the GET's reply.
        try (Fixture mooring = new Fixture(ns, redis, Duration.ofSeconds(30))) {
            StatefulRedisConnection<String, String> connection = mooring.client.connect();
            connection.sync().set("k", "v1");
            connection.setAutoFlushCommands(false);
            RedisAsyncCommands<String, String> async = connection.async();

            demote(redis);
            // The demoted master refuses the SET and answers the GET with what it holds, v1: a state without the SET
            // the application issued first. That answer is dropped; the GET is asked again after the SET.
            RedisFuture<String> set = async.set("k", "v2");
            RedisFuture<String> get = async.get("k");
            connection.flushCommands();

            assertThat(set.get(30, TimeUnit.SECONDS)).isEqualTo("OK");
            assertThat(get.get(30, TimeUnit.SECONDS)).isEqualTo("v2");
        }
    }

    @Test
    void aRefusedWriteOvertakenByOneTheNodeAcceptedFailsInsteadOfLandingOutOfOrder(SimulatedNamespace ns)
            throws Exception {
        RedisStatefulSet redis = ns.redis("redis").start();
        try (Fixture mooring = new Fixture(ns, redis)) {
            StatefulRedisConnection<String, String> connection = mooring.client.connect();
            connection.setAutoFlushCommands(false);
            RedisAsyncCommands<String, String> async = connection.async();

            // The master becomes a replica (of nothing that answers), refuses the first SET, becomes master again
            // and applies the second: the first can no longer be applied before the second.
            async.replicaof("127.0.0.1", 1);
            RedisFuture<String> first = async.set("first", "1");
            RedisFuture<String> promoted = async.replicaofNoOne();
            RedisFuture<String> second = async.set("second", "2");
            connection.flushCommands();

            assertThat(second.get(30, TimeUnit.SECONDS)).isEqualTo("OK");
            assertThat(promoted.get(30, TimeUnit.SECONDS)).isEqualTo("OK");
            assertThatThrownBy(() -> first.get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause()
                    .isInstanceOf(CommandNotResentException.class)
                    .hasMessageContaining("SET was not sent again")
                    .hasMessageContaining("READONLY")
                    .hasMessageContaining("REPLICAOF, issued after it on the same connection, has been applied since")
                    .hasMessageContaining("SET was not applied");
            connection.setAutoFlushCommands(true);
            assertThat(connection.sync().get("first")).isNull();
        }
    }

    @Test
    void aTransactionOpenedBehindARefusedWriteIsAbortedAndTheWriteGoesFirst(SimulatedNamespace ns) throws Exception {
        RedisStatefulSet redis = ns.redis("redis").start();
        try (Fixture mooring = new Fixture(ns, redis)) {
            StatefulRedisConnection<String, String> connection = mooring.client.connect();
            connection.setAutoFlushCommands(false);
            RedisAsyncCommands<String, String> async = connection.async();

            async.replicaof("127.0.0.1", 1);
            RedisFuture<String> set = async.set("x", "1");
            RedisFuture<String> multi = async.multi();
            connection.flushCommands();
            assertThat(multi.get(30, TimeUnit.SECONDS)).isEqualTo("OK");
            // The MULTI reached the node; the SET before it waits to be sent again. Sent on this connection, it
            // would run inside the transaction: the transaction goes instead, as if its connection had been lost.
            var exec = async.exec();
            connection.flushCommands();
            redis.pod(0).promote();

            assertThat(set.get(30, TimeUnit.SECONDS)).isEqualTo("OK");
            assertThatThrownBy(() -> exec.get(30, TimeUnit.SECONDS))
                    .cause()
                    .isInstanceOf(TransactionAbortedException.class);
            connection.setAutoFlushCommands(true);
            assertThat(connection.sync().get("x")).isEqualTo("1");
        }
    }

    /**
     * Lettuce re-subscribes a pub/sub connection as its channel activates, through the writer's connection facade:
     * those SUBSCRIBEs go ahead of the commands held meanwhile, as they go ahead of Lettuce's own buffer, so an
     * UNSUBSCRIBE issued while disconnected still wins. If Lettuce stops activating through the facade, the
     * re-subscription comes after the UNSUBSCRIBE and this test fails.
     */
    @Test
    void anUnsubscribeIssuedWhileDisconnectedStillComesAfterTheResubscription(SimulatedNamespace ns) throws Exception {
        RedisStatefulSet redis = ns.redis("redis").start();
        try (Fixture mooring = new Fixture(ns, redis)) {
            StatefulRedisPubSubConnection<String, String> subscriber = mooring.client.connectPubSub();
            subscriber.sync().subscribe("news", "weather");
            RedisPod master = redis.pod(0);
            MasterBinding binding = mooring.client.redisClient().bindingOf((RedisChannelHandler<?, ?>) subscriber);
            assertThat(binding.eventLoop)
                    .as("the event loop of the connection's channel")
                    .isNotNull();

            master.stopContainer();
            await().atMost(LONG).until(() -> !binding.hasChannel());
            RedisFuture<Void> unsubscribe = subscriber.async().unsubscribe("news");
            master.startContainer();

            unsubscribe.get(30, TimeUnit.SECONDS);
            await().atMost(LONG).untilAsserted(() -> {
                assertThat(master.command("PUBSUB", "NUMSUB", "news", "weather"))
                        .isEqualTo(List.of("news", 0L, "weather", 1L));
            });
        }
    }

    /** The hasty failover: pod 1 promoted, pod 0 and pod 2 made its replicas, while the application writes. */
    private static void demote(RedisStatefulSet redis) {
        redis.pod(1).promote();
        redis.pod(0).replicaOf(redis.pod(1));
        redis.pod(2).replicaOf(redis.pod(1));
    }

    /** A MooringClient on a simulated namespace (kubernetes source). */
    private static final class Fixture implements AutoCloseable {
        final KubernetesClient kubernetes;
        final MooringClient client;

        Fixture(SimulatedNamespace ns, RedisStatefulSet set) {
            this(ns, set, Duration.ofMillis(250));
        }

        Fixture(SimulatedNamespace ns, RedisStatefulSet set, Duration probeInterval) {
            kubernetes = ns.api().newClient();
            MooringClient created;
            try {
                created = MooringClient.create(MooringOptions.builder()
                        .service(set.name())
                        .namespace(ns.name())
                        .source(KubernetesSource.builder().client(kubernetes).build())
                        .probeInterval(probeInterval)
                        .build());
            } catch (RuntimeException e) {
                kubernetes.close();
                throw e;
            }
            client = created;
        }

        @Override
        public void close() {
            try {
                client.close();
            } finally {
                kubernetes.close();
            }
        }
    }
}
