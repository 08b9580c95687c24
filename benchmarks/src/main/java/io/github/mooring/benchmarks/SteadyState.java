package io.github.mooring.benchmarks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.HdrHistogram.Histogram;
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
    record Measure(String setup, String contender, String method, String op, double opsPerSecond, double p50Micros,
            double p99Micros, double rawOpsPerSecond, double rawP50Micros, double rawP99Micros) {
    }

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

    /** JMH: {@code raw} and {@code mooring} (Throughput, then SampleTime for percentiles). */
    void jmh(String setup, Contender raw, Contender mooring) throws RunnerException {
        SteadyStateBenchmark.TARGETS = Map.of("raw", raw, "mooring", mooring);
        try {
            Map<String, double[]> byKey = new LinkedHashMap<>();
            for (RunResult result : runJmh(org.openjdk.jmh.annotations.Mode.Throughput, TimeUnit.SECONDS, 1, 3)) {
                byKey.computeIfAbsent(key(result), k -> new double[3])[0] = result.getPrimaryResult().getScore();
            }
            for (RunResult result : runJmh(org.openjdk.jmh.annotations.Mode.SampleTime, TimeUnit.MICROSECONDS, 1, 3)) {
                double[] values = byKey.computeIfAbsent(key(result), k -> new double[3]);
                values[1] = result.getPrimaryResult().getStatistics().getPercentile(50);
                values[2] = result.getPrimaryResult().getStatistics().getPercentile(99);
            }
            for (String op : List.of("set", "get")) {
                double[] base = byKey.get("raw/" + op);
                for (String client : List.of("raw", "mooring")) {
                    double[] values = byKey.get(client + "/" + op);
                    String name = client.equals("raw") ? "raw Lettuce" : "Mooring (kubernetes)";
                    measures.add(new Measure(setup, name, "JMH", op, values[0], values[1], values[2], base[0],
                            base[1], base[2]));
                    log.accept(String.format("  JMH  %-22s %s %,9.0f ops/s  p50 %6.1f µs  p99 %6.1f µs", name,
                            op.toUpperCase(java.util.Locale.ROOT), values[0], values[1], values[2]));
                }
            }
        } finally {
            SteadyStateBenchmark.TARGETS = Map.of();
        }
    }

    private static String key(RunResult result) {
        String benchmark = result.getParams().getBenchmark();
        return result.getParams().getParam("client") + "/" + benchmark.substring(benchmark.lastIndexOf('.') + 1);
    }

    private static Collection<RunResult> runJmh(org.openjdk.jmh.annotations.Mode mode, TimeUnit unit, int warmups,
            int iterations) throws RunnerException {
        Options options = new OptionsBuilder()
                .include(SteadyStateBenchmark.class.getName() + "\\.")
                .forks(0)
                .threads(1)
                .mode(mode)
                .timeUnit(unit)
                .warmupIterations(warmups)
                .warmupTime(TimeValue.seconds(1))
                .measurementIterations(iterations)
                .measurementTime(TimeValue.milliseconds(1_500))
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
            Measure measure = new Measure(setup, name, "loop", set ? "set" : "get",
                    histogram.getTotalCount() / seconds, histogram.getValueAtPercentile(50) / 1e3,
                    histogram.getValueAtPercentile(99) / 1e3, base.getTotalCount() / seconds,
                    base.getValueAtPercentile(50) / 1e3, base.getValueAtPercentile(99) / 1e3);
            measures.add(measure);
            log.accept(String.format("  loop %-5s %-24s %s %,7.0f ops/s (raw %,7.0f)  p50 %5.1f µs (raw %5.1f)  "
                    + "p99 %6.1f µs (raw %6.1f)", setup, name, set ? "SET" : "GET", measure.opsPerSecond(),
                    measure.rawOpsPerSecond(), measure.p50Micros(), measure.rawP50Micros(), measure.p99Micros(),
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
