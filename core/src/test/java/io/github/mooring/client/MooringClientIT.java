package io.github.mooring.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.mooring.exceptions.CommandFateUnknownException;
import io.github.mooring.exceptions.CredentialsRejectedException;
import io.github.mooring.exceptions.FailoverQueueFullException;
import io.github.mooring.exceptions.TransactionAbortedException;
import io.github.mooring.testkit.Credentials;
import io.github.mooring.testkit.PodRuntime;
import io.github.mooring.testkit.RedisPod;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;
import io.github.mooring.testkit.UnpausedFailover;
import io.github.mooring.testkit.WriteCheck;
import io.github.mooring.topology.NoMasterException;
import io.github.mooring.topology.TopologyEvent;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TransactionResult;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.Disposable;

/** What an application sees through a Mooring connection when the master goes away, command by command. */
@ExtendWith(SimulatedNamespaceExtension.class)
class MooringClientIT {

    private static final Duration LONG = Duration.ofSeconds(30);

    @Test
    void subscriberKeepsReceivingAfterTheMasterPodIsReplaced(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").start();
        try (MooringFixture mooring = new MooringFixture(ns, redis, b -> b)) {
            List<String> received = new CopyOnWriteArrayList<>();
            StatefulRedisPubSubConnection<String, String> subscriber = mooring.client.connectPubSub();
            subscriber.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String channel, String message) {
                    received.add(message);
                }
            });
            subscriber.sync().subscribe("news");
            StatefulRedisConnection<String, String> publisher = mooring.client.connect();
            publisher.sync().publish("news", "before");
            await().atMost(LONG).until(() -> received.contains("before"));

            redis.pod(0).replace(RedisPod.Deletion.KILL, Duration.ofSeconds(1));
            redis.pod(0).awaitReady(LONG);

            // The subscription was restored on the new master: messages published there arrive.
            await().atMost(LONG).untilAsserted(() -> {
                publisher.sync().publish("news", "after");
                assertThat(received).contains("after");
            });
        }
    }

    @Test
    void reactiveCommandIssuedDuringTheFailoverCompletesOnTheNewMaster(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").persistence(true).start();
        try (MooringFixture mooring = new MooringFixture(ns, redis, b -> b)) {
            StatefulRedisConnection<String, String> connection = mooring.client.connect();
            assertThat(connection.reactive().incr("hits").block(LONG)).isEqualTo(1L);
            String oldIp = redis.pod(0).ip();

            redis.pod(0).replace(RedisPod.Deletion.KILL, Duration.ofSeconds(1));
            Long value = connection.reactive().incr("hits").block(LONG);

            assertThat(value).isEqualTo(2L);
            assertThat(mooring.client
                            .topology()
                            .master()
                            .orElseThrow()
                            .endpoint()
                            .host())
                    .isNotEqualTo(oldIp);
        }
    }

    @Test
    void transactionInterruptedBeforeExecFailsAsAWholeAndAppliesNothing(SimulatedNamespace ns) throws Exception {
        RedisStatefulSet redis = ns.redis("redis").persistence(true).start();
        try (MooringFixture mooring = new MooringFixture(ns, redis, b -> b)) {
            StatefulRedisConnection<String, String> connection = mooring.client.connect();
            connection.sync().set("balance", "100");

            connection.sync().multi();
            RedisFuture<Long> debit = connection.async().decrby("balance", 30);
            await().until(() -> mooring.client.topology().hasMaster());
            redis.pod(0).restartContainer(Duration.ofMillis(300));
            RedisFuture<TransactionResult> exec = connection.async().exec();

            assertThatThrownBy(() -> exec.get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(TransactionAbortedException.class);
            assertThatThrownBy(() -> debit.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
            // Nothing of it was applied anywhere, and the connection is usable again.
            assertThat(connection.sync().get("balance")).isEqualTo("100");
        }
    }

    @Test
    void transactionQueuedWhileThereIsNoMasterRunsWholeOnTheNextOne(SimulatedNamespace ns) throws Exception {
        RedisStatefulSet redis = ns.redis("redis").persistence(true).start();
        try (MooringFixture mooring = new MooringFixture(ns, redis, b -> b)) {
            StatefulRedisConnection<String, String> connection = mooring.client.connect();
            connection.sync().set("stock", "10");
            redis.pod(0).stopContainer();
            await().atMost(LONG).until(() -> !mooring.client.topology().hasMaster());

            RedisFuture<String> multi = connection.async().multi();
            RedisFuture<Long> take = connection.async().decr("stock");
            RedisFuture<TransactionResult> exec = connection.async().exec();
            redis.pod(0).startContainer();

            assertThat(multi.get(30, TimeUnit.SECONDS)).isEqualTo("OK");
            assertThat(exec.get(30, TimeUnit.SECONDS).<Long>get(0)).isEqualTo(9L);
            assertThat(take.get(1, TimeUnit.SECONDS)).isEqualTo(9L);
        }
    }

    @Test
    void blockingPopInFlightFailsCleanlyAndOneQueuedDuringTheOutageResumes(SimulatedNamespace ns) throws Exception {
        RedisStatefulSet redis = ns.redis("redis").persistence(true).start();
        try (MooringFixture mooring = new MooringFixture(ns, redis, b -> b)) {
            StatefulRedisConnection<String, String> waiting = mooring.client.connect();
            StatefulRedisConnection<String, String> producer = mooring.client.connect();
            RedisFuture<KeyValue<String, String>> inFlight = waiting.async().blpop(60, "jobs");
            // BLPOP is on the server, blocked, when the master dies: it may have popped something; never repeat it.
            await().until(() ->
                    "1".equals(String.valueOf(redis.pod(0).info("clients").get("blocked_clients"))));
            redis.pod(0).stopContainer();
            assertThatThrownBy(() -> inFlight.get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(CommandFateUnknownException.class);

            await().atMost(LONG).until(() -> !mooring.client.topology().hasMaster());
            RedisFuture<KeyValue<String, String>> queued = waiting.async().blpop(60, "jobs");
            redis.pod(0).startContainer();
            await().atMost(LONG).until(() -> mooring.client.topology().hasMaster());
            producer.sync().rpush("jobs", "job-1");
            assertThat(queued.get(30, TimeUnit.SECONDS).getValue()).isEqualTo("job-1");
        }
    }

    /** Lettuce tooling (its EventBus subscribers: metrics, tracing, logging) sees Mooring's topology events. */
    @Test
    void topologyEventsArePublishedOnLettucesEventBusInTheListenersOrder(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").start();
        ClientResources resources = ClientResources.create();
        List<TopologyEvent> onTheBus = new CopyOnWriteArrayList<>();
        Disposable subscription = resources
                .eventBus()
                .get()
                .filter(TopologyEvent.class::isInstance)
                .map(TopologyEvent.class::cast)
                .subscribe(onTheBus::add);
        try (MooringFixture mooring = new MooringFixture(ns, redis, b -> b.clientResources(resources))) {
            mooring.client.awaitMaster(LONG);
            String oldMaster = redis.pod(0).address();
            redis.pod(0).replace(RedisPod.Deletion.KILL, Duration.ofMillis(500));

            await().atMost(LONG)
                    .until(() -> mooring.events(TopologyEvent.MasterChanged.class).stream()
                            .anyMatch(change -> change.previous().isPresent()
                                    && change.previous().get().address().equals(oldMaster)));
            await().atMost(LONG).untilAsserted(() -> assertThat(onTheBus).containsExactlyElementsOf(mooring.events));
        } finally {
            subscription.dispose();
            resources.shutdown();
        }
    }

    @Test
    void commandsFailWithNoMasterOnceTheFailoverWaitIsOver(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").start();
        try (MooringFixture mooring = new MooringFixture(ns, redis, b -> b.failoverWait(Duration.ofSeconds(1)))) {
            StatefulRedisConnection<String, String> connection = mooring.client.connect();
            connection.sync().set("k", "v");
            redis.pod(0).stopContainer();
            await().atMost(LONG).until(() -> !mooring.client.topology().hasMaster());

            long start = System.nanoTime();
            RedisFuture<String> write = connection.async().set("k", "w");
            Throwable failure = catchFailure(write);
            long waitedMillis = (System.nanoTime() - start) / 1_000_000;

            assertThat(failure)
                    .isInstanceOf(NoMasterException.class)
                    .hasMessageContaining("waited 1000 ms")
                    .hasMessageContaining("Service 'redis'")
                    .hasMessageContaining("redis-1");
            assertThat(waitedMillis).isBetween(900L, 10_000L);

            redis.pod(0).startContainer();
            await().atMost(LONG)
                    .untilAsserted(
                            () -> assertThat(connection.sync().set("k", "x")).isEqualTo("OK"));
        }
    }

    /** A frozen master (SIGSTOP of a process, {@code docker pause} of a container). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("io.github.mooring.testing.PodRuntimes#both")
    void frozenMasterEndsInTheDocumentedExceptionsWithinTheBounds(PodRuntime runtime, SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").runtime(runtime).start();
        try (MooringFixture mooring = new MooringFixture(ns, redis, b -> b.failoverWait(Duration.ofSeconds(2)))) {
            StatefulRedisConnection<String, String> connection = mooring.client.connect();
            connection.sync().set("k", "v");

            redis.pod(0).freeze();
            long start = System.nanoTime();
            List<RedisFuture<Long>> writes = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                writes.add(connection.async().incr("n"));
            }
            List<Class<?>> outcomes = new ArrayList<>();
            for (RedisFuture<Long> write : writes) {
                outcomes.add(catchFailure(write).getClass());
            }
            long tookMillis = (System.nanoTime() - start) / 1_000_000;

            // Written before the freeze was noticed: fate unknown; the rest waited the failover wait for a master.
            assertThat(outcomes).allMatch(c -> c == CommandFateUnknownException.class || c == NoMasterException.class);
            // Bound: noticing (readiness, probe rounds) plus the failover wait, far below Lettuce's 60 s timeout.
            assertThat(tookMillis).isLessThan(15_000);

            redis.pod(0).thaw();
            await().atMost(LONG)
                    .untilAsserted(() -> assertThat(connection.sync().incr("n")).isPositive());
        }
    }

    @Test
    void tooManyCommandsWaitingForAMasterAreRefusedAtOnce(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").start();
        try (MooringFixture mooring = new MooringFixture(ns, redis, b -> b.maxQueuedCommands(10))) {
            StatefulRedisConnection<String, String> connection = mooring.client.connect();
            redis.pod(0).stopContainer();
            await().atMost(LONG).until(() -> !mooring.client.topology().hasMaster());
            await().atMost(LONG).until(() -> !connection.isOpen() || true);

            List<RedisFuture<Long>> writes = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                writes.add(connection.async().incr("q"));
            }
            long refused = writes.stream()
                    .filter(w -> w.isDone() && failed(w, FailoverQueueFullException.class))
                    .count();
            assertThat(refused).isGreaterThanOrEqualTo(20);
            redis.pod(0).startContainer();
        }
    }

    @Test
    void readOnlyRejectionsAreRetriedInOrderOnTheNewMasterAndReported(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").start();
        // A slow periodic probe: the monitor learns of the failover from the READONLY replies themselves.
        try (MooringFixture mooring = new MooringFixture(ns, redis, b -> b.probeInterval(Duration.ofSeconds(30)))) {
            AtomicInteger retries = new AtomicInteger();
            mooring.client.retry().getEventPublisher().onRetry(event -> retries.incrementAndGet());
            PipelinedLedgerWriter writer = PipelinedLedgerWriter.stream("stream", mooring.client.connect());
            long start;
            long end;
            try {
                await().atMost(LONG).until(() -> writer.acknowledged.get() >= 1_000);
                start = System.nanoTime();
                redis.pod(1).promote();
                redis.pod(0).replicaOf(redis.pod(1));
                redis.pod(2).replicaOf(redis.pod(1));
                long acked = writer.acknowledged.get();
                await().atMost(LONG).until(() -> writer.acknowledged.get() >= acked + 1_000);
                end = System.nanoTime();
            } finally {
                writer.stop();
            }
            await().atMost(LONG).until(() -> writer.pending() == 0);
            writer.close();

            WriteCheck check = writer.check(redis.pod(1), UnpausedFailover.between(start, end));
            assertThat(check.holds()).as("%s", check).isTrue();
            assertThat(retries.get()).as("READONLY replies retried").isPositive();
            assertThat(writer.otherFailures)
                    .as("samples %s", writer.failureSamples)
                    .isEmpty();
            assertThat(mooring.events(TopologyEvent.MasterChanged.class))
                    .last()
                    .satisfies(e -> assertThat(e.master().endpoint().podName()).isEqualTo("redis-1"))
                    .satisfies(e -> assertThat(e.trigger()).isEqualTo(TopologyEvent.Trigger.SUSPICION));
        }
    }

    @Test
    void aclUserConnectsAndAWrongPasswordIsReportedWithoutTheSecret(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis")
                .credentials(Credentials.aclUser("app", "s3cret-pw"))
                .start();
        RedisURI good = RedisURI.builder()
                .withHost("redis")
                .withAuthentication("app", "s3cret-pw")
                .build();
        try (MooringFixture mooring = new MooringFixture(ns, redis, b -> b.redisUri(good))) {
            assertThat(mooring.client.connect().sync().ping()).isEqualTo("PONG");
        }
        RedisURI bad = RedisURI.builder()
                .withHost("redis")
                .withAuthentication("app", "wrong-pw-42")
                .build();
        Duration startupWait = Duration.ofSeconds(30);
        try (MooringFixture mooring =
                new MooringFixture(ns, redis, b -> b.redisUri(bad).startupWait(startupWait))) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> mooring.client.connect())
                    .isInstanceOf(CredentialsRejectedException.class)
                    .hasMessageContaining("authentication was refused by redis-")
                    .hasMessageContaining("for user 'app'")
                    .hasMessageContaining("WRONGPASS")
                    .satisfies(e -> assertThat(stackText(e)).doesNotContain("wrong-pw-42"));
            assertThat(Duration.ofNanos(System.nanoTime() - start))
                    .as("a wrong password fails at once, not after the startup wait")
                    .isLessThan(startupWait.dividedBy(3));
            await().atMost(Duration.ofSeconds(5))
                    .untilAsserted(() -> assertThat(mooring.events(TopologyEvent.CredentialsRejected.class))
                            .isNotEmpty()
                            .allSatisfy(event -> assertThat(event.user()).isEqualTo("app"))
                            .allSatisfy(event -> assertThat(event.toString()).doesNotContain("wrong-pw-42")));
        }
    }

    private static Throwable catchFailure(RedisFuture<?> future) {
        try {
            future.get(60, TimeUnit.SECONDS);
            throw new AssertionError("expected " + future + " to fail");
        } catch (ExecutionException | CompletionException e) {
            return e.getCause();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static boolean failed(RedisFuture<?> future, Class<? extends Throwable> type) {
        try {
            future.get(0, TimeUnit.SECONDS);
            return false;
        } catch (ExecutionException e) {
            return type.isInstance(e.getCause());
        } catch (Exception e) {
            return false;
        }
    }

    private static String stackText(Throwable t) {
        StringWriter out = new StringWriter();
        t.printStackTrace(new PrintWriter(out));
        return out.toString();
    }
}
