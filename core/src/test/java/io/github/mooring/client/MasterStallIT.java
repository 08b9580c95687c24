package io.github.mooring.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.github.mooring.MooringOptions;
import io.github.mooring.exceptions.CommandFateUnknownException;
import io.github.mooring.testing.PodRuntimes;
import io.github.mooring.testkit.PodRuntime;
import io.github.mooring.testkit.RedisPod;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;
import io.github.mooring.testkit.WriteCheck;
import io.github.mooring.topology.NoMasterException;
import io.github.mooring.topology.TopologyEvent;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.event.command.CommandListener;
import io.lettuce.core.event.command.CommandStartedEvent;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A short stall of the master (a GC pause, CPU throttling, a frozen node: SIGSTOP of a process, {@code docker pause}
 * of a container) while no other master is elected, with a synchronous writer (500 writes a second) and two
 * pipelining ones (bursts of 250 every 100 ms; 10 every 4 ms), each checked on the master at the end by its
 * {@link io.github.mooring.testkit.WriteLedger}: every write applied in issue order, nothing acknowledged lost, nothing
 * applied twice. Each at both probe paces ({@link Pace}): how the stall is noticed must not depend on the monitor
 * happening to probe at the fast pace.
 */
@ExtendWith(SimulatedNamespaceExtension.class)
class MasterStallIT {

    private static final Duration SETTLE = Duration.ofSeconds(45);

    /** The monitor's pace when the master freezes, and what else could tell it. */
    enum Pace {
        /**
         * The defaults: the writers start within {@code calmAfter} (10 s) of the first round, so the monitor still
         * probes every {@code probeInterval} and its next round finds the frozen master; and the testkit's readiness
         * probe (every 200 ms, one failure) takes the frozen pod out of the endpoints within a second, an event.
         */
        FAST(b -> b, pods -> pods),
        /**
         * Calm from the start ({@code calmAfter} 0) with a heartbeat 5 minutes apart, so no round runs by itself while
         * the master is frozen; the commands' timeout (60 s) is far away; and the pods have Kubernetes' default
         * readiness probe (every 10 s, timeout 1 s, 3 failures), so the frozen pod stays an endpoint for about 30 s,
         * as on a real cluster. Only the connections' overdue replies ({@code OverdueRules}) can make the monitor look.
         */
        CALM(
                b -> b.calmAfter(Duration.ZERO).calmProbeInterval(Duration.ofMinutes(5)),
                pods -> pods.readinessPeriod(Duration.ofSeconds(10))
                        .readinessTimeout(Duration.ofSeconds(1))
                        .readinessFailureThreshold(3));

        final UnaryOperator<MooringOptions.Builder> settings;
        final UnaryOperator<RedisStatefulSet.Builder> pods;

        Pace(UnaryOperator<MooringOptions.Builder> settings, UnaryOperator<RedisStatefulSet.Builder> pods) {
            this.settings = settings;
            this.pods = pods;
        }
    }

    static Stream<Arguments> pacesOnBothRuntimes() {
        return PodRuntimes.everyOnBoth((Object[]) Pace.values());
    }

