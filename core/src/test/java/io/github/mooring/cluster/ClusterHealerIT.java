package io.github.mooring.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.mooring.MooringOptions;
import io.github.mooring.discovery.KubernetesSource;
import io.github.mooring.healer.ClusterFinding;
import io.github.mooring.healer.ClusterHealer;
import io.github.mooring.healer.HealerEvent;
import io.github.mooring.healer.HealerMode;
import io.github.mooring.healer.HealerSettings;
import io.github.mooring.healer.RepairAction;
import io.github.mooring.testkit.RedisCluster;
import io.github.mooring.testkit.RedisPod;
import io.github.mooring.testkit.RedisPod.Deletion;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;
import io.github.mooring.testkit.WriteCheck;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The cluster healer on a real Redis Cluster (testkit: 3 masters + 3 replicas, real {@code redis-server}s, the fabric8
 * API server for endpoints and the Lease), started by {@link MooringClusterClient} from {@code MooringOptions}' healer
 * settings. What each pod ran is read from its own {@code INFO commandstats} ({@code cmdstat_cluster|meet},
 * {@code cmdstat_cluster|replicate}): the healer is the only client that sends those after the cluster formed.
 */
@ExtendWith(SimulatedNamespaceExtension.class)
class ClusterHealerIT {

    private static final int OPS_PER_WRITER = 375;

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final List<HealerEvent> events = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    /**
     * Every pod replaced at once with new IPs, volumes kept: no node knows where any other is, and the cluster never
     * re-forms by itself ({@code KubernetesBreaksRedisClusterIT}). The healer in repair mode meets each node at its
     * new IP from each peer that lists it elsewhere (gossip spreads the rest); the cluster is healthy again, every
     * shard with the master it had, and the writers (a synchronous and an asynchronous one, each on every shard) write again, with
     * nothing acknowledged lost.
     *
     * <p>The node timeout is Redis's default, 15 s: a shard changes hands only when its master is unreachable that
     * long while the others are up, which is no needless change. (With 5 s on this shared 2-core machine, the pods
     * came back over up to 6.7 s, and a replica whose master's pod came back last was promoted first.)
     */
    @Test
    void everyPodReplacedAtOnceTheHealerReformsTheClusterAndWritesResume(SimulatedNamespace ns) throws Exception {
        RedisCluster cluster =
                ns.redisCluster("redis").nodeTimeout(Duration.ofSeconds(15)).start();
        Map<Integer, String> ownersBefore = shardOwners(cluster);
        MooringClusterClient client = client(ns, cluster, HealerMode.REPAIR);
        StatefulRedisClusterConnection<String, String> connection = connect(client);
        List<ClusterLedgerWriter> writers = writers(cluster, connection);
        await().atMost(Duration.ofSeconds(10)).until(() -> writers.stream().allMatch(w -> w.acknowledged.get() > 100));

        long replaced = System.nanoTime();
        cluster.replaceAll(Deletion.KILL, Duration.ofMillis(200));
        cluster.statefulSet().awaitAllReady(Duration.ofSeconds(30));
        long lastRunning = cluster.pods().stream()
                .mapToLong(RedisPod::runningSinceNanos)
                .max()
                .orElseThrow();
        cluster.awaitHealthy(Duration.ofSeconds(30));
        long healthy = System.nanoTime();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> writers.stream().allMatch(w -> w.firstAckAfter(w.ledgers, lastRunning) > 0));
        long allWrite = writers.stream()
                .mapToLong(w -> w.firstAckAfter(w.ledgers, lastRunning))
                .max()
                .orElseThrow();
        for (ClusterLedgerWriter writer : writers) {
            writer.stop();
        }
        for (ClusterLedgerWriter writer : writers) {
            writer.awaitSettled(Duration.ofSeconds(10));
        }

