package io.github.mooring.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.mooring.benchmarks.ClusterOutcome.LedgerTally;
import io.github.mooring.benchmarks.ClusterOutcome.Shard;
import io.github.mooring.exceptions.CommandFateUnknownException;
import io.github.mooring.testkit.WriteLedger;
import io.lettuce.core.RedisCommandTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cluster benchmark's arithmetic and bookkeeping, on made-up timelines and an in-memory "cluster": no timing. */
class ClusterReportTest {

    private static final long MS = 1_000_000;

    // ------------------------------------------------------------------ windows

    @Test
    void theWindowRunsFromTheLastAcknowledgementBeforeTheDisruptionToTheFirstAfterTheOutage() {
        long[] acks = {100 * MS, 110 * MS, 120 * MS, 900 * MS, 910 * MS, 2_000 * MS};
        double[] window = ClusterOutcome.window(acks, 115 * MS, 2_010 * MS);

        assertThat(window[0])
                .as("1,090 ms: 910 -> 2,000, longer than 110 -> 900")
                .isEqualTo(1_090.0);
        assertThat(window[1]).as("not censored").isZero();
    }

    @Test
    void anOutageStillGoingOnAtTheEndIsCensoredAtItsLengthSoFar() {
        long[] acks = {100 * MS, 110 * MS};
        double[] window = ClusterOutcome.window(acks, 105 * MS, 5_110 * MS);

        assertThat(window).containsExactly(5_000.0, 1.0);
    }

    @Test
    void aShortQuietTailIsNoOutageAndAWriterThatNeverWroteBeforeHasNoWindow() {
        long[] acks = {100 * MS, 400 * MS, 450 * MS};
        assertThat(ClusterOutcome.window(acks, 100 * MS, 600 * MS))
                .as("a 150 ms tail is under the 200 ms of an open outage")
                .containsExactly(300.0, 0.0);
        assertThat(ClusterOutcome.window(acks, 99 * MS, 600 * MS)[0]).isNaN();
        assertThat(ClusterOutcome.window(new long[0], 99 * MS, 600 * MS)[0]).isNaN();
    }

    @Test
    void afterWritableIsTheFirstAcknowledgementAtOrAfterTheMomentTheSlotsTookAWrite() {
        long[] acks = {100 * MS, 200 * MS, 260 * MS, 300 * MS};

        assertThat(ClusterOutcome.afterWritable(acks, 250 * MS, 400 * MS)).isEqualTo(10.0);
        assertThat(ClusterOutcome.afterWritable(acks, 260 * MS, 400 * MS)).isZero();
        assertThat(ClusterOutcome.afterWritable(acks, 301 * MS, 400 * MS))
                .as("nothing after")
                .isNaN();
        assertThat(ClusterOutcome.afterWritable(acks, 250 * MS, 255 * MS))
                .as("only after the end of the observation")
                .isNaN();
        assertThat(ClusterOutcome.afterWritable(acks, 0, 400 * MS))
                .as("never writable")
                .isNaN();
    }

    @Test
    void theWorstShardIsTheDisruptedOneStillDownElseTheLongestWindow() {
        ClusterOutcome outcome = outcome(
                1,
                List.of(
                        new Shard(0, true, 2_500, 3_000, false, 40),
                        new Shard(1, true, 2_600, 2_000, true, Double.NaN),
                        new Shard(2, false, Double.NaN, 9_000, false, Double.NaN)),
                0,
                tally(0, 0));

        assertThat(outcome.worst().shard())
                .as("censored ranks first; shard 2 was not disrupted")
                .isEqualTo(1);
        assertThat(outcome.afterWritableMs()).isEqualTo(40.0);
        assertThat(outcome(1, List.of(new Shard(0, false, Double.NaN, 5, false, Double.NaN)), 0, tally(0, 0))
                        .worst())
                .isNull();
    }

    // ------------------------------------------------------------------ ledgers

    @Test
    void theTallyCountsAcknowledgedWritesLostAndFailedWritesApplied() {
        WriteLedger ledger = WriteLedger.named("t");
        for (int i = 0; i < 8; i++) {
            ledger.next();
        }
        ledger.acknowledged(1); // log, applied
        ledger.acknowledged(2);
        ledger.acknowledged(3); // log, missing: lost
        ledger.acknowledged(4);
        ledger.failed(5); // log, reported failed, applied
        ledger.failed(6);
        ledger.fateUnknown(7); // log, of unknown fate, applied
        // 8 never settles

        LedgerTally tally = LedgerTally.of(List.of(ledger.check(List.of("1", "5", "7"), "4")));

        assertThat(tally)
                .isEqualTo(new LedgerTally(
                        4, // acknowledged
                        1, // lost
                        1, // applied though failed
                        1, // fate unknown
                        1, // of which applied
                        0, // applied twice
                        0, // out of order
                        1)); // not settled
    }