    /**
     * Frozen 3 s, well inside the failover wait (default 30 s): commands issued once the stall is noticed wait in
     * their connection's hold queue instead of going into the frozen socket, and those already written complete when
     * the node answers again. The application sees no error at all; every write issued is acknowledged and applied
     * exactly once, in order. Once the stall is noticed, what the writers issue is held: it leaves no connection until
     * the thaw.
     */
    @ParameterizedTest(name = "{0} pace on {1}")
    @MethodSource("pacesOnBothRuntimes")
    void aStallShorterThanTheFailoverWaitCostsNoError(Pace pace, PodRuntime runtime, SimulatedNamespace ns) {
        RedisStatefulSet redis =
                pace.pods.apply(ns.redis("redis").runtime(runtime)).start();
        try (Stall stall = new Stall(ns, redis, pace.settings)) {
            stall.freezeFor(Duration.ofSeconds(3));

            Map<LedgerWriter, WriteCheck> checks = stall.checks("3 s stall, " + pace + " pace, on " + runtime);
            for (LedgerWriter writer : stall.writers) {
                WriteCheck check = checks.get(writer);
                assertThat(check.holds()).as("%s", check).isTrue();
                assertThat(writer.fateUnknown.get()).as("%s", writer).isZero();
                assertThat(writer.otherFailures)
                        .as("errors, samples %s", writer.failureSamples)
                        .isEqualTo(Map.of());
                // Counter == acknowledged: every write issued was acknowledged, and the list holds each exactly once.
                assertThat(check.acknowledged()).as("%s", check).isEqualTo(check.issued());
            }
            assertThat(stall.pipelined.peakInFlight())
                    .as("writes in flight at once")
                    .isGreaterThanOrEqualTo(200);
            // The stall was noticed, and no other master existed at any time.
            assertThat(stall.eventsSinceFreeze(TopologyEvent.NoMaster.class)).isNotEmpty();
            // The hold was used: the writers kept issuing after the stall was noticed, and what they issued stayed in
            // the hold queues instead of going to Lettuce (at most a batch each that was on its way when it was
            // noticed).
            System.out.printf(
                    "3 s stall, %s pace, on %s: noticed after %d ms; from then to the thaw %d writes issued, %d left the"
                            + " hold queues%n",
                    pace, runtime, stall.noticedAfterMillis, stall.issuedWhileNoticed, stall.dispatchedWhileNoticed);
            assertThat(stall.issuedWhileNoticed)
                    .as("writes issued while the stall was known")
                    .isPositive();
            assertThat(stall.dispatchedWhileNoticed)
                    .as("commands that left the hold queues while the stall was known")
                    .isLessThanOrEqualTo(PipelinedLedgerWriter.BURST + 10 + 1);
            assertThat(stall.eventsSinceFreeze(TopologyEvent.MasterChanged.class))
                    .isEmpty();
        }
    }

    /**
     * Frozen 10 s with a failover wait of 5 s and no other master: the documented end. Commands written before the
     * stall was noticed stay on the wire until the connection is cut at {@code masterStallTimeout} (by default the
     * failover wait), then fail with {@link CommandFateUnknownException}; those held since fail with
     * {@link NoMasterException} after the failover wait, never sent. Nothing else; and once the node answers again,
     * writes go on.
     */
    @ParameterizedTest(name = "{0} pace on {1}")
    @MethodSource("pacesOnBothRuntimes")
    void aStallLongerThanTheFailoverWaitEndsInTheDocumentedExceptions(
            Pace pace, PodRuntime runtime, SimulatedNamespace ns) {
        RedisStatefulSet redis =
                pace.pods.apply(ns.redis("redis").runtime(runtime)).start();
        try (Stall stall = new Stall(ns, redis, b -> pace.settings.apply(b).failoverWait(Duration.ofSeconds(5)))) {
            stall.freezeFor(Duration.ofSeconds(10));

            Map<LedgerWriter, WriteCheck> checks = stall.checks("10 s stall, " + pace + " pace, on " + runtime);
            for (LedgerWriter writer : stall.writers) {
                WriteCheck check = checks.get(writer);
                assertThat(check.holds()).as("%s", check).isTrue();
                // Only what was written and unanswered when the connection was cut has an unknown fate.
                assertThat(writer.lossesWithMoreFateUnknownThanUnanswered())
                        .as("%s", writer)
                        .isEmpty();
                assertThat(writer.otherFailures.keySet())
                        .as("errors other than fate-unknown, samples %s", writer.failureSamples)
                        .isSubsetOf(NoMasterException.class.getSimpleName());
            }
            // The synchronous writer had one write on the wire when the connection was cut, and its next one waited
            // for the master.
            assertThat(stall.sync.fateUnknown.get()).as("%s", stall.sync).isLessThanOrEqualTo(1);
            // The pipelining writer had a burst on the wire (fate unknown at the cut) and kept issuing: those waited
            // the failover wait and were never sent.
            assertThat(stall.pipelined.fateUnknown.get())
                    .as("%s", stall.pipelined)
                    .isPositive();
            assertThat(stall.pipelined.otherFailures).as("%s", stall.pipelined).containsKey("NoMasterException");
            assertThat(stall.eventsSinceFreeze(TopologyEvent.MasterChanged.class))
                    .isEmpty();
        }
    }

