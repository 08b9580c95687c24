package io.github.mooring.bench;

import io.github.mooring.testing.PodRuntimes;
import io.github.mooring.testkit.PodRuntime;
import io.github.mooring.testkit.RedisPod;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.SimulatedNamespace;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the testkit's pod operations cost on each {@link PodRuntime}, side by side in one run: not a test, a
 * measurement to run by hand (Docker and the tests' image needed, see {@link PodRuntimes}).
 *
 * <pre>
 * mvn -q -B -pl core -am test-compile exec:java@pod-runtime-times
 * </pre>
 *
 * Rounds alternate the runtimes (processes, then containers), each in a namespace of its own:
 * <ul>
 * <li><b>set start</b>: a 3-pod StatefulSet from {@code start()} until every pod is ready and linked;</li>
 * <li><b>restart</b>: {@code restartContainer(0)} of a replica until its new container answers (kill included);</li>
 * <li><b>replace</b>: {@code replace(KILL, 0)} of a replica until its new pod's container answers;</li>
 * <li><b>freeze</b>, <b>thaw</b>: the call itself (SIGSTOP/SIGCONT, {@code docker pause}/{@code unpause}).</li>
 * </ul>
 * Arguments (optional): the number of rounds.
 */
public final class PodRuntimeTimes {

    static final int ROUNDS = 10;

    private PodRuntimeTimes() {}

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : ROUNDS;
        List<PodRuntime> runtimes = PodRuntimes.both().toList();
        Map<PodRuntime, Map<String, List<Double>>> times = new LinkedHashMap<>();
        runtimes.forEach(runtime -> times.put(runtime, new LinkedHashMap<>()));
        for (int round = 0; round <= rounds; round++) {
            for (PodRuntime runtime : runtimes) {
                Map<String, List<Double>> own = round == 0 ? new LinkedHashMap<>() : times.get(runtime); // 0: warm-up
                try (SimulatedNamespace ns =
                        SimulatedNamespace.builder().podRuntime(runtime).start()) {
                    measure(ns, own);
                }
            }
        }
        System.out.printf(
                Locale.ROOT, "%-12s %-44s %9s %9s %9s%n", "operation", "runtime", "median ms", "p90 ms", "max ms");
        for (String operation : times.get(runtimes.get(0)).keySet()) {
            for (PodRuntime runtime : runtimes) {
                List<Double> values = new ArrayList<>(times.get(runtime).get(operation));
                Collections.sort(values);
                System.out.printf(
                        Locale.ROOT,
                        "%-12s %-44s %9.1f %9.1f %9.1f%n",
                        operation,
                        runtime,
                        percentile(values, 50),
                        percentile(values, 90),
                        values.get(values.size() - 1));
            }
            double ratio = median(times.get(runtimes.get(1)).get(operation))
                    / median(times.get(runtimes.get(0)).get(operation));
            System.out.printf(Locale.ROOT, "%-12s containers / processes (medians): %.1fx%n", "", ratio);
        }
    }

    private static void measure(SimulatedNamespace ns, Map<String, List<Double>> times) {
        long start = System.nanoTime();
        RedisStatefulSet redis = ns.redis("redis").replicas(3).start();
        record(times, "set start", start, System.nanoTime());

        RedisPod replica = redis.pod(2);
        start = System.nanoTime();
        replica.restartContainer(Duration.ZERO);
        replica.awaitReady(Duration.ofSeconds(30));
        record(times, "restart", start, replica.runningSinceNanos());

        start = System.nanoTime();
        replica.replace(RedisPod.Deletion.KILL, Duration.ZERO);
        replica.awaitReady(Duration.ofSeconds(30));
        record(times, "replace", start, replica.runningSinceNanos());

        start = System.nanoTime();
        replica.freeze();
        record(times, "freeze", start, System.nanoTime());
        start = System.nanoTime();
        replica.thaw();
        record(times, "thaw", start, System.nanoTime());
    }

    private static void record(Map<String, List<Double>> times, String operation, long from, long to) {
        times.computeIfAbsent(operation, key -> new ArrayList<>()).add((to - from) / 1e6);
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return percentile(sorted, 50);
    }

    private static double percentile(List<Double> sorted, int percent) {
        int index = (int) Math.ceil(percent / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }
}
