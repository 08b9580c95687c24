package io.github.mooring.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.mooring.testkit.PodRuntime;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;
import io.github.mooring.testkit.WriteCheck;
import io.github.mooring.topology.TopologyEvent;
import java.time.Duration;
import java.util.Map;
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

            FailoverRun.Result result = run.disruptAndRecover();

            for (LedgerWriter writer : result.checks().keySet()) {
                WriteCheck check = result.check(writer);
                System.out.printf("SENTINEL FAILOVER, %d failover(s): %s%n  %s%n", result.failovers(), writer, check);
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
            // Probes come every 30 s: the move came from Sentinel (a suspicion, if the old master's connection was
            // cut first, names the round only when no Sentinel message had started one).
            assertThat(run.mooring.events(TopologyEvent.MasterChanged.class))
                    .last()
                    .satisfies(change -> {
                        assertThat(change.master().address())
                                .isEqualTo(result.finalMaster().address());
                        assertThat(change.trigger()).isEqualTo(TopologyEvent.Trigger.SENTINEL);
                    });
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

    /** An application runs long before a failover: Mooring has found every Sentinel (one hello, 2 s) by then. */
    private static void awaitListening(FailoverRun run) {
        await().alias("Mooring listens to every Sentinel's events")
                .atMost(FailoverRun.SETTLE)
                .until(() -> IntStream.range(0, run.sentinels.addresses().size())
                        .allMatch(i -> String.valueOf(run.sentinels.command(i, "CLIENT", "LIST"))
                                .contains("name=mooring-sentinel-events")));
    }
}
