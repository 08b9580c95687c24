package io.github.mooring.benchmarks;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.mooring.MooringClient;
import io.github.mooring.MooringOptions;
import io.github.mooring.discovery.KubernetesSource;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.SimulatedNamespace;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;
import org.redisson.config.ReadMode;

/**
 * A stalled master (SIGSTOP of its process: a GC pause, CPU throttling, a frozen node) while no other master exists,
 * as the application sees it through Mooring, plain Lettuce by pod IP (1 s command timeout, as in {@link Benchmark})
 * and Redisson (replicated mode, its defaults), side by side: one 3-pod StatefulSet, every contender writing when the
 * master freezes. Each contender has two writers, each {@code INCR}ing a counter of its own at 500 a second: a
 * synchronous one (one call at a time) and an asynchronous one (no waiting: every call of a stall is in flight at once).
 * Scenarios: a 3 s freeze (Mooring with its defaults: failover wait 30 s), and a 10 s freeze with Mooring's failover
 * wait at 5 s (its documented end: {@code NoMasterException} for what waited, fate unknown for what was written).
 * Per writer: the application's errors by kind, acknowledged against the counter's final value on the master (a
 * counter above the acknowledged count holds writes the application was told failed or unknown; below, acknowledged
 * writes lost), and the longest gap between two acknowledgements.
 * <p>
 * {@code mvn -B -q -Dmaven.test.skip=true -pl benchmarks -am package exec:java@stall -Dexec.args="--runs 3"}
 */
public final class StallBenchmark {

    private static final long INTERVAL_NANOS = 2_000_000; // 500 writes a second per writer
    private static final int MAX_IN_FLIGHT = 50_000;

    private StallBenchmark() {}

    /** One scenario: how long the master stays frozen, and Mooring's failover wait. */
    record Scenario(String name, Duration freeze, Duration failoverWait) {}

