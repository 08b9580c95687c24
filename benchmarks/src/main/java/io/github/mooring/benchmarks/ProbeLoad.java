package io.github.mooring.benchmarks;

import io.github.mooring.MooringClient;
import io.github.mooring.MooringOptions;
import io.github.mooring.discovery.StaticSource;
import io.github.mooring.testkit.RedisPod;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.topology.Topology;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * What idle clients cost each Redis pod (issue 15, "cost at scale on Redis"): N MooringClients in one JVM, sharing
 * one Lettuce {@code ClientResources} as the Spring Boot starter's clients do, watch one 3-pod StatefulSet; the pods
 * themselves count the commands ({@code INFO commandstats}, calls at the start and the end of a window). The same
 * program gives the numbers before and after a change.
 * <p>
 * {@value #COMMAND}; options through {@code -Dexec.args="..."}:
 * <ul>
 * <li>{@code --clients 0,1,100,1000}: the fleet sizes, in order (0 is the background: replication's own
 * {@code REPLCONF}/{@code PING});</li>
 * <li>{@code --settle 45}: seconds to wait once every client sees the master and both replicas, so that the window
 * measures the steady state (a client probes at the fast pace for a while after it starts);</li>
 * <li>{@code --seconds 30}: the window;</li>
 * <li>{@code --probe-timeout 5}: seconds a probe may take. A thousand clients in one JVM on two shared CPUs answer
 * slower than a thousand application pods would: with the default 1 s, probes queued behind one another time out,
 * pods count as unreachable and the fleet never settles (seen before the change). The pace does not depend on it.</li>
 * </ul>
 * Clients start in batches of {@value #BATCH}, each batch steady before the next, as a rollout would.
 * The clients use the static source (the pods' addresses), so that discovery costs nothing and the pods see only
 * probes; each is idle (no application connection). Threads are counted too: every client has its own monitor,
 * event and resolver threads, all else is shared.
 */
public final class ProbeLoad {

    static final String COMMAND = "mvn -B -q -Dmaven.test.skip=true -pl benchmarks -am package exec:java@probe-load";

    private static final Duration STEADY_TIMEOUT = Duration.ofMinutes(3);
    private static final int BATCH = 50;

    private ProbeLoad() {}

    public static void main(String[] args) {
        try {
            Map<String, String> named = Options.named(args);
            List<Integer> sizes = new ArrayList<>();
            for (String size : named.getOrDefault("clients", "0,1,100,1000").split(",")) {
                sizes.add(Integer.parseInt(size.trim()));
            }
            int settle = Integer.parseInt(named.getOrDefault("settle", "45"));
            int seconds = Integer.parseInt(named.getOrDefault("seconds", "30"));
            Duration probeTimeout = Duration.ofSeconds(Integer.parseInt(named.getOrDefault("probe-timeout", "5")));
            run(sizes, Duration.ofSeconds(settle), Duration.ofSeconds(seconds), probeTimeout);
        } catch (Throwable e) {
            System.out.flush();
            e.printStackTrace();
            System.exit(1);
        }
        System.exit(0); // a leaked non-daemon thread would otherwise keep exec:java waiting
    }

    private static void run(List<Integer> sizes, Duration settle, Duration window, Duration probeTimeout) {
        Benchmark.log(String.format(
                Locale.ROOT,
                "Probe load: Java %s, %d CPUs, load %s; Lettuce %s; settle %d s, window %d s, probe timeout %d s",
                System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors(),
                Benchmark.loadAverage(),
                Benchmark.artifactVersion("io.lettuce", "lettuce-core"),
                settle.toSeconds(),
                window.toSeconds(),
                probeTimeout.toSeconds()));
        List<String> rows = new ArrayList<>();
        try (SimulatedNamespace ns = SimulatedNamespace.start()) {
            RedisStatefulSet set = ns.redis("redis").replicas(3).start();
            for (int size : sizes) {
                rows.add(measure(set, size, settle, window, probeTimeout));
            }
        }
        System.out.println();
        System.out.println("clients | probe commands per pod per second (INFO + PUBSUB NUMSUB; each pod) | all commands"
                + " per pod per second | INFO per pod per second | threads per client");
        rows.forEach(System.out::println);
        System.out.println("""

                Method: INFO commandstats on each pod at the start and the end of the window; 'probe commands' are
                the calls of info and pubsub|numsub (less the benchmark's own INFO commandstats), 'all' every command,
                replication's included. Each pod is one redis-server process on loopback, on this machine's shared
                CPUs: the counts do not depend on the CPU, the threads do not either.""");
    }

    private static String measure(
            RedisStatefulSet set, int size, Duration settle, Duration window, Duration probeTimeout) {
        ClientResources resources = DefaultClientResources.create();
        List<MooringClient> clients = new ArrayList<>();
        int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();
        try {
            List<String> addresses = set.pods().stream().map(RedisPod::address).toList();
            for (int i = 0; i < size; i++) {
                clients.add(MooringClient.create(MooringOptions.builder()
                        .service(set.name())
                        .source(StaticSource.of(addresses))
                        .clientResources(resources)
                        .probeTimeout(probeTimeout)
                        .build()));
                if (clients.size() % BATCH == 0) {
                    awaitSteady(set, clients);
                }
            }
            awaitSteady(set, clients);
            int threads = ManagementFactory.getThreadMXBean().getThreadCount() - threadsBefore;
            Benchmark.log(
                    size + " clients steady (" + threads + " threads more); settling " + settle.toSeconds() + " s");
            Benchmark.pause(settle);
            Map<String, Map<String, Long>> start = commandStats(set);
            long startNanos = System.nanoTime();
            Benchmark.pause(window);
            Map<String, Map<String, Long>> end = commandStats(set);
            double elapsed = (System.nanoTime() - startNanos) / 1e9;
            StringBuilder probes = new StringBuilder();
            StringBuilder all = new StringBuilder();
            StringBuilder info = new StringBuilder();
            for (RedisPod pod : set.pods()) {
                Map<String, Long> delta = delta(start.get(pod.name()), end.get(pod.name()));
                long own = 1; // the second INFO commandstats of this window is counted in the end snapshot
                long infoCalls = delta.getOrDefault("info", 0L) - own;
                // Redis 7 counts PUBSUB NUMSUB as pubsub|numsub, 6.2 as pubsub.
                long probeCalls =
                        infoCalls + delta.getOrDefault("pubsub|numsub", 0L) + delta.getOrDefault("pubsub", 0L);
                long allCalls =
                        delta.values().stream().mapToLong(Long::longValue).sum() - own;
                probes.append(String.format(Locale.ROOT, "%s %.2f  ", pod.name(), probeCalls / elapsed));
                all.append(String.format(Locale.ROOT, "%.2f ", allCalls / elapsed));
                info.append(String.format(Locale.ROOT, "%.2f ", infoCalls / elapsed));
            }
            String row = String.format(
                    Locale.ROOT,
                    "%7d | %s| %s| %s| %s",
                    size,
                    probes,
                    all,
                    info,
                    size == 0 ? "-" : String.format(Locale.ROOT, "%.1f", threads(threadsBefore, size)));
            Benchmark.log(row);
            return row;
        } finally {
            clients.forEach(MooringClient::close);
            resources.shutdown(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private static double threads(int before, int size) {
        return (ManagementFactory.getThreadMXBean().getThreadCount() - before) / (double) size;
    }

    private static void awaitSteady(RedisStatefulSet set, List<MooringClient> clients) {
        long deadline = System.nanoTime() + STEADY_TIMEOUT.toNanos();
        for (MooringClient client : clients) {
            while (!steady(set, client.topology())) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("a client did not see the master and both replicas within "
                            + STEADY_TIMEOUT + ": " + client.topology());
                }
                Benchmark.pause(Duration.ofMillis(20));
            }
        }
    }

    private static boolean steady(RedisStatefulSet set, Topology topology) {
        return topology.hasMaster() && topology.replicas().size() == set.pods().size() - 1;
    }

    /** Per pod: {@code calls} of each command ({@code info}, {@code pubsub|numsub}, ...). */
    private static Map<String, Map<String, Long>> commandStats(RedisStatefulSet set) {
        Map<String, Map<String, Long>> stats = new LinkedHashMap<>();
        for (RedisPod pod : set.pods()) {
            Map<String, Long> calls = new TreeMap<>();
            pod.info("commandstats").forEach((key, value) -> {
                if (key.startsWith("cmdstat_")) {
                    for (String field : value.split(",")) {
                        if (field.startsWith("calls=")) {
                            calls.put(key.substring("cmdstat_".length()), Long.parseLong(field.substring(6)));
                        }
                    }
                }
            });
            stats.put(pod.name(), calls);
        }
        return stats;
    }

    private static Map<String, Long> delta(Map<String, Long> start, Map<String, Long> end) {
        Map<String, Long> delta = new TreeMap<>();
        end.forEach((command, calls) -> delta.put(command, calls - start.getOrDefault(command, 0L)));
        return delta;
    }
}
