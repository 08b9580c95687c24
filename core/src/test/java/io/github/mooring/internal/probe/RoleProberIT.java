package io.github.mooring.internal.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.mooring.discovery.Endpoint;
import io.github.mooring.probe.NodeReport;
import io.github.mooring.probe.ProbeResult;
import io.github.mooring.testkit.RedisPod;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;
import io.lettuce.core.RedisURI;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What a probe costs a pod and what it reads, against real {@code redis-server}s: on Redis 7 one {@code INFO} of four
 * sections and one {@code PUBSUB NUMSUB}; before 7.0 (run with {@code -Dmooring.testkit.redis-server=embedded}, the
 * 6.2 inside embedded-redis) the refused form once, then the four sections one by one. Either way the report is what
 * four {@code INFO}s read.
 */
@ExtendWith(SimulatedNamespaceExtension.class)
class RoleProberIT {

    static final int PROBES = 10;

    private ClientResources resources;
    private RoleProber prober;

    @BeforeEach
    void start() {
        resources = DefaultClientResources.create();
        prober = new RoleProber(ProbeSettings.defaults(RedisURI.create("redis://localhost")), resources);
    }

    @AfterEach
    void stop() {
        prober.close();
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }

    @Test
    void aProbeIsOneInfoAndOnePubsubOnRedis7AndReadsWhatFourInfosRead(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").replicas(2).start();
        RedisPod replica = redis.pod(1);
        redis.pod(0).command("SET", "k", "v");
        redis.awaitReplicationLinked(Duration.ofSeconds(30));
        boolean redis7 = major(replica) >= 7;
        Map<String, Long> before = calls(replica);

        ProbeResult result = null;
        for (int i = 0; i < PROBES; i++) {
            result = prober.probe(endpoint(replica)).join();
        }

        Map<String, Long> after = calls(replica);
        long infos = after.get("info") - before.getOrDefault("info", 0L) - 1; // less the second INFO commandstats
        String pubsub = redis7 ? "pubsub|numsub" : "pubsub"; // 6.2 counts subcommands under their command
        long numsubs = after.get(pubsub) - before.getOrDefault(pubsub, 0L);
        assertThat(infos)
                .as("INFO calls for %d probes on Redis %s", PROBES, version(replica))
                .isEqualTo(redis7 ? PROBES : 1 + 4L * PROBES);
        assertThat(numsubs).isEqualTo(PROBES);

        NodeReport report = result.report();
        NodeReport fourInfos = InfoParser.parse(
                info(replica, "replication"),
                info(replica, "persistence"),
                info(replica, "keyspace"),
                info(replica, "server"));
        assertThat(report)
                .usingRecursiveComparison()
                .ignoringFields("replOffset", "masterLinkDownSinceSeconds")
                .isEqualTo(fourInfos);
        assertThat(report.keys()).isEqualTo(1);
        assertThat(report.masterAddress()).isEqualTo(redis.pod(0).address());
    }

    @Test
    void aPodClosingTheKeptConnectionIsToldAndTheProbersOwnClosesAreNot(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").replicas(1).start();
        RedisPod pod = redis.pod(0);
        List<String> lost = new CopyOnWriteArrayList<>();
        prober.onConnectionLost(lost::add);
        assertThat(prober.probe(endpoint(pod)).join().reachable()).isTrue();

        pod.command("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes");

        await().atMost(Duration.ofSeconds(10)).until(() -> lost.size() == 1);
        assertThat(lost).containsExactly(pod.address());

        assertThat(prober.probe(endpoint(pod)).join().reachable())
                .as("a new connection")
                .isTrue();
        prober.reconnect(pod.address()); // closed by the prober: no news
        assertThat(prober.probe(endpoint(pod)).join().reachable()).isTrue();
        prober.retain(List.of()); // forgotten: no news either
        assertThat(prober.probe(endpoint(pod)).join().reachable()).isTrue();
        pod.command("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes");

        await().atMost(Duration.ofSeconds(10)).until(() -> lost.size() == 2);
        assertThat(lost).containsExactly(pod.address(), pod.address());
    }

    private static Endpoint endpoint(RedisPod pod) {
        return new Endpoint(pod.ip(), pod.port(), pod.name(), true, false);
    }

    private static String info(RedisPod pod, String section) {
        return String.valueOf(pod.command("INFO", section));
    }

    private static String version(RedisPod pod) {
        return pod.info("server").get("redis_version");
    }

    private static int major(RedisPod pod) {
        return Integer.parseInt(version(pod).split("\\.")[0]);
    }

    private static Map<String, Long> calls(RedisPod pod) {
        Map<String, Long> calls = new java.util.TreeMap<>();
        pod.info("commandstats").forEach((key, value) -> {
            for (String field : value.split(",")) {
                if (key.startsWith("cmdstat_") && field.startsWith("calls=")) {
                    calls.put(key.substring("cmdstat_".length()), Long.parseLong(field.substring(6)));
                }
            }
        });
        return calls;
    }
}