    /**
     * A command written to the master that does not answer within the command's timeout may still be applied: the
     * application hears {@link CommandFateUnknownException}, with Lettuce's timeout as its cause, not a plain timeout.
     * Here it is applied after the thaw.
     */
    @Test
    void aWrittenCommandThatTimesOutHasAnUnknownFate(SimulatedNamespace ns) throws Exception {
        RedisStatefulSet redis = ns.redis("redis").start();
        RedisURI uri = RedisURI.builder()
                .withHost("redis")
                .withTimeout(Duration.ofMillis(500))
                .build();
        try (MooringFixture mooring = new MooringFixture(ns, redis, b -> b.redisUri(uri))) {
            StatefulRedisConnection<String, String> connection = mooring.client.connect();
            connection.sync().set("n", "0");

            redis.pod(0).freeze();
            RedisFuture<Long> write = connection.async().incr("n"); // written at once: the freeze is not noticed yet
            Throwable failure = catchThrowable(() -> write.get(SETTLE.toSeconds(), TimeUnit.SECONDS));
            redis.pod(0).thaw();

            assertThat(failure).isInstanceOf(java.util.concurrent.ExecutionException.class);
            assertThat(failure.getCause())
                    .isInstanceOf(CommandFateUnknownException.class)
                    .hasCauseInstanceOf(RedisCommandTimeoutException.class)
                    .hasMessageContaining("INCR was sent to " + redis.pod(0).address())
                    .hasMessageContaining("did not answer within the command's timeout");
            // Its fate was unknown indeed: the node applied it when it came back.
            await().atMost(SETTLE)
                    .ignoreExceptions() // a read held until the stall is over may time out (500 ms) meanwhile
                    .untilAsserted(() -> assertThat(connection.sync().get("n")).isEqualTo("1"));
        }
    }

    /**
     * A connection waiting on a blocking command is not a frozen master: a {@code BLPOP} that waits 3 s for data (three
     * probe timeouts), with a {@code GET} pipelined behind it, starts no probe round on a calm client (the probes'
     * {@code PUBSUB NUMSUB} on the master is not called), and both complete as usual.
     */
    @Test
    void aBlockingCommandIsNoStall(SimulatedNamespace ns) throws Exception {
        RedisStatefulSet redis = Pace.CALM.pods.apply(ns.redis("redis")).start();
        try (MooringFixture mooring = new MooringFixture(ns, redis, Pace.CALM.settings)) {
            StatefulRedisConnection<String, String> connection = mooring.client.connect();
            connection.sync().set("k", "v");
            long probesBefore = probeCalls(redis.pod(0));

            RedisFuture<KeyValue<String, String>> blocked = connection.async().blpop(3, "empty");
            RedisFuture<String> behind = connection.async().get("k");

            assertThat(blocked.get(SETTLE.toSeconds(), TimeUnit.SECONDS)).isNull(); // timed out on the server
            assertThat(behind.get(SETTLE.toSeconds(), TimeUnit.SECONDS)).isEqualTo("v");
            assertThat(probeCalls(redis.pod(0)))
                    .as("probe rounds while BLPOP waited")
                    .isEqualTo(probesBefore);
            assertThat(mooring.events(TopologyEvent.NoMaster.class)).isEmpty();
        }
    }

    /** {@code PUBSUB NUMSUB} calls on a pod: one per probe (Redis 7: {@code pubsub|numsub}; 6.2: {@code pubsub}). */
    private static long probeCalls(RedisPod pod) {
        return pod.info("commandstats").entrySet().stream()
                .filter(e -> e.getKey().startsWith("cmdstat_pubsub"))
                .mapToLong(e -> Long.parseLong(e.getValue().split(",")[0].substring("calls=".length())))
                .sum();
    }

    /** A group, a client, and the three writers on connections of their own. */
    private static final class Stall implements AutoCloseable {

        final RedisStatefulSet redis;
        final MooringFixture mooring;
        final SyncLedgerWriter sync;
        final PipelinedLedgerWriter pipelined;
        final PipelinedLedgerWriter stream;
        final List<LedgerWriter> writers;
        private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        private volatile int eventsBeforeFreeze;
        /** Commands that left the writers' hold queues for Lettuce (a command listener sits behind them). */
        private final AtomicLong dispatched = new AtomicLong();

        long noticedAfterMillis;
        /** From the moment the stall was known to the thaw: writes issued, and commands that went to Lettuce. */
        long issuedWhileNoticed;

        long dispatchedWhileNoticed;

