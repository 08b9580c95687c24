package io.github.mooring.benchmarks;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * JMH: one application thread doing {@code SET} or {@code GET} through MooringClient and through a raw Lettuce
 * connection to the same master. Runs in the benchmark's own JVM (forks 0) because the simulated namespace lives
 * there; {@link SteadyState} sets {@link #TARGETS} before it starts JMH.
 */
@State(Scope.Benchmark)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class SteadyStateBenchmark {

    /** The contenders by {@link #client} name. */
    static volatile Map<String, Contender> TARGETS = Map.of();

    static final String KEY = "steady:jmh";
    static final String VALUE = "x".repeat(64);

    @Param({"raw", "mooring"})
    public String client;

    private Contender target;

    @Setup
    public void setUp() throws Exception {
        target = TARGETS.get(client);
        if (target == null) {
            throw new IllegalStateException("no target " + client + " (run through Benchmark, not JMH's main)");
        }
        target.write(KEY, VALUE);
    }

    @Benchmark
    public void set() throws Exception {
        target.write(KEY, VALUE);
    }

    @Benchmark
    public String get() throws Exception {
        return target.read(KEY);
    }
}
