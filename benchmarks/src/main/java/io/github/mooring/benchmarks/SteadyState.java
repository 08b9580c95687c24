package io.github.mooring.benchmarks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Steady state, no failure: throughput and latency of {@code SET} and {@code GET} from one application thread, each as
 * a ratio to a raw Lettuce connection to the same master measured in the same run. MooringClient against raw Lettuce
 * with JMH; every contender (Mooring again among them) with a fixed-duration closed loop recording every call's
 * latency in an HdrHistogram, with the raw connection measured the same way right before and after.
 */
final class SteadyState {

    /** One measurement, with the raw connection's measured right beside it (same method). Latencies in µs. */
    record Measure(
            String setup,
            String contender,
            String method,
            String op,
            double opsPerSecond,
            double p50Micros,
            double p99Micros,
            double rawOpsPerSecond,
            double rawP50Micros,
            double rawP99Micros) {}

    private static final Duration LOOP_WARMUP = Duration.ofMillis(300);
    /** Per operation: this many rounds of the raw connection then the contender, each this long. */
    private static final int LOOP_ROUNDS = 3;

    private static final Duration LOOP_RUN = Duration.ofMillis(333);

    private final Consumer<String> log;
    private final List<Measure> measures = new ArrayList<>();

    SteadyState(Consumer<String> log) {
        this.log = log;
    }

    List<Measure> measures() {
        return measures;
    }

    /** JMH rounds per operation; each round measures raw, then Mooring, so that load bursts hit both alike. */
    private static final int JMH_ROUNDS = 4;

    /**
     * JMH: {@code raw} and {@code mooring}, SampleTime mode, alternating in {@link #JMH_ROUNDS} short runs per
     * operation. One thread in a closed loop, so throughput is the inverse of the mean latency. Each figure is the
     * median over the rounds.
     */
    void jmh(String setup, Contender raw, Contender mooring) throws RunnerException {
        SteadyStateBenchmark.TARGETS = Map.of("raw", raw, "mooring", mooring);
        try {
            for (String op : List.of("set", "get")) {
                Map<String, List<double[]>> rounds = new LinkedHashMap<>();
                for (int round = 0; round < JMH_ROUNDS; round++) {
                    for (String client : List.of("raw", "mooring")) {
                        for (RunResult result : runJmh(op, client)) {
                            var statistics = result.getPrimaryResult().getStatistics();
                            rounds.computeIfAbsent(client, k -> new ArrayList<>())
                                    .add(new double[] {
                                        1e6 / statistics.getMean(),
                                        statistics.getPercentile(50),
                                        statistics.getPercentile(99)
                                    });
                        }
                    }
                }
                double[] base = medians(rounds.get("raw"));
                for (String client : List.of("raw", "mooring")) {
                    double[] values = medians(rounds.get(client));
                    String name = client.equals("raw") ? "raw Lettuce" : "Mooring (kubernetes)";
                    measures.add(new Measure(
                            setup, name, "JMH", op, values[0], values[1], values[2], base[0], base[1], base[2]));
                    log.accept(String.format(
                            "  JMH  %-22s %s %,9.0f ops/s  p50 %6.1f µs  p99 %6.1f µs",
                            name, op.toUpperCase(Locale.ROOT), values[0], values[1], values[2]));
                }
            }
        } finally {
            SteadyStateBenchmark.TARGETS = Map.of();
        }
    }

    private static double[] medians(List<double[]> rounds) {
        double[] medians = new double[3];
        for (int i = 0; i < medians.length; i++) {
            int column = i;
            medians[i] = Stats.median(rounds.stream().map(r -> r[column]).toList());
        }
        return medians;
    }

    private static Collection<RunResult> runJmh(String op, String client) throws RunnerException {
        Options options = new OptionsBuilder()
                .include(SteadyStateBenchmark.class.getName() + "\\." + op + "$")
                .param("client", client)
                .forks(0)
                .threads(1)
                .mode(Mode.SampleTime)
                .timeUnit(TimeUnit.MICROSECONDS)
                .warmupIterations(1)
                .warmupTime(TimeValue.milliseconds(500))
                .measurementIterations(2)
                .measurementTime(TimeValue.seconds(1))
                .verbosity(VerboseMode.SILENT)
                .shouldFailOnError(true)
                .build();
        return new Runner(options).run();
    }

    /**
     * The closed loop for one contender: per operation, three rounds of a third of a second on the raw connection
     * then on the contender, so that a change in the machine's load hits both sides of the ratio alike.
     */
    void loop(String setup, String name, Contender contender, Contender raw) throws Exception {
        String key = "steady:loop";
        String value = SteadyStateBenchmark.VALUE;
        contender.write(key, value);
        for (Contender warm : List.of(raw, contender)) {
            run(warm, true, key, value, LOOP_WARMUP);
            run(warm, false, key, value, LOOP_WARMUP);
        }
        for (boolean set : new boolean[] {true, false}) {
            Histogram base = new Histogram(3_600_000_000L, 3);
            Histogram histogram = new Histogram(3_600_000_000L, 3);
            for (int round = 0; round < LOOP_ROUNDS; round++) {
                base.add(run(raw, set, key, value, LOOP_RUN));
                histogram.add(run(contender, set, key, value, LOOP_RUN));
            }
            double seconds = LOOP_ROUNDS * LOOP_RUN.toNanos() / 1e9;
            Measure measure = new Measure(
                    setup,
                    name,
                    "loop",
                    set ? "set" : "get",
                    histogram.getTotalCount() / seconds,
                    histogram.getValueAtPercentile(50) / 1e3,
                    histogram.getValueAtPercentile(99) / 1e3,
                    base.getTotalCount() / seconds,
                    base.getValueAtPercentile(50) / 1e3,
                    base.getValueAtPercentile(99) / 1e3);
            measures.add(measure);
            log.accept(String.format(
                    "  loop %-5s %-24s %s %,7.0f ops/s (raw %,7.0f)  p50 %5.1f µs (raw %5.1f)  "
                            + "p99 %6.1f µs (raw %6.1f)",
                    setup,
                    name,
                    set ? "SET" : "GET",
                    measure.opsPerSecond(),
                    measure.rawOpsPerSecond(),
                    measure.p50Micros(),
                    measure.rawP50Micros(),
                    measure.p99Micros(),
                    measure.rawP99Micros()));
        }
    }

    private static Histogram run(Contender contender, boolean set, String key, String value, Duration duration)
            throws Exception {
        Histogram histogram = new Histogram(3_600_000_000L, 3);
        long end = System.nanoTime() + duration.toNanos();
        long now = System.nanoTime();
        while (now < end) {
            long start = now;
            if (set) {
                contender.write(key, value);
            } else {
                contender.read(key);
            }
            now = System.nanoTime();
            histogram.recordValue(Math.max(1, now - start));
        }
        return histogram;
    }
}
