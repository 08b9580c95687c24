package io.github.mooring.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.mooring.testkit.PodRuntime;
import io.github.mooring.testkit.Sentinels;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;
import io.github.mooring.testkit.WriteCheck;
import io.github.mooring.topology.TopologyEvent;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.internal.HostAndPort;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Mooring follows the Sentinels in real time: with a probe interval far longer than the whole failover (30 s), only
 * Sentinel's own messages can move the writes, so the test shows they do. A planned {@code SENTINEL FAILOVER} under a
 * synchronous writer and a pipelining one (hundreds in flight): new writes wait from Sentinel's {@code +try-failover}
 * until its switch, so what the old master acknowledged after the promotion, lost to replication, is at most what
 * was in flight then; every write still applied in order, none twice.
 */
@ExtendWith(SimulatedNamespaceExtension.class)
class SentinelEventsIT {

    /** The target at 1,500 writes a second: what is in flight at the switch, no more. */
    private static final long MOST_LOST_PER_FAILOVER = 50;

    @Test
    void plannedSentinelFailoverLosesAtMostWhatWasInFlight(SimulatedNamespace ns) {
        try (FailoverRun run = new FailoverRun(
                ns,
                Disruption.SENTINEL_FAILOVER_COMMAND,
                PodRuntime.processes(),
                options -> options.probeInterval(Duration.ofSeconds(30)))) {
            SyncLedgerWriter sync = run.writer(c -> new SyncLedgerWriter("sync", c, 500));
            PipelinedLedgerWriter stream = run.writer(c -> PipelinedLedgerWriter.stream("stream", c));
            awaitListening(run);
            FailoverRun.Result result;
            Map<String, Long> heard;
            try (SentinelEvents sentinelEvents = new SentinelEvents(run, "+promoted-slave", sync, stream)) {
                result = run.disruptAndRecover();
                heard = sentinelEvents.heardNanos;
            }

            assertLostAtMostWhatWasInFlight("SENTINEL FAILOVER", result, sync, stream);
            // Probes come every 30 s: the move came from Sentinel, by its message (SENTINEL) or by what it does to the
            // pods (SUSPICION: its CLIENT KILL closes the probe's connections, and the round that starts at once may
            // see the promoted replica before Sentinel's hello arrives).
            assertMovedBySentinel(run, result);
            // A timeline from Sentinel's promotion (+promoted-slave: the promoted replica reports master), as this
            // test heard the Sentinels: Mooring's MasterChanged (at its listener), each writer's first write
            // acknowledged after the promotion (writes wait from +try-failover, so the new master acknowledged it),
            // and Sentinel's +switch-master. Numbers, not assertions: this machine's CPU is shared.
            TopologyEvent.MasterChanged moved = last(run.mooring.events(TopologyEvent.MasterChanged.class));
            long promoted = heard.getOrDefault("+promoted-slave", 0L);
            assertThat(promoted).as("+promoted-slave heard").isPositive();
            System.out.printf(
                    "from +promoted-slave: MasterChanged (%s, detection %.1f ms) %.1f ms, first ack sync %.1f ms,"
                            + " stream %.1f ms, +switch-master %.1f ms%n",
                    moved.trigger(),
                    moved.detection().toNanos() / 1e6,
                    millis(run.mooring.heardNanos.get(moved) - promoted),
                    millis(sync.firstAckAfterMark() - promoted),
                    millis(stream.firstAckAfterMark() - promoted),
                    millis(heard.getOrDefault("+switch-master", promoted) - promoted));
        }
    }

    /**
     * Without the failover hold, the probes find the promoted replica (Sentinel's {@code CLIENT KILL} starts a round)
     * before the Sentinels name it: writes wait on it while they still name the old master, and go out once the
     * failover's leader names it ({@code +promoted-slave}), within the failover wait (5 s here), in order, none lost
     * or applied twice. Before, nothing released them at that message, only a later change of the topology: here the
     * other replica's reconfiguration comes soon enough, but in the benchmark's manual failover (3 pods with AOF)
     * Mooring was not writing 5.6 s later.
     */
    @Test
    void writesWaitingForTheSentinelsGoOutWhenTheyNameThePromotedReplica(SimulatedNamespace ns) {
        try (FailoverRun run = new FailoverRun(
                ns,
                Disruption.SENTINEL_FAILOVER_COMMAND,
                PodRuntime.processes(),
                options -> options.sentinelFailoverHold(Duration.ZERO)
                        .failoverWait(Duration.ofSeconds(5))
                        .startupWait(Duration.ofSeconds(30)))) {
            SyncLedgerWriter sync = run.writer(c -> new SyncLedgerWriter("sync", c, 500));
            PipelinedLedgerWriter stream = run.writer(c -> PipelinedLedgerWriter.stream("stream", c));
            awaitListening(run);

            FailoverRun.Result result = run.disruptAndRecover();

            for (LedgerWriter writer : List.of(sync, stream)) {
                WriteCheck check = result.check(writer);
                System.out.printf("no failover hold: %s%n  %s%n", writer, check);
                assertThat(check.holds()).as("%s", check).isTrue();
                assertThat(writer.otherFailures)
                        .as("errors other than fate-unknown, samples %s", writer.failureSamples)
                        .isEqualTo(Map.of());
            }
        }
    }

