package io.github.mooring.benchmarks;

import io.github.mooring.benchmarks.ClusterContenders.Contender;
import io.github.mooring.testkit.ClusterNode;
import io.github.mooring.testkit.RedisCluster;
import io.github.mooring.testkit.RedisPod;
import io.github.mooring.testkit.RedisPod.Deletion;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.WriteCheck;
import io.github.mooring.testkit.WriteLedger;
import io.lettuce.core.cluster.SlotHash;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.IntPredicate;

/**
 * A Redis Cluster (the testkit's: 3 masters + 3 replicas, {@code cluster-node-timeout} 5 s, AOF on each pod's volume)
 * through the disruptions Kubernetes brings ({@link ClusterScenario}), as the application sees it through Mooring's
 * {@code MooringClusterClient}, Lettuce's {@code RedisClusterClient} and Redisson's cluster mode
 * ({@link ClusterContenders}), side by side: a new set of clients per repetition, all writing through the same
 * disruption. Each client has a synchronous and an asynchronous writer at 500 writes a second, with keys on every
 * master ({@link ClusterWriter}). Per writer and repetition: the window of each shard (last acknowledgement before the
 * disruption to the first after it), the time from "the shard's slots writable again" (a direct {@code SET} on the
 * shard's pods, every 5 ms) to the writer's first acknowledgement there, the failed calls, and the end check of its
 * ledgers on the final masters: acknowledged writes lost, writes applied though reported failed.
 * <p>
 * {@code mvn -B -q -Dmaven.test.skip=true -pl benchmarks -am package exec:java@cluster-failover
 * -Dexec.args="--reps 5 --out /tmp/cluster-results"}
 */
public final class ClusterFailoverBenchmark {

    /** Lanes (ledgers, each in a slot of its own) per shard and writer. */
    static final int LANES_PER_SHARD = 4;

    private static final Duration LEAD_IN = Duration.ofSeconds(1);
    /** A writer counts as back once it has written for this long without a failure. */
    private static final Duration STABLE = Duration.ofSeconds(1);

    private static final Duration PROBE_EVERY = Duration.ofMillis(5);

    private ClusterFailoverBenchmark() {}

    /**
     * The options ({@code -Dexec.args="..."}).
     *
     * @param reps repetitions of each scenario
     * @param scenarios the scenarios, in this order
     * @param out where {@code cluster-failover.md} and the CSV files go
     */
    record Options(int reps, List<ClusterScenario> scenarios, Path out) {

        Options {
            Objects.requireNonNull(out, "out");
            scenarios = List.copyOf(scenarios);
            if (reps < 1 || reps > 100) {
                throw new IllegalArgumentException("--reps must be 1..100, was " + reps);
            }
            if (scenarios.isEmpty()) {
                throw new IllegalArgumentException("--scenarios needs at least one scenario");
            }
        }

        static Options parse(String... args) {
            int reps = 5;
            List<ClusterScenario> scenarios = List.of(ClusterScenario.values());
            // Not benchmarks/results: a shorter run must not replace the committed results by accident.
            Path out = Paths.get(
                    Files.exists(Paths.get("benchmarks", "pom.xml"))
                            ? "benchmarks/target/cluster-failover"
                            : "target/cluster-failover");
            for (Map.Entry<String, String> option :
                    io.github.mooring.benchmarks.Options.named(args).entrySet()) {
                String value = option.getValue();
                switch (option.getKey()) {
                    case "reps" -> reps = io.github.mooring.benchmarks.Options.integer("reps", value);
                    case "scenarios" ->
                        scenarios = io.github.mooring.benchmarks.Options.keyed(
                                "scenarios", "scenario", value, ClusterScenario.values(), ClusterScenario::key);
                    case "out" -> out = Paths.get(value);
                    default -> throw new IllegalArgumentException("unknown option --" + option.getKey());
                }
            }
            return new Options(reps, scenarios, out);
        }