        Stall(SimulatedNamespace ns, RedisStatefulSet redis, UnaryOperator<MooringOptions.Builder> settings) {
            this.redis = redis;
            this.mooring = new MooringFixture(ns, redis, settings);
            // Lettuce puts its command listener writer behind the one Mooring wraps around it: it sees what leaves
            // the hold queues, not what the application issues.
            mooring.client.redisClient().addListener(new CommandListener() {
                @Override
                public void commandStarted(CommandStartedEvent event) {
                    dispatched.incrementAndGet();
                }
            });
            this.sync = new SyncLedgerWriter("sync", mooring.client.connect(), 500);
            this.pipelined = PipelinedLedgerWriter.bursts("bursts", mooring.client.connect());
            this.stream = PipelinedLedgerWriter.stream("stream", mooring.client.connect());
            this.writers = List.of(sync, pipelined, stream);
        }

        /**
         * Freezes the master for {@code length} (the scenario itself, timed by a scheduled thaw), waits until each
         * writer has two seconds' worth of acknowledgements after the thaw, stops them, and waits for every outcome.
         */
        void freezeFor(Duration length) {
            for (LedgerWriter writer : writers) {
                await().atMost(SETTLE).until(() -> writer.acknowledged.get() >= writer.targetOpsPerSecond);
            }
            RedisPod master = redis.pod(0);
            eventsBeforeFreeze = mooring.events.size();
            var thawed = new java.util.concurrent.CompletableFuture<Void>();
            long[] atThaw = new long[2];
            long[] frozenAt = new long[1];
            // Frozen right before a burst is flushed: that whole burst is on its way into the frozen socket.
            pipelined
                    .beforeNextFlush(() -> {
                        master.freeze();
                        frozenAt[0] = System.nanoTime();
                        timer.schedule(
                                () -> {
                                    atThaw[0] = issued();
                                    atThaw[1] = dispatched.get();
                                    master.thaw();
                                    thawed.complete(null);
                                },
                                length.toMillis(),
                                TimeUnit.MILLISECONDS);
                    })
                    .orTimeout(SETTLE.toSeconds(), TimeUnit.SECONDS)
                    .join();
            // The stall must be noticed while it lasts, or this would test nothing. Listeners hear NoMaster after the
            // connections took the topology (and hold).
            await().alias("the monitor notices the stall")
                    .atMost(length)
                    .until(() ->
                            !eventsSinceFreeze(TopologyEvent.NoMaster.class).isEmpty());
            long issuedAtNotice = issued();
            long dispatchedAtNotice = dispatched.get();
            noticedAfterMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - frozenAt[0]);
            thawed.orTimeout(SETTLE.toSeconds(), TimeUnit.SECONDS).join();
            issuedWhileNoticed = atThaw[0] - issuedAtNotice;
            dispatchedWhileNoticed = atThaw[1] - dispatchedAtNotice;
            for (LedgerWriter writer : writers) {
                long ackedAtThaw = writer.acknowledged.get();
                await().atMost(SETTLE)
                        .until(() -> writer.acknowledged.get() >= ackedAtThaw + 2 * writer.targetOpsPerSecond);
            }
            writers.forEach(LedgerWriter::stop);
            for (LedgerWriter writer : writers) {
                await().alias(writer.ledger.name() + " settles").atMost(SETTLE).until(() -> writer.pending() == 0);
            }
        }

        private long issued() {
            return writers.stream().mapToLong(w -> w.ledger.issued()).sum();
        }

        <T extends TopologyEvent> List<T> eventsSinceFreeze(Class<T> type) {
            return mooring.events.subList(eventsBeforeFreeze, mooring.events.size()).stream()
                    .filter(type::isInstance)
                    .map(type::cast)
                    .toList();
        }

        /** Each writer's history checked on the master, printed (all of them, before any assertion). */
        Map<LedgerWriter, WriteCheck> checks(String what) {
            Map<LedgerWriter, WriteCheck> checks = new java.util.LinkedHashMap<>();
            for (LedgerWriter writer : writers) {
                WriteCheck check = writer.check(redis.pod(0));
                System.out.printf("%s: %s%n  %s%n", what, writer, check);
                checks.put(writer, check);
            }
            return checks;
        }

        @Override
        public void close() {
            timer.shutdownNow();
            redis.pod(0).thaw();
            writers.forEach(LedgerWriter::close);
            mooring.close();
        }
    }
}
