package io.github.mooring.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.mooring.testkit.PodRuntime;
import io.github.mooring.testkit.RedisPod;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.Sentinels;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;
import io.github.mooring.testkit.WriteCheck;
import io.github.mooring.topology.Node;
import io.github.mooring.topology.TopologyEvent;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.internal.HostAndPort;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
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
     * The connections moved along Sentinel's failovers only, never back: the last move went to the final master and
     * came from Sentinel, by its message ({@code SENTINEL}) or by its {@code CLIENT KILL} on the pods ({@code
     * SUSPICION}: the probe's closed connections start a round at once), and no move went to a master an earlier move
     * had left (in CI's boot-4.0 step a round started by the promoted pod's readiness flap moved back to the old master
     * for 250 ms, until {@code MasterElection} put Sentinel's failover before readiness). One failover, one move.
     */
    static void assertMovedBySentinel(FailoverRun run, FailoverRun.Result result) {
        List<TopologyEvent.MasterChanged> moves = moves(run.mooring);
        assertThat(moves).last().satisfies(change -> {
            assertThat(change.master().address()).isEqualTo(result.finalMaster().address());
            assertThat(change.trigger()).isIn(TopologyEvent.Trigger.SENTINEL, TopologyEvent.Trigger.SUSPICION);
        });
        assertNeverMovedBack(moves);
        if (result.failovers() == 1) {
            assertThat(moves).as("one failover, one move: %s", describe(moves)).hasSize(1);
        }
    }

    /** Every {@code MasterChanged} from one master to another (not the first master found). */
    static List<TopologyEvent.MasterChanged> moves(MooringFixture mooring) {
        return mooring.events(TopologyEvent.MasterChanged.class).stream()
                .filter(change -> change.previous().isPresent())
                .toList();
    }

    /** The moves as a timeline: the trigger and reason of each. */
    static String describe(List<TopologyEvent.MasterChanged> moves) {
        return moves.stream()
                .map(move -> move.trigger() + ": " + move.reason())
                .collect(Collectors.joining(" | ", "[", "]"));
    }

    /** No move went to a master that an earlier move had left. */
    static void assertNeverMovedBack(List<TopologyEvent.MasterChanged> moves) {
        Set<String> left = new HashSet<>();
        for (TopologyEvent.MasterChanged move : moves) {
            assertThat(left)
                    .as("moved back to %s: %s", move.master().displayName(), describe(moves))
                    .doesNotContain(move.master().address());
            move.previous().ifPresent(previous -> left.add(previous.address()));
        }
    }

    /**
     * While Sentinel's failover promotes a replica, a round started by an endpoint change never moves the connections
     * back to the old master because the promoted pod is not ready for a moment (Sentinel's {@code CLIENT KILL} on it
     * can fail its readiness probe, as in CI's boot-4.0 step). Sentinel 0 runs the planned failover ({@code SENTINEL
     * FAILOVER} makes the Sentinel asked the failover's leader, and only the leader announces the promotion); it is
     * frozen the moment the promoted replica answers as master, so that the Sentinels still name the old master while
     * the promoted pod fails its readiness probe and a round runs on that change; then it is thawed, well within the
     * 2 s that would put it in TILT mode, and goes on to its switch. Exactly one move, old master to promoted replica.
     * Before the fix: three (to the promoted replica, back to the old master by "ready endpoint", forward again).
     */
    @Test
    void aReadinessFlapOfThePromotedPodNeverMovesBackToTheOldMaster(SimulatedNamespace ns) {
        RedisStatefulSet redis =
                ns.redis("redis").runtime(PodRuntime.processes()).start();
        Sentinels sentinels = ns.sentinels(redis)
                .downAfter(Duration.ofSeconds(5))
                .failoverTimeout(Duration.ofSeconds(10))
                .start();
        sentinels.awaitReady(FailoverRun.SETTLE);
        RedisPod old = redis.pod(0);
        try (MooringFixture mooring =
                new MooringFixture(ns, redis, options -> options.probeInterval(Duration.ofSeconds(30)))) {
            await().atMost(FailoverRun.SETTLE).until(() -> isMaster(mooring, old));
            awaitListening(sentinels, "Mooring listens to every Sentinel's events");

            sentinels.failover();
            RedisPod promoted = awaitPromotedReplica(redis, old);
            sentinels.freeze(0);
            try {
                // The round Sentinel's CLIENT KILL on the promoted replica starts finds it master.
                await().alias("Mooring follows the replica Sentinel's failover promotes")
                        .atMost(Duration.ofSeconds(5))
                        .until(() -> isMaster(mooring, promoted));
                promoted.failReadiness();
                await().alias("a round saw the promoted pod not ready")
                        .atMost(Duration.ofSeconds(5))
                        .until(() -> probedAsReady(mooring, promoted).equals(Optional.of(false)));
            } finally {
                promoted.passReadiness();
                sentinels.thaw(0);
            }
            await().alias("the Sentinels switch to the promoted replica, Mooring follows")
                    .atMost(FailoverRun.SETTLE)
                    .until(() -> sentinels.masterAddress().equals(Optional.of(promoted.address()))
                            && isMaster(mooring, promoted)
                            && probedAsReady(mooring, promoted).equals(Optional.of(true)));

            List<TopologyEvent.MasterChanged> moves = moves(mooring);
            System.out.printf("readiness flap during a Sentinel failover: %s%n", describe(moves));
            assertNeverMovedBack(moves);
            assertThat(moves)
                    .as("one failover, one move: %s", describe(moves))
                    .singleElement()
                    .satisfies(move -> {
                        assertThat(move.previous().map(Node::address)).contains(old.address());
                        assertThat(move.master().address()).isEqualTo(promoted.address());
                    });
        }
    }

    private static boolean isMaster(MooringFixture mooring, RedisPod pod) {
        return mooring.client
                .topology()
                .master()
                .map(master -> master.address().equals(pod.address()))
                .orElse(false);
    }

    /** Whether the last round probed {@code pod}'s endpoint as ready; empty when it did not probe it. */
    private static Optional<Boolean> probedAsReady(MooringFixture mooring, RedisPod pod) {
        return mooring.client.topology().reports().stream()
                .filter(report -> report.endpoint().address().equals(pod.address()))
                .map(report -> report.endpoint().ready())
                .findFirst();
    }

    /** The replica that answers as master first, asked as often as a loopback round trip allows. */
    private static RedisPod awaitPromotedReplica(RedisStatefulSet redis, RedisPod old) {
        long deadline = System.nanoTime() + FailoverRun.SETTLE.toNanos();
        while (System.nanoTime() - deadline < 0) {
            for (RedisPod pod : redis.pods()) {
                if (pod != old && answersAsMaster(pod)) {
                    return pod;
                }
            }
        }
        throw new AssertionError("no replica of " + redis + " answered as master within " + FailoverRun.SETTLE);
    }

    private static boolean answersAsMaster(RedisPod pod) {
        try {
            return "master".equals(pod.role());
        } catch (RuntimeException closed) { // Sentinel's CLIENT KILL may close the connection of the question
            return false;
        }
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
