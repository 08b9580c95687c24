package io.github.mooring.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.github.mooring.testkit.EndpointChange;
import io.github.mooring.testkit.RedisPod;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.SimulatedNamespace;

/**
 * The failover window of each contender across repeated master pod replacements, side by side in one run: from the
 * last write acknowledged before the master pod is killed to the first acknowledged after, and how much of it comes
 * after the new master pod could accept writes.
 * <p>
 * {@code mvn -q -B -pl benchmarks -am package exec:java -Dexec.args="--reps 10"}
 */
public final class FailoverWindows {

    private FailoverWindows() {
    }

    public static void main(String[] args) throws IOException {
        Map<String, String> options = parse(args);
        int reps = Integer.parseInt(options.getOrDefault("reps", "10"));
        Duration dnsTtl = Duration.ofSeconds(Long.parseLong(options.getOrDefault("dns-ttl", "30")));
        Duration kubeletDelay = Duration.ofMillis(Long.parseLong(options.getOrDefault("kubelet-delay-ms", "1000")));
        Path out = Paths.get(options.getOrDefault("out", "benchmarks/results"));

        Map<String, Stats> windows = new LinkedHashMap<>();
        Map<String, Stats> beyondReady = new LinkedHashMap<>();
        Map<String, Integer> errors = new LinkedHashMap<>();
        for (String name : Contenders.names()) {
            windows.put(name, new Stats());
            beyondReady.put(name, new Stats());
            errors.put(name, 0);
        }
        List<String> csv = new ArrayList<>(List.of("rep,contender,window_ms,beyond_ready_ms,errors"));

        try (SimulatedNamespace ns = SimulatedNamespace.builder().dnsTtl(dnsTtl).start()) {
            RedisStatefulSet redis = ns.redis("redis").persistence(true).start();
            // Long-lived applications: created once. The pod-IP one is an application (re)started against the
            // current master before each replacement, the best case for it.
            List<Contender> longLived = List.of(Contenders.mooringKubernetes(ns, redis), Contenders.mooringDns(ns, redis),
                    Contenders.lettuceByServiceName(ns, redis));
            try {
                for (int rep = 1; rep <= reps; rep++) {
                    redis.awaitAllReady(Duration.ofSeconds(30));
                    List<Contender> contenders = new ArrayList<>(longLived);
                    Contender byIp = Contenders.lettuceByPodIp(redis);
                    contenders.add(2, byIp); // table order: Mooring x2, by IP, by name
                    List<TimedWriter> writers = new ArrayList<>();
                    for (Contender contender : contenders) {
                        writers.add(new TimedWriter(contender, "window:" + contender.name()));
                    }
                    pause(Duration.ofSeconds(1));
                    redis.pod(0).replace(RedisPod.Deletion.KILL, kubeletDelay);
                    long killedAt = System.nanoTime(); // the old master process is gone
                    long deadline = killedAt + Math.max(dnsTtl.toNanos() + Duration.ofSeconds(10).toNanos(),
                            Duration.ofSeconds(15).toNanos());
                    while (System.nanoTime() < deadline && !writers.stream().allMatch(w -> w.firstSuccessAfter(killedAt + kubeletDelay.toNanos()) > 0)) {
                        pause(Duration.ofMillis(100));
                    }
                    long ready = redis.pod(0).runningSinceNanos();
                    String newIp = redis.pod(0).ip();
                    long listed = redis.endpointHistory().stream()
                            .filter(change -> change.endpoints().stream().anyMatch(e -> e.ip().equals(newIp)))
                            .mapToLong(EndpointChange::nanoTime).findFirst().orElse(-1);
                    long readyListed = redis.endpointHistory().stream()
                            .filter(change -> change.readyIps().contains(newIp))
                            .mapToLong(EndpointChange::nanoTime).findFirst().orElse(-1);
                    StringBuilder line = new StringBuilder(String.format(
                            "rep %d (new master %s: endpoint listed +%d ms, ready in the EndpointSlice +%d ms):", rep,
                            newIp, (listed - ready) / 1_000_000, (readyListed - ready) / 1_000_000));
                    for (TimedWriter writer : writers) {
                        long before = writer.lastSuccessBefore(killedAt);
                        long after = writer.firstSuccessAfter(killedAt);
                        boolean recovered = before > 0 && after > 0 && after > ready;
                        String name = writer.name();
                        errors.merge(name, writer.failureCount(), Integer::sum);
                        if (recovered) {
                            double window = (after - before) / 1e6;
                            double beyond = (after - ready) / 1e6;
                            windows.get(name).add(window);
                            beyondReady.get(name).add(beyond);
                            csv.add(rep + "," + name + "," + String.format("%.1f", window) + ","
                                    + String.format("%.1f", beyond) + "," + writer.failureCount());
                            line.append(String.format("  %s %.0f ms (+%.0f)", name, window, beyond));
                        } else {
                            windows.get(name).addAbsent();
                            beyondReady.get(name).addAbsent();
                            csv.add(rep + "," + name + ",,," + writer.failureCount());
                            line.append("  ").append(name).append(" not recovered");
                            if (options.containsKey("verbose")) {
                                line.append(String.format(" (before %d ms, after %d ms, ready %d ms, failures %s)",
                                        (before - killedAt) / 1_000_000, (after - killedAt) / 1_000_000,
                                        (ready - killedAt) / 1_000_000, writer.failures()));
                            }
                        }
                    }
                    System.out.println(line);
                    for (TimedWriter writer : writers) {
                        writer.stopWithoutClosing();
                    }
                    byIp.close();
                }
            } finally {
                longLived.forEach(Contender::close);
            }
        }

        StringBuilder table = new StringBuilder();
        table.append("| contender | recovered | failover window median | max | after new master ready, median | max | errors seen |\n");
        table.append("|---|---|---|---|---|---|---|\n");
        for (String name : Contenders.names()) {
            Stats w = windows.get(name);
            Stats b = beyondReady.get(name);
            table.append("| ").append(name).append(" | ").append(w.count()).append('/').append(w.count() + w.absent())
                    .append(" | ").append(Stats.format(w.median())).append(" | ").append(Stats.format(w.max()))
                    .append(" | ").append(Stats.format(b.median())).append(" | ").append(Stats.format(b.max()))
                    .append(" | ").append(errors.get(name)).append(" |\n");
        }
        System.out.println();
        System.out.println("Master pod replaced " + reps + " times (kill -9, recreated with a new IP after "
                + kubeletDelay.toMillis() + " ms; DNS TTL " + dnsTtl.toSeconds() + " s):");
        System.out.println(table);
        Files.createDirectories(out);
        Files.writeString(out.resolve("failover-windows.md"), table.toString());
        Files.write(out.resolve("failover-windows.csv"), csv);
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].startsWith("--") && i + 1 < args.length) {
                options.put(args[i].substring(2), args[++i]);
            }
        }
        return options;
    }

    static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