        long firstMeet = firstActionAt(RepairAction.Kind.MEET);
        long lastMeet = lastActionAt(RepairAction.Kind.MEET);
        System.out.printf(
                "every pod replaced (volumes kept), healer in repair mode: last pod running %d ms after the"
                        + " replacement began (first CLUSTER MEET at %d ms, last at %d ms); after the last pod running:"
                        + " cluster healthy %d ms, every writer written to %d ms (%d ms after healthy); %d MEETs sent;"
                        + " shards before %s, after %s%n",
                ms(lastRunning - replaced),
                ms(firstMeet - replaced),
                ms(lastMeet - replaced),
                ms(healthy - lastRunning),
                ms(allWrite - lastRunning),
                ms(allWrite - healthy),
                actions(RepairAction.Kind.MEET).size(),
                ownersBefore,
                shardOwners(cluster));
        assertThat(events)
                .filteredOn(HealerEvent.FindingReported.class::isInstance)
                .map(e -> ((HealerEvent.FindingReported) e).finding())
                .hasAtLeastOneElementOfType(ClusterFinding.StaleAddressesFinding.class);
        assertThat(actions(RepairAction.Kind.MEET))
                .as("CLUSTER MEETs the healer sent")
                .isNotEmpty();
        if (countsSubcommands(cluster)) { // Redis 6.2 counts every CLUSTER subcommand as one: no MEET count there
            assertThat(meetsRunBy(cluster).values().stream()
                            .mapToLong(Long::longValue)
                            .sum())
                    .as("CLUSTER MEET calls the pods ran (INFO commandstats): the healer's, none other")
                    .isEqualTo(actions(RepairAction.Kind.MEET).size());
        }
        assertThat(shardOwners(cluster))
                .as("every shard has the master it had: no shard changed hands")
                .isEqualTo(ownersBefore);
        for (ClusterLedgerWriter writer : writers) {
            writer.check(cluster).forEach(ClusterHealerIT::assertNothingLost);
        }
    }

    /**
     * A master's pod replaced without its volume: its replica is promoted after the node timeout, and the pod comes
     * back as a new, empty node in no cluster. The healer makes it the replica of the promoted master (MEET, then
     * REPLICATE); the old node ID lingers (flagged fail), never forgotten.
     */
    @Test
    void aMasterPodReplacedWithoutItsVolumeIsAddedBackAsAReplica(SimulatedNamespace ns) {
        RedisCluster cluster =
                ns.redisCluster("redis").nodeTimeout(Duration.ofSeconds(2)).start();
        RedisPod master = cluster.pod(0);
        RedisPod replica = cluster.pod(3);
        String oldId = cluster.nodeId(master);
        client(ns, cluster, HealerMode.REPAIR);

        long replaced = System.nanoTime();
        master.replaceWithoutVolume(Deletion.KILL, Duration.ofMillis(300));
        master.awaitReady(Duration.ofSeconds(30));
        await().atMost(Duration.ofSeconds(30)).until(() -> "master".equals(replica.role()));
        long promoted = System.nanoTime();
        String promotedId = cluster.nodeId(replica);
        await().atMost(Duration.ofSeconds(30))
                .ignoreExceptions()
                .until(() -> cluster.replicasOf(replica).contains(master)
                        && "up".equals(master.info("replication").get("master_link_status")));
        long linked = System.nanoTime();

        System.out.printf(
                "master pod replaced without its volume: replica promoted %d ms after the replacement began; the empty"
                        + " pod a linked replica of it %d ms later; healer commands %s%n",
                ms(promoted - replaced), ms(linked - promoted), actions(null));
        assertThat(cluster.nodeId(master)).isNotEqualTo(oldId);
        assertThat(actions(null))
                .extracting(RepairAction::command)
                .containsSubsequence(
                        List.of("CLUSTER", "MEET", replica.ip(), Integer.toString(replica.port())),
                        List.of("CLUSTER", "REPLICATE", promotedId));
        assertThat(actions(null)).allSatisfy(a -> assertThat(a.target().host()).isEqualTo(master.ip()));
        assertThat(cluster.nodesSeenBy(replica))
                .as("the old node ID is not forgotten")
                .anySatisfy(node -> assertThat(node.id()).isEqualTo(oldId));
    }

    /**
     * Report mode, the same break as the first test: the healer names the fix (the MEETs) once, sends nothing, and the
     * cluster stays broken.
     */
    @Test
    void inReportModeTheHealerNamesTheFixAndSendsNothing(SimulatedNamespace ns) {
        RedisCluster cluster = ns.redisCluster("redis").start();
        client(ns, cluster, HealerMode.REPORT);

        cluster.replaceAll(Deletion.KILL, Duration.ofMillis(200));
        cluster.statefulSet().awaitAllReady(Duration.ofSeconds(30));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> events.stream()
                        .anyMatch(e -> e instanceof HealerEvent.FindingReported reported
                                && reported.finding() instanceof ClusterFinding.StaleAddressesFinding stale
                                && stale.stale().size() == 30));
        // Absence needs a span: two rounds while something is wrong, and the stability wait, twice over.
        await().during(Duration.ofSeconds(2))
                .atMost(Duration.ofSeconds(3))
                .until(() -> meetsRunBy(cluster).values().stream().allMatch(calls -> calls == 0));

        HealerEvent.FindingReported reported = events.stream()
                .filter(HealerEvent.FindingReported.class::isInstance)
                .map(HealerEvent.FindingReported.class::cast)
                .filter(e -> e.finding() instanceof ClusterFinding.StaleAddressesFinding)
                .reduce((first, second) -> second)
                .orElseThrow();
        System.out.println("report mode: " + reported.finding().description() + "; commands per pod (INFO"
                + " commandstats cluster|meet): " + meetsRunBy(cluster));
        assertThat(reported.mode()).isEqualTo(HealerMode.REPORT);
        assertThat(reported.finding().fix())
                .hasSize(30)
                .allSatisfy(a -> assertThat(a.kind()).isEqualTo(RepairAction.Kind.MEET));
        assertThat(events).noneMatch(e -> e instanceof HealerEvent.ActionTaken);
        assertThat(cluster.problem()).as("the cluster stays broken").isPresent();
    }

    // ---------------------------------------------------------------- fixture

    private MooringClusterClient client(SimulatedNamespace ns, RedisCluster cluster, HealerMode mode) {
        KubernetesClient kubernetes = ns.api().newClient();
        closeables.add(kubernetes);
        MooringClusterClient client = MooringClusterClient.create(MooringOptions.builder()
                .service(cluster.name())
                .namespace(ns.name())
                .source(KubernetesSource.builder().client(kubernetes).build())
                .healer(HealerSettings.builder().mode(mode).build())
                .build());
        closeables.add(() -> client.shutdown(Duration.ZERO, Duration.ofSeconds(2)));
        ClusterHealer healer = client.healer().orElseThrow();
        healer.addListener(events::add);
        if (mode == HealerMode.REPAIR) {
            // As long as the other healer ITs allow: the first Lease request of a new client is slow on a loaded
            // machine.
            await().atMost(Duration.ofSeconds(45)).until(healer::isLeader);
        }
        return client;
    }

    private StatefulRedisClusterConnection<String, String> connect(MooringClusterClient client) {
        StatefulRedisClusterConnection<String, String> connection = client.connect();
        closeables.add(connection);
        return connection;
    }

    /** A synchronous writer and an asynchronous one, each on a slot of every master. */
    private List<ClusterLedgerWriter> writers(
            RedisCluster cluster, StatefulRedisClusterConnection<String, String> connection) {
        List<ClusterLedgerWriter> writers = new ArrayList<>();
        for (boolean async : List.of(false, true)) {
            ClusterLedgerWriter writer = new ClusterLedgerWriter(
                    async ? "async" : "sync", cluster, 1, connection, async, true, OPS_PER_WRITER);
            closeables.add(writer);
            writers.add(writer);
        }
        return writers;
    }

    /** The node ID serving the first slot of each master's range, by slot. */
    private static Map<Integer, String> shardOwners(RedisCluster cluster) {
        Map<Integer, String> owners = new TreeMap<>();
        for (int slot : List.of(0, RedisCluster.SLOTS / 3 + 1, 2 * RedisCluster.SLOTS / 3 + 1)) {
            owners.put(slot, cluster.masterOf(slot).map(cluster::nodeId).orElse("none"));
        }
        return owners;
    }

    /** {@code CLUSTER MEET} calls each pod ran since it started ({@code INFO commandstats}). */
    /** Whether {@code INFO commandstats} counts {@code cluster|meet} apart (Redis 7.0 and later). */
    private static boolean countsSubcommands(RedisCluster cluster) {
        String version = cluster.pods().get(0).info("server").get("redis_version");
        return Integer.parseInt(version.substring(0, version.indexOf('.'))) >= 7;
    }

    private static Map<String, Long> meetsRunBy(RedisCluster cluster) {
        Map<String, Long> calls = new TreeMap<>();
        for (RedisPod pod : cluster.pods()) {
            String stat = pod.info("commandstats").get("cmdstat_cluster|meet");
            calls.put(pod.name(), stat == null ? 0 : Long.parseLong(stat.replaceAll("^calls=(\\d+),.*$", "$1")));
        }
        return calls;
    }

    private List<RepairAction> actions(RepairAction.Kind kind) {
        return events.stream()
                .filter(HealerEvent.ActionTaken.class::isInstance)
                .map(e -> ((HealerEvent.ActionTaken) e).action())
                .filter(a -> kind == null || a.kind() == kind)
                .toList();
    }

    private long firstActionAt(RepairAction.Kind kind) {
        return nanoTime(actionEvents(kind).get(0));
    }

    private long lastActionAt(RepairAction.Kind kind) {
        List<HealerEvent.ActionTaken> taken = actionEvents(kind);
        return nanoTime(taken.get(taken.size() - 1));
    }

    private List<HealerEvent.ActionTaken> actionEvents(RepairAction.Kind kind) {
        return events.stream()
                .filter(e -> e instanceof HealerEvent.ActionTaken taken
                        && taken.action().kind() == kind)
                .map(HealerEvent.ActionTaken.class::cast)
                .toList();
    }

    /** Events carry wall-clock instants, the writers' times are {@code nanoTime}: converted through now. */
    private static long nanoTime(HealerEvent event) {
        return System.nanoTime() - Duration.between(event.at(), Instant.now()).toNanos();
    }

    /**
     * Nothing acknowledged lost, nothing foreign, every outcome known, nothing applied twice, each slot's writes in
     * order. Every pod is killed with writes on the wire; Lettuce's node connections would re-send, after the
     * reconnect, what a lost connection had written (one run, before {@code NodeAttempt} retired such writes, saw a
     * synchronous write applied by the killed master and again after the re-send); now a written write on a lost
     * connection is fate-unknown and never sent again.
     */
    private static void assertNothingLost(WriteCheck check) {
        assertThat(List.of(
                        check.lost(),
                        check.count(WriteCheck.Kind.FOREIGN_VALUE),
                        check.count(WriteCheck.Kind.NOT_SETTLED),
                        check.appliedTwice(),
                        check.orderViolations()))
                .as("lost, foreign, not settled, applied twice, out of order: %s", check)
                .containsOnly(0L);
    }

    private static long ms(long nanos) {
        return nanos / 1_000_000;
    }
}