    @Test
    void onlyMooringsFateUnknownTellsTheApplicationTheWriteMayHaveBeenApplied() {
        var unknown = new CommandFateUnknownException("SET", "10.0.0.1:6379", "connection lost");

        assertThat(ClusterWriter.fateUnknown(unknown)).isTrue();
        assertThat(ClusterWriter.fateUnknown(new CompletionException(unknown))).isTrue();
        assertThat(ClusterWriter.fateUnknown(new RedisCommandTimeoutException("timed out")))
                .as("a timeout tells the application the call failed")
                .isFalse();
    }

    /**
     * A writer against an in-memory cluster that applies every write, and reports every fourth as failed: the ledgers'
     * end check finds each of those applied, nothing lost, every acknowledgement timed on its shard.
     */
    @Test
    void aWriterSpreadsItsWritesOverItsLanesAndItsLedgersJudgeWhatTheClusterHolds() {
        for (boolean async : List.of(false, true)) {
            Map<String, List<String>> lists = new ConcurrentHashMap<>();
            Map<String, String> registers = new ConcurrentHashMap<>();
            AtomicLong calls = new AtomicLong();
            AtomicLong failedLogWrites = new AtomicLong();
            Map<String, Boolean> lastSetFailed = new ConcurrentHashMap<>();
            ClusterWriter.Calls cluster = new ClusterWriter.Calls() {
                @Override
                public void write(WriteLedger.Write write) {
                    if (apply(write)) {
                        throw new RedisCommandTimeoutException("reported failed, applied all the same");
                    }
                }

                @Override
                public CompletionStage<?> writeAsync(WriteLedger.Write write) {
                    return apply(write)
                            ? CompletableFuture.failedFuture(new RedisCommandTimeoutException("applied"))
                            : CompletableFuture.completedFuture("OK");
                }

                /** Applies the write; true when it is to be reported failed. */
                private boolean apply(WriteLedger.Write write) {
                    boolean fail = calls.incrementAndGet() % 4 == 0;
                    if (write.target() == WriteLedger.Target.LOG) {
                        lists.computeIfAbsent(write.key(), k -> new ArrayList<>())
                                .add(write.value());
                        failedLogWrites.addAndGet(fail ? 1 : 0);
                    } else {
                        registers.put(write.key(), write.value());
                        lastSetFailed.put(write.key(), fail);
                    }
                    return fail;
                }
            };
            List<ClusterWriter.Lane> lanes = List.of(
                    new ClusterWriter.Lane(0, WriteLedger.named("a")),
                    new ClusterWriter.Lane(1, WriteLedger.named("b")),
                    new ClusterWriter.Lane(0, WriteLedger.named("c")));
            ClusterWriter writer = new ClusterWriter("test", cluster, async, lanes, 2).start();
            while (calls.get() < 60) {
                LockSupport.parkNanos(MS);
            }
            writer.stop();

            LedgerTally tally = LedgerTally.of(lanes.stream()
                    .map(lane -> lane.ledger()
                            .check(
                                    lists.getOrDefault(lane.ledger().logKey(), List.of()),
                                    registers.get(lane.ledger().registerKey())))
                    .toList());
            ClusterWriter.Record record = writer.record();
            long failed = calls.get() / 4;
            assertThat(writer.pending()).isZero();
            assertThat(record.failureTimes()).as("async=%s", async).hasSize((int) failed);
            assertThat(record.failureKinds()).containsOnlyKeys("RedisCommandTimeoutException");
            assertThat(record.ackTimesByShard()[0].length + record.ackTimesByShard()[1].length)
                    .isEqualTo(calls.get() - failed);
            assertThat(record.ackTimesByShard()[0].length)
                    .as("shard 0 has two lanes of three")
                    .isGreaterThan(record.ackTimesByShard()[1].length);
            assertThat(tally.acknowledged()).isEqualTo(calls.get() - failed);
            assertThat(tally.lost()).isZero();
            assertThat(tally.appliedThoughFailed())
                    .as("every failed log write, and a register whose last SET was reported failed")
                    .isEqualTo(failedLogWrites.get()
                            + lastSetFailed.values().stream().filter(f -> f).count())
                    .isPositive();
            assertThat(tally.outOfOrder() + tally.appliedTwice() + tally.notSettled())
                    .isZero();
        }
    }

    // ------------------------------------------------------------------ report

