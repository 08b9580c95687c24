package io.github.mooring.client;

import static org.assertj.core.api.Assertions.assertThat;

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

import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;
import io.github.mooring.testkit.WriteCheck;

/**
 * The ordering guarantee, measured: the pipelining writer (bursts of 250, 2,500 writes a second) through repeated runs
 * of each failover that demotes or replaces a master, each run's history checked on the final master. Every run must
 * hold the invariants; the numbers per run and in total go to {@code core/target/failover-ordering.md}.
 * <p>
 * The normal build runs each scenario once. To measure:
 * <pre>mvn -B -pl core -am verify -Dtest=None -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dit.test=FailoverOrderingMeasurementIT -Dmooring.ordering.runs=10</pre>
 * ({@code -Dmooring.ordering.scenarios=SENTINEL_FAILOVER_COMMAND,...} picks scenarios.)
 */
@ExtendWith(SimulatedNamespaceExtension.class)
class FailoverOrderingMeasurementIT {

    private static final int RUNS = Integer.getInteger("mooring.ordering.runs", 1);
    private static final List<Disruption> SCENARIOS = scenarios(System.getProperty("mooring.ordering.scenarios",
            "POD_REPLACED_WITH_NEW_IP,MANUAL_FAILOVER_BY_REPLICAOF,SENTINEL_FAILOVER_COMMAND,"
                    + "DEMOTED_BY_REPLICAOF_WHILE_WRITING"));

    /** One run's numbers. */
    record Row(Disruption disruption, int run, double opsPerSecond, long peakInFlight, WriteCheck check) {
    }

    private static final List<Row> ROWS = new CopyOnWriteArrayList<>();

    static Stream<Arguments> runs() {
        return SCENARIOS.stream().flatMap(d -> IntStream.rangeClosed(1, RUNS).mapToObj(run -> Arguments.of(d, run)));
    }

    @ParameterizedTest(name = "{0} run {1}")
    @MethodSource("runs")
    void pipelinedWritesKeepTheirOrder(Disruption disruption, int run, SimulatedNamespace ns) {
        try (FailoverRun failover = new FailoverRun(ns, disruption)) {
            PipelinedLedgerWriter writer = failover.writer(c -> PipelinedLedgerWriter.bursts("bursts", c));
            PipelinedLedgerWriter stream = failover.writer(c -> PipelinedLedgerWriter.stream("stream", c));

            FailoverRun.Result result = failover.disruptAndRecover();

            WriteCheck check = result.check(writer);
            System.out.println(disruption + " run " + run + ": " + check + System.lineSeparator() + "  " + result.check(stream));
            ROWS.add(new Row(disruption, run, writer.opsPerSecond(), writer.peakInFlight(), check));
            ROWS.add(new Row(disruption, run, stream.opsPerSecond(), stream.peakInFlight(), result.check(stream)));
            assertThat(check.holds()).as("%s", check).isTrue();
            assertThat(result.check(stream).holds()).as("%s", result.check(stream)).isTrue();
            assertThat(writer.opsPerSecond()).as("writes a second").isGreaterThanOrEqualTo(2_000);
            assertThat(writer.peakInFlight()).as("writes in flight at once").isGreaterThanOrEqualTo(200);
        }
    }

    @AfterAll
    static void report() {
        StringBuilder table = new StringBuilder();
        table.append("| scenario | run | writes/s | peak in flight | issued | acknowledged | fate unknown | order "
                + "violations | acknowledged lost (Mooring) | acknowledged lost (async replication) | applied twice |"
                + System.lineSeparator());
        table.append("|---|---|---|---|---|---|---|---|---|---|---|").append(System.lineSeparator());
        for (Disruption disruption : SCENARIOS) {
            List<Row> rows = ROWS.stream().filter(r -> r.disruption() == disruption).toList();
            for (Row row : rows) {
                table.append(line(disruption.name(), String.valueOf(row.run()), row.opsPerSecond(),
                        row.peakInFlight(), List.of(row.check())));
            }
            if (!rows.isEmpty()) {
                table.append(line("**" + disruption.name() + "**", "**" + rows.size() + " runs**",
                        rows.stream().mapToDouble(Row::opsPerSecond).average().orElse(0),
                        rows.stream().mapToLong(Row::peakInFlight).max().orElse(0),
                        rows.stream().map(Row::check).toList()));
            }
        }
        if (!ROWS.isEmpty()) {
            table.append(line("**all**", "**" + ROWS.size() + " runs**",
                    ROWS.stream().mapToDouble(Row::opsPerSecond).average().orElse(0),
                    ROWS.stream().mapToLong(Row::peakInFlight).max().orElse(0),
                    ROWS.stream().map(Row::check).toList()));
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

    private static String line(String scenario, String run, double opsPerSecond, long peakInFlight,
            List<WriteCheck> checks) {
        long issued = checks.stream().mapToLong(WriteCheck::issued).sum();
        long acknowledged = checks.stream().mapToLong(WriteCheck::acknowledged).sum();
        long unknown = checks.stream().mapToLong(WriteCheck::fateUnknown).sum();
        long order = checks.stream().mapToLong(WriteCheck::orderViolations).sum();
        long lost = checks.stream().mapToLong(WriteCheck::lost).sum();
        long replication = checks.stream().mapToLong(WriteCheck::lostToReplication).sum();
        long twice = checks.stream().mapToLong(WriteCheck::appliedTwice).sum();
        return String.format(Locale.ROOT, "| %s | %s | %,.0f | %,d | %,d | %,d | %,d | %,d | %,d | %,d | %,d |%n",
                scenario, run, opsPerSecond, peakInFlight, issued, acknowledged, unknown, order, lost, replication,
                twice);
    }

    private static List<Disruption> scenarios(String names) {
        List<Disruption> scenarios = new ArrayList<>();
        Arrays.stream(names.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .forEach(name -> scenarios.add(Disruption.valueOf(name)));
        return List.copyOf(scenarios);
    }
}