    /**
     * The restart race (down-after 1 s, the master's container back after 1 s): once a Sentinel names the promoted
     * replica, nothing is written to the old master back at its IP, so nothing acknowledged is lost to it beyond what
     * was in flight.
     */
    @Test
    void restartRaceLosesNothingToTheOldMaster(SimulatedNamespace ns) {
        try (FailoverRun run = new FailoverRun(
                ns, Disruption.SENTINELS_1S_CONTAINER_RESTARTED, PodRuntime.processes(), options -> options)) {
            SyncLedgerWriter sync = run.writer(c -> new SyncLedgerWriter("sync", c, 500));
            PipelinedLedgerWriter stream = run.writer(c -> PipelinedLedgerWriter.stream("stream", c));
            awaitListening(run);

            FailoverRun.Result result = run.disruptAndRecover();

            for (LedgerWriter writer : result.checks().keySet()) {
                WriteCheck check = result.check(writer);
                System.out.printf("restart race, %d failover(s): %s%n  %s%n", result.failovers(), writer, check);
                assertThat(check.holds()).as("%s", check).isTrue();
                assertThat(check.lostToReplication())
                        .as("acknowledged writes lost over %d failover(s): %s", result.failovers(), check)
                        .isLessThanOrEqualTo(MOST_LOST_PER_FAILOVER * Math.max(1, result.failovers()));
            }
            assertThat(sync.fateUnknown.get()).isLessThanOrEqualTo(Math.max(1, result.failovers()));
            assertThat(stream.fateUnknown.get()).isLessThanOrEqualTo(PipelinedLedgerWriter.BURST);
        }
    }

    /**
     * The last move went to the final master, and the first move there came from Sentinel: by its message ({@code
     * SENTINEL}) or by its {@code CLIENT KILL} on the pods ({@code SUSPICION}: the probe's closed connections start a
     * round at once). Not the last move's trigger: a round started by an endpoint change may move back and forth once
     * while the promoted pod's readiness flaps (seen in CI's boot-4.0 step: writes held throughout, nothing lost).
     */
    static void assertMovedBySentinel(FailoverRun run, FailoverRun.Result result) {
        List<TopologyEvent.MasterChanged> moves = run.mooring.events(TopologyEvent.MasterChanged.class);
        assertThat(moves)
                .last()
                .satisfies(change -> assertThat(change.master().address())
                        .isEqualTo(result.finalMaster().address()));
        assertThat(moves)
                .filteredOn(change ->
                        change.master().address().equals(result.finalMaster().address()))
                .first()
                .satisfies(change -> assertThat(change.trigger())
                        .isIn(TopologyEvent.Trigger.SENTINEL, TopologyEvent.Trigger.SUSPICION));
    }

    /**
     * Each writer's invariant holds, no error but fate-unknown ones (at most one per failover for the synchronous
     * writer, one burst for the pipelining one), and what replication lost is at most what was in flight.
     */
    static void assertLostAtMostWhatWasInFlight(
            String disruption, FailoverRun.Result result, SyncLedgerWriter sync, PipelinedLedgerWriter stream) {
        for (LedgerWriter writer : List.of(sync, stream)) {
            WriteCheck check = result.check(writer);
            System.out.printf("%s, %d failover(s): %s%n  %s%n", disruption, result.failovers(), writer, check);
            assertThat(check.holds()).as("%s", check).isTrue();
            assertThat(writer.otherFailures)
                    .as("errors other than fate-unknown, samples %s", writer.failureSamples)
                    .isEqualTo(Map.of());
            assertThat(check.lostToReplication())
                    .as("acknowledged writes lost over %d failover(s): %s", result.failovers(), check)
                    .isLessThanOrEqualTo(MOST_LOST_PER_FAILOVER * Math.max(1, result.failovers()));
        }
        assertThat(sync.fateUnknown.get()).isLessThanOrEqualTo(Math.max(1, result.failovers()));
        assertThat(stream.fateUnknown.get()).isLessThanOrEqualTo(PipelinedLedgerWriter.BURST);
    }

    private static <T> T last(List<T> list) {
        return list.get(list.size() - 1);
    }

    private static double millis(long nanos) {
        return nanos / 1e6;
    }

    /**
     * This test's own subscription to every Sentinel's events: when each kind was first heard, and the writers marked
     * when {@code markAt} is.
     */
    private static final class SentinelEvents implements AutoCloseable {
        final Map<String, Long> heardNanos = new ConcurrentHashMap<>();
        private final RedisClient client = RedisClient.create();
        private final List<StatefulRedisPubSubConnection<String, String>> connections = new ArrayList<>();

        SentinelEvents(FailoverRun run, String markAt, LedgerWriter... writers) {
            for (String address : run.sentinels.addresses()) {
                HostAndPort sentinel = HostAndPort.parse(address);
                StatefulRedisPubSubConnection<String, String> connection =
                        client.connectPubSub(RedisURI.create(sentinel.getHostText(), sentinel.getPort()));
                connection.addListener(new RedisPubSubAdapter<>() {
                    @Override
                    public void message(String pattern, String channel, String message) {
                        long now = System.nanoTime();
                        if (heardNanos.putIfAbsent(channel, now) == null && channel.equals(markAt)) {
                            for (LedgerWriter writer : writers) {
                                writer.mark(now);
                            }
                        }
                    }
                });
                connection.sync().psubscribe("*");
                connections.add(connection);
            }
        }

        @Override
        public void close() {
            connections.forEach(StatefulRedisPubSubConnection::close);
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    /** An application runs long before a failover: Mooring has found every Sentinel (one hello, 2 s) by then. */
    private static void awaitListening(FailoverRun run) {
        awaitListening(run.sentinels, "Mooring listens to every Sentinel's events");
    }

    /** Every Sentinel, at its own address, has an event subscription from Mooring. */
    static void awaitListening(Sentinels sentinels, String alias) {
        await().alias(alias)
                .atMost(FailoverRun.SETTLE)
                .until(() -> IntStream.range(0, sentinels.addresses().size())
                        .allMatch(i -> String.valueOf(sentinels.command(i, "CLIENT", "LIST"))
                                .contains("name=mooring-sentinel-events")));
    }
}