        static String usage() {
            StringBuilder text = new StringBuilder("""
                    Cluster failover benchmark: Mooring's cluster client, Lettuce's and Redisson's through the same
                    disruptions of one Redis Cluster (3 masters + 3 replicas). Writes cluster-failover.md, two CSV
                    files and a chart. About 1.5 minutes per repetition of all four scenarios on 2 cores.

                    Run from the repository root:
                      mvn -B -q -Dmaven.test.skip=true -pl benchmarks -am package exec:java@cluster-failover \\
                          -Dexec.args="--reps 5 --out /tmp/cluster-results"

                    Options:
                      --reps N            repetitions of each scenario, 1..100 (default 5)
                      --scenarios LIST    comma-separated, run in this order in each repetition (default all):
                    """);
            for (ClusterScenario scenario : ClusterScenario.values()) {
                text.append(String.format("                        %-18s %s%n", scenario.key(), scenario.title()));
            }
            text.append("  --out DIR           where the results go (default benchmarks/target/cluster-failover;\n"
                    + "                      benchmarks/results holds the committed run)\n");
            return text.toString();
        }
    }

    public static void main(String[] args) throws Exception {
        if (io.github.mooring.benchmarks.Options.wantsHelp(args)) {
            System.out.print(Options.usage());
            return;
        }
        Options options = Options.parse(args);
        long started = System.nanoTime();
        Map<String, String> run = new LinkedHashMap<>();
        run.put("started", Instant.now().toString());
        run.put("command", "exec:java@cluster-failover -Dexec.args=\"" + String.join(" ", args) + "\"");
        run.put("loadStart", Benchmark.loadAverage());
        run.put(
                "versions",
                String.format(
                        Locale.ROOT,
                        "Java %s, %d CPUs, Lettuce %s, Redisson %s",
                        System.getProperty("java.version"),
                        Runtime.getRuntime().availableProcessors(),
                        Benchmark.artifactVersion("io.lettuce", "lettuce-core"),
                        Benchmark.artifactVersion("org.redisson", "redisson")));
        Benchmark.log("cluster failover benchmark: " + options + "; " + run.get("versions") + "; load average "
                + run.get("loadStart"));
        List<ClusterOutcome> outcomes = new ArrayList<>();
        List<Double> loads = new ArrayList<>();
        try (SimulatedNamespace ns = SimulatedNamespace.start()) {
            RedisCluster cluster = ns.redisCluster("redis-cluster").start();
            run.put("redis", String.valueOf(cluster.pod(0).info("server").get("redis_version")));
            for (int rep = 1; rep <= options.reps(); rep++) {
                for (ClusterScenario scenario : options.scenarios()) {
                    List<ClusterOutcome> rep1 = runOnce(ns, cluster, scenario, rep);
                    outcomes.addAll(rep1);
                    loads.add(oneMinuteLoad());
                }
            }
        }
        run.put("loadEnd", Benchmark.loadAverage());
        run.put("loadMedian", String.format(Locale.ROOT, "%.1f", Stats.median(loads)));
        run.put("duration", (System.nanoTime() - started) / 1_000_000_000L + " s");
        ClusterReport report = new ClusterReport(options.scenarios(), outcomes, run);
        report.write(options.out());
        System.out.println();
        System.out.println(report.markdown());
        Benchmark.log("written to " + options.out().toAbsolutePath());
    }

