package io.github.mooring.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;
import io.github.mooring.testkit.WriteCheck;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The ordering guarantee, measured: two pipelining writers, each 2,500 writes a second on a connection of its own (one
 * in bursts of 250, one in a near-continuous stream of 10 every 4 ms), through repeated runs of each failover that
 * replaces or demotes a master, each writer's history checked on the final master. Every run must hold the invariants;
 * the numbers per run and in total go to {@code core/target/failover-ordering.md}.
 * <p>
 * The normal build runs each scenario once. To measure:
 * <pre>mvn -B -pl core -am verify -Dtest=None -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dit.test=FailoverOrderingMeasurementIT -Dmooring.ordering.runs=10</pre>
 * ({@code -Dmooring.ordering.scenarios=SENTINEL_FAILOVER_COMMAND,...} picks scenarios.)
 */
@ExtendWith(SimulatedNamespaceExtension.class)
class FailoverOrderingMeasurementIT {

    private static final int RUNS = Integer.getInteger("mooring.ordering.runs", 1);
    private static final List<Disruption> SCENARIOS = scenarios(System.getProperty(
            "mooring.ordering.scenarios",
            "POD_REPLACED_WITH_NEW_IP,MANUAL_FAILOVER_BY_REPLICAOF,SENTINEL_FAILOVER_COMMAND,"
                    + "DEMOTED_BY_REPLICAOF_WHILE_WRITING"));

    /** One writer's numbers in one run. */
    record Row(
            Disruption disruption, int run, String writer, double opsPerSecond, long peakInFlight, WriteCheck check) {}

    private static final List<Row> ROWS = new CopyOnWriteArrayList<>();

    static Stream<Arguments> runs() {
        return SCENARIOS.stream().flatMap(d -> IntStream.rangeClosed(1, RUNS).mapToObj(run -> Arguments.of(d, run)));
    }

    @ParameterizedTest(name = "{0} run {1}")
    @MethodSource("runs")
    void pipelinedWritesKeepTheirOrder(Disruption disruption, int run, SimulatedNamespace ns) {
        try (FailoverRun failover = new FailoverRun(ns, disruption)) {
            PipelinedLedgerWriter bursts = failover.writer(c -> PipelinedLedgerWriter.bursts("bursts", c));
            PipelinedLedgerWriter stream = failover.writer(c -> PipelinedLedgerWriter.stream("stream", c));

            FailoverRun.Result result = failover.disruptAndRecover();

            for (PipelinedLedgerWriter writer : List.of(bursts, stream)) {
                WriteCheck check = result.check(writer);
                ROWS.add(new Row(
                        disruption, run, writer.ledger.name(), writer.opsPerSecond(), writer.peakInFlight(), check));
                assertThat(check.holds()).as("%s", check).isTrue();
                assertThat(writer.opsPerSecond()).as("writes a second").isGreaterThanOrEqualTo(2_000);
            }
            assertThat(bursts.peakInFlight()).as("writes in flight at once").isGreaterThanOrEqualTo(200);
        }
    }

    @AfterAll
    static void report() {
        StringBuilder table = new StringBuilder();
        table.append("| scenario | run | writer | writes/s | peak in flight | issued | acknowledged | fate unknown "
                        + "| order violations | acknowledged lost (Mooring) | acknowledged lost (async replication) "
                        + "| applied twice |")
                .append(System.lineSeparator());
        table.append("|---|---|---|---|---|---|---|---|---|---|---|---|").append(System.lineSeparator());
        for (Disruption disruption : SCENARIOS) {
            List<Row> rows =
                    ROWS.stream().filter(r -> r.disruption() == disruption).toList();
            rows.forEach(row ->
                    table.append(line(disruption.name(), String.valueOf(row.run()), row.writer(), List.of(row))));
            if (!rows.isEmpty()) {
                table.append(line(
                        "**" + disruption.name() + "**",
                        "**" + rows.stream().mapToInt(Row::run).distinct().count() + " runs**",
                        "both",
                        rows));
            }
        }
        if (!ROWS.isEmpty()) {
            table.append(line(
                    "**all**",
                    "**"
                            + ROWS.stream()
                                    .map(r -> r.disruption() + "#" + r.run())
                                    .distinct()
                                    .count() + " runs**",
                    "both",
                    ROWS));
        }
        try {
            Path out = Path.of("target", "failover-ordering.md");
            Files.createDirectories(out.getParent());
            Files.writeString(out, table.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        System.out.print(table);
    }

    private static String line(String scenario, String run, String writer, List<Row> rows) {
        List<WriteCheck> checks = rows.stream().map(Row::check).toList();
        return String.format(
                Locale.ROOT,
                "| %s | %s | %s | %,.0f | %,d | %,d | %,d | %,d | %,d | %,d | %,d | %,d |%n",
                scenario,
                run,
                writer,
                rows.stream().mapToDouble(Row::opsPerSecond).average().orElse(0),
                rows.stream().mapToLong(Row::peakInFlight).max().orElse(0),
                checks.stream().mapToLong(WriteCheck::issued).sum(),
                checks.stream().mapToLong(WriteCheck::acknowledged).sum(),
                checks.stream().mapToLong(WriteCheck::fateUnknown).sum(),
                checks.stream().mapToLong(WriteCheck::orderViolations).sum(),
                checks.stream().mapToLong(WriteCheck::lost).sum(),
                checks.stream().mapToLong(WriteCheck::lostToReplication).sum(),
                checks.stream().mapToLong(WriteCheck::appliedTwice).sum());
    }

    private static List<Disruption> scenarios(String names) {
        List<Disruption> scenarios = new ArrayList<>();
        Arrays.stream(names.split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .forEach(name -> scenarios.add(Disruption.valueOf(name)));
        return List.copyOf(scenarios);
    }
}