    @Test
    void theReportShowsMediansAndRangesAndCountsTheRepetitionsWithoutAWriteAfterTheSlotsWereWritable() {
        List<ClusterOutcome> outcomes = List.of(
                outcome(1, List.of(new Shard(0, true, 2_600, 2_700, false, 40)), 3, tally(500, 0)),
                outcome(2, List.of(new Shard(0, true, 2_500, 3_100, false, 20)), 5, tally(400, 1)),
                outcome(3, List.of(new Shard(0, true, 2_550, 20_000, true, Double.NaN)), 900, tally(300, 0)));
        ClusterReport report = new ClusterReport(
                List.of(ClusterScenario.POD_REPLACED), outcomes, Map.of("command", "exec:java@cluster-failover"));

        ClusterReport.Summary summary =
                report.summaries().get(ClusterScenario.POD_REPLACED).get(0);

        assertThat(summary.reps()).isEqualTo(3);
        assertThat(ClusterReport.windowCell(summary.windows()))
                .isEqualTo("2.9 s [2.7 s–3.1 s]; 1 of 3 not back (> 20 s)");
        assertThat(ClusterReport.afterWritableCell(summary)).isEqualTo("30 ms [20 ms–40 ms]; 1 of 3: no write");
        assertThat(summary.ledger().acknowledged()).isEqualTo(1_200);
        assertThat(summary.ledger().appliedThoughFailed()).isEqualTo(1);
        assertThat(report.writableAgain(ClusterScenario.POD_REPLACED)).isEqualTo("2.6 s [2.5 s–2.6 s]");
        assertThat(report.markdown())
                .contains("## master pod replaced")
                .contains(
                        "| Mooring sync | 2.9 s [2.7 s–3.1 s]; 1 of 3 not back (> 20 s) | 30 ms [20 ms–40 ms]; 1 of 3:"
                                + " no write | 5 [3–900] | 1,200 | 0 | 1 | 0 (0) | 0 | RedisCommandTimeoutException 908 |");
        assertThat(report.repsCsv()).hasSize(1 + 3);
        assertThat(report.summaryCsv())
                .hasSize(2)
                .last()
                .asString()
                .startsWith("pod-replaced,Mooring,sync,3,3100.0,false,2700.0,20000.0,1,30.0,20.0,40.0,1,5.0,3.0,900.0,"
                        + "1200,0,1,");
    }

    @Test
    void repetitionsStillOutAtTheEndAreCountedApartFromTheMedianOfThoseBack() {
        Stats windows = new Stats();
        windows.add(900, false);
        windows.add(21_000, true);
        windows.add(20_000, true);
        Stats none = new Stats();
        none.add(23_000, true);
        none.add(20_400, true);

        assertThat(ClusterReport.windowCell(windows)).isEqualTo("900 ms; 2 of 3 not back (> 20 s)");
        assertThat(ClusterReport.windowCell(none)).isEqualTo("2 of 2 not back (> 20 s)");
        assertThat(ClusterReport.windowCell(new Stats())).isEqualTo("-");
    }

    @Test
    void theReportWritesItsTableCsvFilesAndChart(@TempDir Path dir) throws Exception {
        ClusterReport report = new ClusterReport(
                List.of(ClusterScenario.POD_REPLACED, ClusterScenario.CLUSTER_FAILOVER),
                List.of(outcome(1, List.of(new Shard(0, true, 2_600, 2_700, false, 40)), 3, tally(500, 0))),
                Map.of());

        report.write(dir);

        assertThat(dir.resolve("cluster-failover.md")).content().contains("## CLUSTER FAILOVER");
        assertThat(dir.resolve("cluster-failover-reps.csv")).hasContent(String.join("\n", report.repsCsv()));
        assertThat(dir.resolve("cluster-failover-summary.csv")).hasContent(String.join("\n", report.summaryCsv()));
        assertThat(Files.size(dir.resolve("cluster-failover.png"))).isPositive();
    }

    @Test
    void optionsHaveDefaultsAndNameWhatIsWrong() {
        var defaults = ClusterFailoverBenchmark.Options.parse();
        assertThat(defaults.reps()).isEqualTo(5);
        assertThat(defaults.scenarios()).containsExactly(ClusterScenario.values());
        assertThat(defaults.out().toString()).as("never the committed results").endsWith("target/cluster-failover");

        var chosen = ClusterFailoverBenchmark.Options.parse(
                "--reps=2", "--scenarios", "cluster-failover,pod-replaced", "--out", "/tmp/x");
        assertThat(chosen.reps()).isEqualTo(2);
        assertThat(chosen.scenarios()).containsExactly(ClusterScenario.CLUSTER_FAILOVER, ClusterScenario.POD_REPLACED);
        assertThat(chosen.out()).isEqualTo(Paths.get("/tmp/x"));

        assertThatThrownBy(() -> ClusterFailoverBenchmark.Options.parse("--reps", "0"))
                .hasMessage("--reps must be 1..100, was 0");
        assertThatThrownBy(() -> ClusterFailoverBenchmark.Options.parse("--scenarios", "restart"))
                .hasMessage("unknown scenario 'restart' in --scenarios; known: pod-replaced, cluster-failover,"
                        + " all-pods-replaced, pod-replaced-empty");
        assertThatThrownBy(() -> ClusterFailoverBenchmark.Options.parse("--runs", "3"))
                .hasMessage("unknown option --runs");
        assertThat(ClusterFailoverBenchmark.Options.usage()).contains("all-pods-replaced", "--reps N");
    }

    // ------------------------------------------------------------------ fixtures

    private static ClusterOutcome outcome(int rep, List<Shard> shards, int failures, LedgerTally ledger) {
        return new ClusterOutcome(
                ClusterScenario.POD_REPLACED,
                rep,
                "Mooring",
                "sync",
                shards,
                failures,
                Map.of("RedisCommandTimeoutException", failures),
                ledger);
    }

    private static LedgerTally tally(long acknowledged, long appliedThoughFailed) {
        return new LedgerTally(acknowledged, 0, appliedThoughFailed, 0, 0, 0, 0, 0);
    }
}
