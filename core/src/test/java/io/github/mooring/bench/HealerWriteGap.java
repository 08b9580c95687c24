package io.github.mooring.bench;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.mooring.MooringClient;
import io.github.mooring.MooringOptions;
import io.github.mooring.discovery.KubernetesSource;
import io.github.mooring.exceptions.CommandFateUnknownException;
import io.github.mooring.healer.HealerMode;
import io.github.mooring.healer.HealerSettings;
import io.github.mooring.testkit.RedisPod;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.SimulatedNamespace;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The healer's measurements for its issue: the master pod is replaced without persistence (it comes back empty) with
 * repair on; a writer INCRs without pause. Per run: the longest write gap, how far it reached beyond the moment the
 * new pod answered (the figure: the pod is recreated 1 s after the kill, a time no client can shorten),
 * acknowledged writes lost (must be 0), and whether the group ended whole. Not a test: a measurement, printed.
 *
 * <pre>
 * mvn -q -B -pl core -am test-compile exec:java@healer-write-gap -Dexec.args="10"
 * </pre>
 */
public final class HealerWriteGap {

    private HealerWriteGap() {}

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        List<Long> gaps = new ArrayList<>();
        List<Long> beyond = new ArrayList<>();
        long totalLost = 0;
        for (int run = 1; run <= runs; run++) {
            try (SimulatedNamespace ns = SimulatedNamespace.start();
                    KubernetesClient kubernetes = ns.api().newClient()) {
                RedisStatefulSet redis = ns.redis("redis").persistence(false).start();
                try (MooringClient client = MooringClient.create(MooringOptions.builder()
                        .service("redis")
                        .namespace(ns.name())
                        .source(KubernetesSource.builder().client(kubernetes).build())
                        .healer(HealerSettings.builder().mode(HealerMode.REPAIR).build())
                        .build())) {
                    while (!client.healer().orElseThrow().isLeader()) {
                        Thread.sleep(20);
                    }
                    StatefulRedisConnection<String, String> connection = client.connect();
                    long acked = 0;
                    long unknown = 0;
                    long last = System.nanoTime();
                    long longest = 0;
                    long longestEnd = 0;
                    long replacedAt = 0;
                    long end = Long.MAX_VALUE;
                    while (System.nanoTime() < end) {
                        try {
                            connection.sync().incr("n");
                            acked++;
                            long now = System.nanoTime();
                            if (now - last > longest) {
                                longest = now - last;
                                longestEnd = now;
                            }
                            last = now;
                        } catch (CommandFateUnknownException e) {
                            unknown++;
                        }
                        if (replacedAt == 0 && acked == 300) {
                            redis.pod(0).replace(RedisPod.Deletion.KILL, Duration.ofSeconds(1));
                            replacedAt = System.nanoTime();
                            end = replacedAt + Duration.ofSeconds(5).toNanos();
                        }
                    }
                    long counter = Long.parseLong(connection.sync().get("n"));
                    long lost = Math.max(0, acked - counter);
                    totalLost += lost;
                    gaps.add(longest / 1_000_000);
                    // When the replacement first answered commands: the moment a new master could first accept writes.
                    long beyondAnswer = (longestEnd - redis.pod(0).runningSinceNanos()) / 1_000_000;
                    beyond.add(beyondAnswer);
                    System.out.printf(
                            "run %d: longest write gap %d ms (ended %d ms after the new pod answered), acknowledged %d,"
                                    + " counter %d, fate unknown %d, lost %d, master now %s%n",
                            run,
                            longest / 1_000_000,
                            beyondAnswer,
                            acked,
                            counter,
                            unknown,
                            lost,
                            redis.master().map(RedisPod::name).orElse("?"));
                }
            }
        }
        Collections.sort(gaps);
        Collections.sort(beyond);
        System.out.printf(
                "%nwrite gap over %d runs: median %d ms, max %d ms; beyond the new pod's first answer: median %d ms,"
                        + " max %d ms; acknowledged writes lost in all: %d%n",
                runs,
                gaps.get(gaps.size() / 2),
                gaps.get(gaps.size() - 1),
                beyond.get(beyond.size() / 2),
                beyond.get(beyond.size() - 1),
                totalLost);
    }
}