    /** What one writer saw in one run. */
    record Outcome(long issued, long acknowledged, long counter, Map<String, Long> errors, Duration longestGap) {
        long errorCount() {
            return errors.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    public static void main(String[] args) throws Exception {
        if (Options.wantsHelp(args)) {
            System.out.println("StallBenchmark options:\n  --runs N   repetitions of each scenario (default 3)");
            return;
        }
        Map<String, String> options = Options.named(args);
        int runs = Integer.parseInt(options.getOrDefault("runs", "3"));
        if (runs < 1) {
            throw new IllegalArgumentException("--runs must be at least 1, was " + runs);
        }
        List<Scenario> scenarios = List.of(
                new Scenario("3 s freeze", Duration.ofSeconds(3), Duration.ofSeconds(30)),
                new Scenario("10 s freeze, failoverWait 5 s", Duration.ofSeconds(10), Duration.ofSeconds(5)));
        Benchmark.log(String.format(
                Locale.ROOT,
                "stall benchmark: %d run(s) per scenario, Java %s, %d CPUs, load average %s, Lettuce %s, Redisson %s",
                runs,
                System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors(),
                Benchmark.loadAverage(),
                Benchmark.artifactVersion("io.lettuce", "lettuce-core"),
                Benchmark.artifactVersion("org.redisson", "redisson")));
        // scenario -> "contender writer" -> outcomes
        Map<String, Map<String, List<Outcome>>> results = new LinkedHashMap<>();
        try (SimulatedNamespace ns = SimulatedNamespace.start()) {
            RedisStatefulSet set = ns.redis("redis").replicas(3).start();
            for (int run = 1; run <= runs; run++) {
                for (Scenario scenario : scenarios) {
                    Map<String, Outcome> outcomes = run(ns, set, scenario, run);
                    outcomes.forEach(
                            (writer, outcome) -> results.computeIfAbsent(scenario.name(), s -> new LinkedHashMap<>())
                                    .computeIfAbsent(writer, w -> new ArrayList<>())
                                    .add(outcome));
                    Benchmark.log(scenario.name() + ", run " + run + ": " + outcomes);
                }
            }
        }
        print(results, runs);
    }

    private static Map<String, Outcome> run(SimulatedNamespace ns, RedisStatefulSet set, Scenario scenario, int run)
            throws Exception {
        String prefix = "stall:" + scenario.freeze().toSeconds() + ":" + run + ":";
        List<AutoCloseable> closing = new ArrayList<>();
        Map<String, Writer> writers = new LinkedHashMap<>();
        try {
            KubernetesClient kubernetes = ns.api().newClient();
            closing.add(kubernetes);
            MooringClient mooring = MooringClient.create(MooringOptions.builder()
                    .service(set.name())
                    .namespace(ns.name())
                    .source(KubernetesSource.builder().client(kubernetes).build())
                    .failoverWait(scenario.failoverWait())
                    .build());
            closing.add(0, mooring);
            addLettuceWriters(writers, "Mooring", prefix, mooring::connect);

            RedisClient lettuce = RedisClient.create(RedisURI.builder()
                    .withHost(set.pod(0).ip())
                    .withPort(set.port())
                    .withTimeout(Contenders.PLAIN_TIMEOUT)
                    .build());
            closing.add(0, lettuce::shutdown);
            addLettuceWriters(writers, "Lettuce by pod IP", prefix, lettuce::connect);

            Config config = new Config().setThreads(2).setNettyThreads(4);
            var replicated = config.useReplicatedServers().setScanInterval(1000).setReadMode(ReadMode.MASTER);
            set.pods().forEach(pod -> replicated.addNodeAddress("redis://" + pod.ip() + ":" + set.port()));
            RedissonClient redisson = Redisson.create(config);
            closing.add(0, redisson::shutdown);
            writers.put(
                    "Redisson sync",
                    new Writer(
                            prefix + "redisson-sync",
                            true,
                            key -> redisson.getAtomicLong(key).incrementAndGetAsync()));
            writers.put(
                    "Redisson async",
                    new Writer(
                            prefix + "redisson-async",
                            false,
                            key -> redisson.getAtomicLong(key).incrementAndGetAsync()));

            writers.values().forEach(Writer::start);
            awaitAll(writers, w -> w.acknowledged.get() >= 500, Duration.ofSeconds(30));
            set.pod(0).freeze();
            try {
                Thread.sleep(scenario.freeze().toMillis()); // the scenario: how long the master stays frozen
            } finally {
                set.pod(0).thaw();
            }
            Map<String, Long> ackedAtThaw = new LinkedHashMap<>();
            writers.values().forEach(w -> ackedAtThaw.put(w.name, w.acknowledged.get()));
            awaitAll(writers, w -> w.acknowledged.get() >= ackedAtThaw.get(w.name) + 1_000, Duration.ofSeconds(60));
            writers.values().forEach(Writer::stop);
            awaitAll(writers, w -> w.pending() == 0, Duration.ofSeconds(90));
            Map<String, Outcome> outcomes = new LinkedHashMap<>();
            for (var entry : writers.entrySet()) {
                Writer w = entry.getValue();
                Object value = set.pod(0).command("GET", w.key);
                long counter = value == null ? 0 : Long.parseLong(String.valueOf(value));
                outcomes.put(
                        entry.getKey(),
                        new Outcome(
                                w.issued.get(),
                                w.acknowledged.get(),
                                counter,
                                new TreeMap<>(w.errorCounts()),
                                Duration.ofNanos(w.longestGap)));
            }
            return outcomes;
        } finally {
            writers.values().forEach(Writer::stop);
            for (AutoCloseable c : closing) {
                try {
                    c.close();
                } catch (Exception e) {
                    Benchmark.log("closing: " + e);
                }
            }
        }
    }

    private static void addLettuceWriters(
            Map<String, Writer> writers,
            String contender,
            String prefix,
            java.util.function.Supplier<StatefulRedisConnection<String, String>> connect) {
        String id = contender.toLowerCase(Locale.ROOT).replace(' ', '-');
        var sync = connect.get().async();
        writers.put(contender + " sync", new Writer(prefix + id + "-sync", true, sync::incr));
        var async = connect.get().async();
        writers.put(contender + " async", new Writer(prefix + id + "-async", false, async::incr));
    }

    private static void awaitAll(Map<String, Writer> writers, java.util.function.Predicate<Writer> done, Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        for (Writer w : writers.values()) {
            while (!done.test(w) && System.nanoTime() - deadline < 0) {
                LockSupport.parkNanos(10_000_000);
            }
            if (!done.test(w)) {
                Benchmark.log("gave up waiting for " + w.name + " after " + max + ": " + w);
            }
        }
    }

    /** One writer: an {@code INCR} of its counter every 2 ms, waiting for each (sync) or not (async). */
    private static final class Writer {
        final String key;
        final boolean sync;
        final Function<String, CompletionStage<Long>> incr;
        final String name;
        final AtomicLong issued = new AtomicLong();
        final AtomicLong acknowledged = new AtomicLong();
        final AtomicLong settled = new AtomicLong();
        final Map<String, AtomicLong> errors = new ConcurrentHashMap<>();
        private final Thread thread;
        private volatile boolean running = true;
        private long lastAck = System.nanoTime();
        private volatile long longestGap;

        Writer(String key, boolean sync, Function<String, CompletionStage<Long>> incr) {
            this.key = key;
            this.sync = sync;
            this.incr = incr;
            this.name = key;
            this.thread = new Thread(this::loop, "stall-" + key);
            thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        void stop() {
            running = false;
        }

        long pending() {
            return issued.get() - settled.get();
        }

        Map<String, Long> errorCounts() {
            Map<String, Long> counts = new TreeMap<>();
            errors.forEach((kind, count) -> counts.put(kind, count.get()));
            return counts;
        }

        private void loop() {
            long next = System.nanoTime();
            while (running) {
                if (pending() < MAX_IN_FLIGHT) {
                    issued.incrementAndGet();
                    CompletionStage<Long> call;
                    try {
                        call = incr.apply(key);
                    } catch (RuntimeException e) {
                        settle(e);
                        call = null;
                    }
                    if (call != null) {
                        var done = call.whenComplete((value, failure) -> settle(failure));
                        if (sync) {
                            try {
                                done.toCompletableFuture().join();
                            } catch (RuntimeException settledAlready) {
                                // counted in settle
                            }
                        }
                    }
                }
                next = TimedWriter.nextTick(next, INTERVAL_NANOS);
            }
        }

        private synchronized void settle(Throwable failure) {
            if (failure == null) {
                acknowledged.incrementAndGet();
                long now = System.nanoTime();
                longestGap = Math.max(longestGap, now - lastAck);
                lastAck = now;
            } else {
                Throwable cause = failure;
                while (cause instanceof java.util.concurrent.CompletionException && cause.getCause() != null) {
                    cause = cause.getCause();
                }
                errors.computeIfAbsent(cause.getClass().getSimpleName(), k -> new AtomicLong())
                        .incrementAndGet();
            }
            settled.incrementAndGet();
        }

        @Override
        public String toString() {
            return "issued=" + issued + " acked=" + acknowledged + " errors=" + errorCounts() + " gap="
                    + longestGap / 1_000_000 + "ms";
        }
    }

    private static void print(Map<String, Map<String, List<Outcome>>> results, int runs) {
        System.out.println();
        System.out.println("Stalled master, no other master elected (" + runs
                + " run(s) each; median [min-max]; every contender writing at once, 500 INCR/s per writer):");
        for (var scenario : results.entrySet()) {
            System.out.println();
            System.out.println("### " + scenario.getKey());
            System.out.println();
            System.out.println(
                    "| contender, writer | application errors | acknowledged | counter - acknowledged | longest write gap (ms) | errors by kind (last run) |");
            System.out.println("|---|---|---|---|---|---|");
            for (var writer : scenario.getValue().entrySet()) {
                List<Outcome> outcomes = writer.getValue();
                System.out.printf(
                        Locale.ROOT,
                        "| %s | %s | %s | %s | %s | %s |%n",
                        writer.getKey(),
                        summary(outcomes, Outcome::errorCount),
                        summary(outcomes, Outcome::acknowledged),
                        summary(outcomes, o -> o.counter() - o.acknowledged()),
                        summary(outcomes, o -> o.longestGap().toMillis()),
                        outcomes.get(outcomes.size() - 1).errors());
            }
        }
        System.out.println();
        System.out.println("counter - acknowledged > 0: writes applied that the application was told failed (or of"
                + " unknown fate); < 0: acknowledged writes lost.");
    }

    private static String summary(List<Outcome> outcomes, java.util.function.ToLongFunction<Outcome> value) {
        long[] values = outcomes.stream().mapToLong(value).sorted().toArray();
        long median = values[values.length / 2];
        return values.length == 1
                ? Long.toString(median)
                : median + " [" + values[0] + "-" + values[values.length - 1] + "]";
    }
}