    private static double oneMinuteLoad() {
        try {
            return Double.parseDouble(
                    Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+")[0]);
        } catch (Exception e) {
            return Double.NaN;
        }
    }

    /** The shards at the start of a repetition: each master with its replicas, by the slots it serves. */
    private record Shards(List<RedisPod> masters, List<ClusterNode> views, List<List<RedisPod>> pods) {

        static Shards of(RedisCluster cluster) {
            List<RedisPod> masters = new ArrayList<>(cluster.masters());
            Map<RedisPod, ClusterNode> self = new LinkedHashMap<>();
            for (RedisPod master : masters) {
                self.put(
                        master,
                        cluster.nodesSeenBy(master).stream()
                                .filter(ClusterNode::myself)
                                .findFirst()
                                .orElseThrow());
            }
            masters.sort(Comparator.comparingInt(m -> self.get(m).slots().get(0).first()));
            List<List<RedisPod>> pods = new ArrayList<>();
            for (RedisPod master : masters) {
                List<RedisPod> shard = new ArrayList<>();
                shard.add(master);
                shard.addAll(cluster.replicasOf(master));
                pods.add(shard);
            }
            return new Shards(masters, masters.stream().map(self::get).toList(), pods);
        }

        int of(int slot) {
            for (int i = 0; i < views.size(); i++) {
                if (views.get(i).serves(slot)) {
                    return i;
                }
            }
            throw new IllegalStateException("no master serves slot " + slot + ": " + views);
        }

        int size() {
            return masters.size();
        }
    }

    private static List<ClusterOutcome> runOnce(
            SimulatedNamespace ns, RedisCluster cluster, ClusterScenario scenario, int rep) throws Exception {
        cluster.awaitHealthy(Duration.ofSeconds(60));
        Shards shards = Shards.of(cluster);
        List<Contender> contenders = new ArrayList<>();
        Map<ClusterWriter, Contender> writers = new LinkedHashMap<>();
        try {
            for (String name : ClusterContenders.NAMES) {
                Contender contender = ClusterContenders.create(name, ns, cluster);
                contenders.add(contender);
                for (String mode : List.of("sync", "async")) {
                    String id = scenario.key() + "-r" + rep + "-" + name.toLowerCase(Locale.ROOT) + "-" + mode;
                    writers.put(
                            new ClusterWriter(
                                    name + " " + mode,
                                    contender.connect(),
                                    mode.equals("async"),
                                    lanes(id, shards),
                                    shards.size()),
                            contender);
                }
            }
            writers.keySet().forEach(ClusterWriter::start);
            awaitUntil(
                    () -> writers.keySet().stream().allMatch(w -> everyShard(shards, s -> w.lastAck(s) > 0)),
                    Duration.ofSeconds(30),
                    "every writer writing to every shard");
            Benchmark.pause(LEAD_IN);

            // The disruption.
            List<Integer> disrupted = new ArrayList<>();
            AtomicLongArray writableAt = new AtomicLongArray(shards.size());
            long t0 = System.nanoTime();
            long observedFrom;
            Thread probe;
            switch (scenario) {
                case POD_REPLACED -> {
                    disrupted.add(0);
                    shards.masters().get(0).replace(Deletion.KILL, ClusterScenario.KUBELET_DELAY);
                    probe = probe(shards, disrupted, writableAt);
                    observedFrom = System.nanoTime();
                }
                case CLUSTER_FAILOVER -> {
                    disrupted.add(0);
                    cluster.failover(shards.pods().get(0).get(1));
                    probe = probe(shards, disrupted, writableAt);
                    observedFrom = System.nanoTime();
                }
                case ALL_PODS_REPLACED -> {
                    for (int shard = 0; shard < shards.size(); shard++) {
                        disrupted.add(shard);
                    }
                    cluster.replaceAll(Deletion.KILL, ClusterScenario.KUBELET_DELAY);
                    probe = probe(shards, disrupted, writableAt);
                    cluster.statefulSet().awaitAllReady(Duration.ofSeconds(30));
                    for (RedisPod pod : cluster.pods()) {
                        for (RedisPod other : cluster.pods()) {
                            if (pod != other) {
                                pod.command("CLUSTER", "MEET", other.ip(), Integer.toString(other.port()));
                            }
                        }
                    }
                    observedFrom = System.nanoTime();
                }
                case POD_REPLACED_EMPTY -> {
                    disrupted.add(0);
                    shards.masters().get(0).replaceWithoutVolume(Deletion.KILL, ClusterScenario.KUBELET_DELAY);
                    probe = probe(shards, disrupted, writableAt);
                    observedFrom = System.nanoTime();
                }
                default -> throw new IllegalStateException(scenario.toString());
            }

            // The observation.
            long settleUntil = -1;
            long end;
            while (true) {
                long now = System.nanoTime();
                if (now - observedFrom >= scenario.cap().toNanos() || settleUntil > 0 && now >= settleUntil) {
                    end = now;
                    break;
                }
                if (settleUntil < 0 && allBack(writers.keySet(), shards, disrupted, writableAt, now)) {
                    settleUntil = now + 500_000_000L;
                }
                LockSupport.parkNanos(20_000_000);
            }
            probe.interrupt();
            probe.join(5_000);
            writers.keySet().forEach(ClusterWriter::stop);
            awaitUntil(
                    () -> writers.keySet().stream().allMatch(w -> w.pending() == 0),
                    Duration.ofSeconds(70),
                    "every write settled");
            if (scenario == ClusterScenario.POD_REPLACED_EMPTY) {
                readdEmptyPod(cluster, shards);
            }

            // The end checks, on the masters the cluster settled on.
            cluster.awaitHealthy(Duration.ofSeconds(60));
            Shards after = Shards.of(cluster);
            List<ClusterOutcome> outcomes = new ArrayList<>();
            StringBuilder line = new StringBuilder(String.format(
                    Locale.ROOT,
                    "  %-17s #%-2d writable after %s, masters %s -> %s:",
                    scenario.key(),
                    rep,
                    writable(writableAt, t0),
                    names(shards.masters()),
                    names(after.masters())));
            for (ClusterWriter writer : writers.keySet()) {
                ClusterWriter.Record record = writer.record();
                List<WriteCheck> checks = new ArrayList<>();
                for (ClusterWriter.Lane lane : writer.lanes()) {
                    int slot = SlotHash.getSlot(lane.ledger().logKey());
                    checks.add(lane.ledger().check(after.masters().get(after.of(slot))));
                }
                List<ClusterOutcome.Shard> perShard = new ArrayList<>();
                for (int shard = 0; shard < shards.size(); shard++) {
                    long[] acks = record.ackTimesByShard()[shard];
                    double[] window = ClusterOutcome.window(acks, t0, end);
                    boolean hit = disrupted.contains(shard);
                    long writable = writableAt.get(shard);
                    perShard.add(new ClusterOutcome.Shard(
                            shard,
                            hit,
                            hit && writable > 0 ? (writable - t0) / 1e6 : Double.NaN,
                            window[0],
                            window[1] > 0,
                            hit ? ClusterOutcome.afterWritable(acks, writable, end) : Double.NaN));
                }
                String[] name = writer.name().split(" ");
                ClusterOutcome outcome = new ClusterOutcome(
                        scenario,
                        rep,
                        name[0],
                        name[1],
                        perShard,
                        record.failureTimes().length,
                        record.failureKinds(),
                        ClusterOutcome.LedgerTally.of(checks));
                outcomes.add(outcome);
                line.append(' ').append(ClusterReport.brief(outcome));
            }
            Benchmark.log(line.toString());
            return outcomes;
        } finally {
            writers.keySet().forEach(ClusterWriter::stop);
            for (Contender contender : contenders) {
                try {
                    contender.close();
                } catch (RuntimeException e) {
                    Benchmark.log("closing " + contender.name() + ": " + e);
                }
            }
        }
    }

    /**
     * {@code id-0}, {@code id-1}, ... until each shard has {@link #LANES_PER_SHARD} ledgers in slots of its own, in the
     * order the writer takes them: the shards in turn.
     */
    private static List<ClusterWriter.Lane> lanes(String id, Shards shards) {
        List<List<ClusterWriter.Lane>> byShard = new ArrayList<>();
        for (int shard = 0; shard < shards.size(); shard++) {
            byShard.add(new ArrayList<>());
        }
        int found = 0;
        for (int n = 0; found < LANES_PER_SHARD * shards.size(); n++) {
            WriteLedger ledger = WriteLedger.named(id + "-" + n);
            int shard = shards.of(SlotHash.getSlot(ledger.logKey()));
            if (byShard.get(shard).size() < LANES_PER_SHARD) {
                byShard.get(shard).add(new ClusterWriter.Lane(shard, ledger));
                found++;
            }
        }
        List<ClusterWriter.Lane> lanes = new ArrayList<>();
        for (int i = 0; i < LANES_PER_SHARD; i++) {
            for (List<ClusterWriter.Lane> shard : byShard) {
                lanes.add(shard.get(i));
            }
        }
        return lanes;
    }

    /**
     * After {@link ClusterScenario#POD_REPLACED_EMPTY}: the empty pod joins as the promoted replica's replica, and
     * every node forgets the dead node ID (at once on all, within {@code CLUSTER FORGET}'s 60 s ban), so that the
     * cluster is whole again for the end checks and the next repetition.
     */
    private static void readdEmptyPod(RedisCluster cluster, Shards shards) {
        RedisPod empty = shards.masters().get(0);
        RedisPod promoted = shards.pods().get(0).get(1);
        String oldId = shards.views().get(0).id();
        empty.awaitReady(Duration.ofSeconds(30));
        awaitUntil(() -> "master".equals(promoted.role()), Duration.ofSeconds(30), "the replica promoted");
        String promotedId = cluster.nodeId(promoted);
        empty.command("CLUSTER", "MEET", promoted.ip(), Integer.toString(promoted.port()));
        awaitUntil(
                () -> cluster.nodesSeenBy(empty).stream().anyMatch(n -> n.id().equals(promotedId) && n.master()),
                Duration.ofSeconds(30),
                "the empty pod meeting the cluster");
        empty.command("CLUSTER", "REPLICATE", promotedId);
        for (RedisPod pod : cluster.pods()) {
            if (pod != empty) {
                try {
                    pod.command("CLUSTER", "FORGET", oldId);
                } catch (RuntimeException e) {
                    // A node that never learnt of the old ID, or already forgot it: nothing to forget.
                }
            }
        }
    }

    /**
     * Every 5 ms, a {@code SET} of a key in each disrupted shard's slots on each of the shard's pods (at its current
     * IP) until one answers OK: the moment the shard's slots are writable again.
     */
    private static Thread probe(Shards shards, List<Integer> disrupted, AtomicLongArray writableAt) {
        List<String> keys = new ArrayList<>();
        for (int shard = 0; shard < shards.size(); shard++) {
            for (int n = 0; ; n++) {
                String key = "probe:{" + n + "}";
                if (shards.of(SlotHash.getSlot(key)) == shard) {
                    keys.add(key);
                    break;
                }
            }
        }
        Thread thread = new Thread(
                () -> {
                    while (!Thread.currentThread().isInterrupted()) {
                        boolean all = true;
                        for (int shard : disrupted) {
                            if (writableAt.get(shard) > 0) {
                                continue;
                            }
                            all = false;
                            for (RedisPod pod : shards.pods().get(shard)) {
                                if (pod.phase() == RedisPod.Phase.RUNNING && ok(pod, keys.get(shard))) {
                                    writableAt.compareAndSet(shard, 0, System.nanoTime());
                                    break;
                                }
                            }
                        }
                        if (all) {
                            return;
                        }
                        LockSupport.parkNanos(PROBE_EVERY.toNanos());
                    }
                },
                "cluster-writable-probe");
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    private static boolean ok(RedisPod pod, String key) {
        try {
            return "OK".equals(pod.command("SET", key, "1"));
        } catch (RuntimeException e) {
            return false; // no IP yet, refused, loading
        }
    }

    private static boolean allBack(
            Iterable<ClusterWriter> writers,
            Shards shards,
            List<Integer> disrupted,
            AtomicLongArray writableAt,
            long now) {
        for (int shard : disrupted) {
            if (writableAt.get(shard) == 0) {
                return false;
            }
        }
        for (ClusterWriter writer : writers) {
            if (writer.lastFailure() > now - STABLE.toNanos()) {
                return false;
            }
            for (int shard : disrupted) {
                long lastAck = writer.lastAck(shard);
                if (lastAck <= writableAt.get(shard) || lastAck < now - 300_000_000L) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean everyShard(Shards shards, IntPredicate test) {
        for (int shard = 0; shard < shards.size(); shard++) {
            if (!test.test(shard)) {
                return false;
            }
        }
        return true;
    }

    private static String names(List<RedisPod> pods) {
        return pods.stream().map(RedisPod::name).toList().toString();
    }

    private static String writable(AtomicLongArray writableAt, long t0) {
        List<String> times = new ArrayList<>();
        for (int shard = 0; shard < writableAt.length(); shard++) {
            long at = writableAt.get(shard);
            if (at > 0) {
                times.add(shard + ":" + (at - t0) / 1_000_000 + "ms");
            }
        }
        return String.join(",", times);
    }

    private static void awaitUntil(BooleanSupplier done, Duration max, String what) {
        long deadline = System.nanoTime() + max.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                Benchmark.log("gave up waiting for " + what + " after " + max);
                return;
            }
            LockSupport.parkNanos(10_000_000);
        }
    }
}
