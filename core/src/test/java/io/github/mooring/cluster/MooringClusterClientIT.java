package io.github.mooring.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.mooring.MooringOptions;
import io.github.mooring.discovery.KubernetesSource;
import io.github.mooring.testkit.RedisCluster;
import io.github.mooring.testkit.RedisPod;
import io.github.mooring.testkit.RedisPod.Deletion;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;
import io.github.mooring.testkit.WriteCheck;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.resolver.dns.DnsAddressResolverGroup;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.SingletonDnsServerAddressStreamProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Writers through {@link MooringClusterClient} and, in the same run, through plain Lettuce (seeded with the Service's
 * name, periodic refresh each 10 s and every adaptive trigger, as its users are told), a synchronous and an
 * asynchronous one each, on a slot of the master that is disrupted, ~1,500 writes/s in all. At the end every
 * Mooring writer's history is checked on the slot's final master: nothing acknowledged lost, nothing applied twice
 * (issue order is printed: not yet guaranteed, see {@link #assertNothingLostOrDoubled}). The write gaps are printed,
 * not asserted (a shared CPU).
 */
@ExtendWith(SimulatedNamespaceExtension.class)
class MooringClusterClientIT {

    private static final int OPS_PER_WRITER = 375;

    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    @Test
    void aMasterPodReplacedWithANewIpIsWrittenToAsSoonAsItsSlotsAreWritable(SimulatedNamespace ns) throws Exception {
        RedisCluster cluster = ns.redisCluster("redis").start();
        RedisPod master = cluster.pod(0);
        Writers writers = startWriters(ns, cluster, master);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> writers.all().stream().allMatch(w -> w.acknowledged.get() > 100));

        long killed = System.nanoTime();
        master.replace(Deletion.KILL, Duration.ofMillis(300));
        long writable = awaitWritable(master, writers.mooringSync.ledger.logKey());
        await().atMost(Duration.ofSeconds(5))
                .until(() -> writers.mooring().stream().allMatch(w -> w.firstAckAfter(killed) > 0));
        await().atMost(Duration.ofSeconds(25))
                .until(() -> writers.plain().stream().allMatch(w -> w.firstAckAfter(killed) > 0));
        long end = System.nanoTime();
        writers.stopAndSettle();

        report("master pod replaced (volume kept)", writers, killed, writable, end);
        assertThat(master.ip()).isNotNull();
        for (ClusterLedgerWriter writer : writers.mooring()) {
            assertNothingLostOrDoubled(
                    writer.check(cluster.masterOf(slotOf(writer)).orElseThrow()));
        }
    }

    @Test
    void aClusterFailoverOfTheReplicaMovesWritesWithinMilliseconds(SimulatedNamespace ns) throws Exception {
        RedisCluster cluster = ns.redisCluster("redis").start();
        RedisPod master = cluster.pod(0);
        RedisPod replica = cluster.pod(3);
        Writers writers = startWriters(ns, cluster, master);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> writers.all().stream().allMatch(w -> w.acknowledged.get() > 100));

        long start = System.nanoTime();
        cluster.failover(replica);
        long promoted = System.nanoTime();
        await().atMost(Duration.ofSeconds(25))
                .until(() -> writers.all().stream().allMatch(w -> w.firstAckAfter(promoted) > 0));
        long end = System.nanoTime() + Duration.ofMillis(500).toNanos();
        await().atMost(Duration.ofSeconds(2)).until(() -> System.nanoTime() > end);
        writers.stopAndSettle();

        StringBuilder out = new StringBuilder("CLUSTER FAILOVER (promoted " + ms(promoted - start) + " ms after it was"
                + " asked): longest write gap");
        for (ClusterLedgerWriter writer : writers.all()) {
            out.append(String.format(
                    "; %s %d ms", writer, writer.longestGap(start, end).toMillis()));
        }
        System.out.println(out);
        for (ClusterLedgerWriter writer : writers.mooring()) {
            assertNothingLostOrDoubled(writer.check(replica));
        }
    }

    /**
     * Every pod replaced at once with new IPs: the cluster does not re-form by itself. Once it is repaired as the
     * healer will repair it ({@code CLUSTER MEET} with the current IPs; done by the test here), Mooring's connection
     * writes again: its refresh sources are the pods' current IPs. Plain Lettuce's are all dead; it may fall back to
     * its seed, the Service's name, through a resolver that caches the old answer for its TTL (30 s).
     */
    @Test
    void afterEveryPodWasReplacedAndTheClusterRepairedWritesGoThroughAgain(SimulatedNamespace ns) {
        RedisCluster cluster =
                ns.redisCluster("redis").nodeTimeout(Duration.ofSeconds(2)).start();
        StatefulRedisClusterConnection<String, String> mooring = connect(mooringClient(ns, cluster));
        StatefulRedisClusterConnection<String, String> plain = connect(plainClient(ns, cluster));
        List<String> keys = List.of("a", "b", "c", "d", "e", "f");
        for (String key : keys) {
            assertThat(mooring.sync().set(key, "before")).isEqualTo("OK");
            assertThat(plain.sync().set(key, "before")).isEqualTo("OK");
        }

        cluster.replaceAll(Deletion.KILL, Duration.ofMillis(200));
        cluster.statefulSet().awaitAllReady(Duration.ofSeconds(30));
        for (RedisPod pod : cluster.pods()) {
            for (RedisPod other : cluster.pods()) {
                if (pod != other) {
                    pod.command("CLUSTER", "MEET", other.ip(), Integer.toString(other.port()));
                }
            }
        }
        cluster.awaitHealthy(Duration.ofSeconds(60));
        long healthy = System.nanoTime();

        await().atMost(Duration.ofSeconds(5))
                .ignoreExceptions()
                .until(() ->
                        keys.stream().allMatch(key -> "OK".equals(mooring.sync().set(key, "after"))));
        long mooringWrites = System.nanoTime();
        boolean plainWrites;
        try {
            plainWrites = keys.stream().allMatch(key -> "OK".equals(plain.sync().set(key, "after")));
        } catch (RuntimeException e) {
            plainWrites = false;
        }
        System.out.printf(
                "every pod replaced, cluster repaired by CLUSTER MEET: Mooring writes to every key %d ms after the"
                        + " cluster was healthy; plain Lettuce %s then%n",
                ms(mooringWrites - healthy), plainWrites ? "writes too" : "does not");
    }

    // ---------------------------------------------------------------- fixture

    private record Writers(
            ClusterLedgerWriter mooringSync,
            ClusterLedgerWriter mooringAsync,
            ClusterLedgerWriter plainSync,
            ClusterLedgerWriter plainAsync) {

        List<ClusterLedgerWriter> mooring() {
            return List.of(mooringSync, mooringAsync);
        }

        List<ClusterLedgerWriter> plain() {
            return List.of(plainSync, plainAsync);
        }

        List<ClusterLedgerWriter> all() {
            return List.of(mooringSync, mooringAsync, plainSync, plainAsync);
        }

        void stopAndSettle() throws InterruptedException {
            all().forEach(ClusterLedgerWriter::stop);
            for (ClusterLedgerWriter writer : all()) {
                writer.awaitSettled(Duration.ofSeconds(10));
            }
        }
    }

    private StatefulRedisClusterConnection<String, String> connect(RedisClusterClient client) {
        StatefulRedisClusterConnection<String, String> connection = client.connect();
        closeables.add(connection);
        return connection;
    }

    private Writers startWriters(SimulatedNamespace ns, RedisCluster cluster, RedisPod master) {
        StatefulRedisClusterConnection<String, String> mooring = connect(mooringClient(ns, cluster));
        StatefulRedisClusterConnection<String, String> plain = connect(plainClient(ns, cluster));
        return new Writers(
                writer(cluster, master, "mooring-sync", mooring, false),
                writer(cluster, master, "mooring-async", mooring, true),
                writer(cluster, master, "plain-sync", plain, false),
                writer(cluster, master, "plain-async", plain, true));
    }

    /** A writer whose keys live in a slot of {@code master}. */
    private ClusterLedgerWriter writer(
            RedisCluster cluster,
            RedisPod master,
            String prefix,
            StatefulRedisClusterConnection<String, String> connection,
            boolean async) {
        for (int i = 0; ; i++) {
            String name = prefix + "-" + i;
            if (cluster.masterOf(SlotHash.getSlot(name)).filter(master::equals).isPresent()) {
                ClusterLedgerWriter writer = new ClusterLedgerWriter(name, connection, async, OPS_PER_WRITER);
                closeables.add(writer);
                return writer;
            }
        }
    }

    private MooringClusterClient mooringClient(SimulatedNamespace ns, RedisCluster cluster) {
        KubernetesClient kubernetes = ns.api().newClient();
        closeables.add(kubernetes);
        MooringClusterClient client = MooringClusterClient.create(MooringOptions.builder()
                .service(cluster.name())
                .namespace(ns.name())
                .source(KubernetesSource.builder().client(kubernetes).build())
                .build());
        closeables.add(() -> client.shutdown(Duration.ZERO, Duration.ofSeconds(2)));
        return client;
    }

    /** Lettuce's cluster client as its users configure it, resolving the Service's name with the cluster DNS. */
    private RedisClusterClient plainClient(SimulatedNamespace ns, RedisCluster cluster) {
        ClientResources resources = DefaultClientResources.builder()
                .addressResolverGroup(new DnsAddressResolverGroup(new DnsNameResolverBuilder()
                        .datagramChannelType(NioDatagramChannel.class)
                        .nameServerProvider(new SingletonDnsServerAddressStreamProvider(
                                ns.dns().address()))))
                .build();
        closeables.add(() -> resources.shutdown(0, 2, TimeUnit.SECONDS));
        RedisClusterClient client =
                RedisClusterClient.create(resources, RedisURI.create(cluster.serviceDnsName(), cluster.port()));
        client.setOptions(ClusterClientOptions.builder()
                .socketOptions(SocketOptions.builder()
                        .connectTimeout(Duration.ofSeconds(1))
                        .build())
                .timeoutOptions(TimeoutOptions.enabled(Duration.ofSeconds(1)))
                .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                        .enablePeriodicRefresh(Duration.ofSeconds(10))
                        .enableAllAdaptiveRefreshTriggers()
                        .build())
                .build());
        closeables.add(() -> client.shutdown(Duration.ZERO, Duration.ofSeconds(2)));
        return client;
    }

    /** When a write of {@code key} first succeeds at the pod's current IP, polling every 5 ms. */
    private static long awaitWritable(RedisPod pod, String key) {
        String probe = key + ":probe";
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(5))
                .ignoreExceptions()
                .until(() -> pod.phase() == RedisPod.Phase.RUNNING && "OK".equals(pod.command("SET", probe, "1")));
        return System.nanoTime();
    }

    /**
     * Nothing acknowledged lost, nothing applied twice, nothing foreign, every outcome known. Issue order is printed,
     * not asserted: the node connections are Lettuce's, whose MOVED redirects re-send each refused command on its own
     * while later ones go straight to the new master (3 writes of an asynchronous writer applied after a later one in
     * a CLUSTER FAILOVER, on Lettuce 6.8.2); keeping the order needs FailoverWriter on those connections, not built
     * yet.
     */
    private static void assertNothingLostOrDoubled(WriteCheck check) {
        System.out.printf(
                "%s: %d out of order, %d stale register%n",
                check.writer(), check.orderViolations(), check.count(WriteCheck.Kind.STALE_REGISTER));
        assertThat(List.of(
                        check.lost(),
                        check.appliedTwice(),
                        check.count(WriteCheck.Kind.APPLIED_THOUGH_FAILED),
                        check.count(WriteCheck.Kind.FOREIGN_VALUE),
                        check.count(WriteCheck.Kind.NOT_SETTLED)))
                .as("lost, applied twice, applied though failed, foreign, not settled: %s", check)
                .containsOnly(0L);
    }

    private static int slotOf(ClusterLedgerWriter writer) {
        return SlotHash.getSlot(writer.ledger.logKey());
    }

    private static void report(String what, Writers writers, long killed, long writable, long end) {
        StringBuilder out = new StringBuilder(what + ": slots writable again " + ms(writable - killed)
                + " ms after the kill; the writer's longest gap ended, beyond that");
        for (ClusterLedgerWriter writer : writers.all()) {
            out.append(String.format(
                    "; %s %d ms (gap %d ms)",
                    writer,
                    ms(writer.endOfLongestGap(killed, end) - writable),
                    writer.longestGap(killed, end).toMillis()));
        }
        System.out.println(out);
    }

    private static long ms(long nanos) {
        return nanos / 1_000_000;
    }
}
