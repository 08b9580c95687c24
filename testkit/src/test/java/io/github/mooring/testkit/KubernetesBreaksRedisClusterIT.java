package io.github.mooring.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.mooring.testkit.RedisPod.Deletion;
import io.lettuce.core.RedisException;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The "before" pictures for Redis Cluster: what a plain Lettuce application ({@code RedisClusterClient} seeded with
 * the Service's name, periodic and adaptive refresh) goes through when the cluster's pods get new IPs. Each test
 * passes as long as the failure happens, and prints what it measured.
 */
@ExtendWith(SimulatedNamespaceExtension.class)
class KubernetesBreaksRedisClusterIT {

    private static final Duration READY = Duration.ofSeconds(30);

    private PlainLettuceCluster lettuce;

    @AfterEach
    void close() {
        if (lettuce != null) {
            lettuce.close();
        }
    }

    /**
     * A master pod is replaced with a new IP and its volume: Redis fixes the node's address by gossip and its slots are
     * writable again about 2 s later, but Lettuce's adaptive refresh ran while every node still listed the old IP
     * (and is then rate-limited for 30 s): its writes to those slots fail until the next periodic refresh. The pod is
     * killed just after a periodic refresh, so that the next one is 10 s away (at any other moment, Lettuce's luck
     * varies: its periodic refresh may fall between the pod's return and writability, as in 2 of 6 runs of core's
     * MooringClusterClientIT).
     */
    @Test
    void writesToAReplacedMastersSlotsFailUntilTheNextPeriodicRefreshAlthoughTheyAreWritableAgain(
            SimulatedNamespace ns) {
        RedisCluster cluster = ns.redisCluster("redis").start();
        lettuce = new PlainLettuceCluster(ns, cluster, Duration.ofSeconds(10));
        long connected = System.nanoTime();
        StatefulRedisClusterConnection<String, String> connection = lettuce.client.connect();
        RedisPod master = cluster.pod(0);
        String id = cluster.nodeId(master);
        String oldIp = master.ip();
        String key = keyServedBy(cluster, master);
        assertThat(connection.sync().set(key, "before")).isEqualTo("OK");

        // The first periodic refresh comes one period after the client's first topology load; an adaptive one may
        // come earlier (and is then rate-limited for 30 s). Killing right after the periodic one puts the next 10 s
        // away, and the pod's return 1 s later is after the adaptive refresh the lost connection triggers.
        long periodicDue = connected + Duration.ofMillis(9_500).toNanos();
        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(1))
                .until(() -> lettuce.client.refreshes.stream().anyMatch(at -> at >= periodicDue));
        long killed = System.nanoTime();
        master.replace(Deletion.KILL, Duration.ofSeconds(1));
        master.awaitReady(READY);
        RedisPod writable = awaitWritable(cluster, key);
        long writableAt = System.nanoTime();

        // Writable again, at the pod's new IP; Lettuce still routes the slot to the old one.
        assertThat(writable).isEqualTo(master);
        assertThat(master.ip()).isNotEqualTo(oldIp);
        RedisClusterNode routed = connection.getPartitions().getPartitionBySlot(SlotHash.getSlot(key));
        assertThat(routed.getNodeId()).isEqualTo(id);
        assertThat(routed.getUri().getHost()).isEqualTo(oldIp);
        assertThatThrownBy(() -> connection.sync().set(key, "after")).isInstanceOf(RedisException.class);

        await().atMost(Duration.ofSeconds(20))
                .ignoreExceptions()
                .until(() -> "OK".equals(connection.sync().set(key, "after")));
        long recovered = System.nanoTime();
        System.out.printf(
                "master replaced (volume kept): slots writable again %d ms after the kill, Lettuce writes %d ms after"
                        + " the kill (%d ms beyond writable); adaptive refreshes rate-limited, %d refreshes in all%n",
                (writableAt - killed) / 1_000_000,
                (recovered - killed) / 1_000_000,
                (recovered - writableAt) / 1_000_000,
                lettuce.client.refreshes.size());
        assertThat(recovered - writableAt).isGreaterThan(Duration.ofSeconds(1).toNanos());
    }

    /**
     * Every pod is replaced at once with new IPs (volumes kept): each node looks for its peers at their old IPs, the
     * cluster never re-forms by itself, and no write goes through, for as long as we look.
     */
    @Test
    void afterEveryPodIsReplacedAtOnceNoWriteGoesThrough(SimulatedNamespace ns) {
        RedisCluster cluster =
                ns.redisCluster("redis").nodeTimeout(Duration.ofSeconds(2)).start();
        lettuce = new PlainLettuceCluster(ns, cluster, Duration.ofSeconds(2));
        StatefulRedisClusterConnection<String, String> connection = lettuce.client.connect();
        List<String> keys = List.of("a", "b", "c", "d", "e", "f");
        for (String key : keys) {
            assertThat(connection.sync().set(key, "before")).isEqualTo("OK");
        }

        cluster.replaceAll(Deletion.KILL, Duration.ofMillis(200));
        cluster.statefulSet().awaitAllReady(READY);

        Always.holdsFor(Duration.ofSeconds(6), Duration.ofMillis(250), "no write goes through", () -> {
            for (String key : keys) {
                assertThatThrownBy(() -> connection.sync().set(key, "after")).isInstanceOf(RedisException.class);
            }
        });
        assertThat(cluster.problem()).isPresent();
        System.out.printf(
                "every pod replaced: no write in 6 s after the last pod was ready; cluster: %s%n",
                cluster.problem().orElse("healthy"));
    }

    /** A key of a slot {@code master} serves. */
    static String keyServedBy(RedisCluster cluster, RedisPod master) {
        for (int i = 0; ; i++) {
            String key = "key-" + i;
            if (cluster.masterOf(SlotHash.getSlot(key)).filter(master::equals).isPresent()) {
                return key;
            }
        }
    }

    /** Waits until a master accepts a write of {@code key} at its current IP (a client that knows where it is). */
    static RedisPod awaitWritable(RedisCluster cluster, String key) {
        int slot = SlotHash.getSlot(key);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            for (RedisPod pod : cluster.pods()) {
                try {
                    if (pod.phase() == RedisPod.Phase.RUNNING && "OK".equals(pod.command("SET", key, "probe"))) {
                        return pod;
                    }
                } catch (RuntimeException e) {
                    // not answering yet
                }
            }
            RedisProcess.pause(Duration.ofMillis(5));
        }
        throw new AssertionError("slot " + slot + " not writable within 30 s");
    }
}
