package io.github.mooring.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.mooring.MooringOptions;
import io.github.mooring.client.RotatingCredentials;
import io.github.mooring.client.TeeOutputStream;
import io.github.mooring.discovery.KubernetesSource;
import io.github.mooring.exceptions.CredentialsRejectedException;
import io.github.mooring.healer.ClusterHealer;
import io.github.mooring.healer.HealerEvent;
import io.github.mooring.healer.HealerMode;
import io.github.mooring.healer.HealerSettings;
import io.github.mooring.healer.RepairAction;
import io.github.mooring.testkit.Credentials;
import io.github.mooring.testkit.RedisCluster;
import io.github.mooring.testkit.RedisPod;
import io.github.mooring.testkit.RedisPod.Deletion;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;
import io.github.mooring.testkit.WriteCheck;
import io.github.mooring.testkit.WriteLedger;
import io.github.mooring.topology.TopologyEvent;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link MooringClusterClient} on a Redis Cluster whose pods need credentials (testkit: 3 masters + 3 replicas, real
 * {@code redis-server}s). Topology refreshes, node connections and the healer's {@code CLUSTER MEET}/{@code REPLICATE}
 * authenticate with what the {@code RedisURI} carries (its {@code RedisCredentialsProvider} when it has one). Every
 * writer pair (a synchronous one, an asynchronous one with up to 500 in flight, each on two slots of every master) is
 * checked at the end on each slot's final master: in order, nothing acknowledged lost, nothing applied twice.
 */
@ExtendWith(SimulatedNamespaceExtension.class)
class ClusterCredentialsIT {

    private static final int OPS_PER_WRITER = 375;
    private static final String OLD = "old-cluster-secret-3b8e";
    private static final String NEW = "new-cluster-secret-a71c";
    private static final Duration FAILOVER_WAIT = Duration.ofSeconds(20);
    private static final Duration SETTLE = Duration.ofSeconds(60);

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final List<HealerEvent> healerEvents = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    /** A master pod replaced with a new IP ({@code requirepass}): its slots are written again, nothing lost. */
    @Test
    void aMasterPodReplacedOnAPasswordProtectedClusterLosesNothing(SimulatedNamespace ns) throws Exception {
        RedisCluster cluster =
                ns.redisCluster("redis").credentials(Credentials.password(OLD)).start();
        RedisURI uri = RedisURI.builder()
                .withHost("redis")
                .withPassword(OLD.toCharArray())
                .build();
        MooringClusterClient client = client(ns, cluster, b -> b.redisUri(uri));
        List<ClusterLedgerWriter> writers = writers(cluster, connect(client));
        RedisPod master = cluster.pod(0);
        awaitAcknowledged(writers, 200);

        List<List<WriteLedger>> disrupted =
                writers.stream().map(w -> w.ledgersOn(cluster, master)).toList();
        long killed = System.nanoTime();
        master.replace(Deletion.KILL, Duration.ofMillis(300));
        await().atMost(SETTLE)
                .until(() -> writers.get(0).firstAckAfter(disrupted.get(0), killed) > 0
                        && writers.get(1).firstAckAfter(disrupted.get(1), killed) > 0);
        System.out.printf(
                "password-protected cluster, master pod replaced: first acknowledgement on its slots %d ms (sync), %d ms"
                        + " (async) after the kill%n",
                (writers.get(0).firstAckAfter(disrupted.get(0), killed) - killed) / 1_000_000,
                (writers.get(1).firstAckAfter(disrupted.get(1), killed) - killed) / 1_000_000);
        awaitAcknowledged(writers, 200);
        stopAndCheck(writers, cluster);
        assertThat(client.credentialsRejected()).isEmpty();
        for (ClusterLedgerWriter writer : writers) {
            assertThat(writer.failures.keySet())
                    .as("%s", writer)
                    .noneMatch(kind -> kind.contains("NOAUTH") || kind.contains("WRONGPASS"));
        }
    }

    /**
     * A pod replaced without its volume comes back as an empty node in no cluster; the healer (repair mode) meets it
     * and makes it a replica of the promoted master. The pods have no default user, so each {@code CLUSTER MEET} and
     * {@code CLUSTER REPLICATE} was sent on a connection authenticated as the {@code RedisURI}'s ACL user.
     */
    @Test
    void theHealerAuthenticatesItsMeetAndReplicate(SimulatedNamespace ns) {
        RedisCluster cluster = ns.redisCluster("redis")
                .nodeTimeout(Duration.ofSeconds(2))
                .credentials(Credentials.aclUser("app", OLD))
                .start();
        RedisURI uri = RedisURI.builder()
                .withHost("redis")
                .withAuthentication("app", OLD)
                .build();
        MooringClusterClient client = client(
                ns,
                cluster,
                b -> b.redisUri(uri)
                        .healer(HealerSettings.builder().mode(HealerMode.REPAIR).build()));
        ClusterHealer healer = client.healer().orElseThrow();
        await().atMost(Duration.ofSeconds(45)).until(healer::isLeader);
        RedisPod master = cluster.pod(0);
        RedisPod replica = cluster.pod(3);

        master.replaceWithoutVolume(Deletion.KILL, Duration.ofMillis(300));
        await().atMost(SETTLE).until(() -> "master".equals(replica.role()));
        String promotedId = cluster.nodeId(replica);
        await().atMost(SETTLE)
                .ignoreExceptions()
                .until(() -> cluster.replicasOf(replica).contains(master)
                        && "up".equals(master.info("replication").get("master_link_status")));

        assertThat(healerEvents.stream()
                        .filter(HealerEvent.ActionTaken.class::isInstance)
                        .map(e -> ((HealerEvent.ActionTaken) e).action()))
                .extracting(RepairAction::command)
                .containsSubsequence(
                        List.of("CLUSTER", "MEET", replica.ip(), Integer.toString(replica.port())),
                        List.of("CLUSTER", "REPLICATE", promotedId));
        assertThat(healerEvents).noneMatch(e -> String.valueOf(e).contains(OLD));
    }

    /**
     * The pods' password changes while the application keeps the old one (issue 15 §1, on a cluster). While only new
     * connections must authenticate (a topology refresh opens new ones each time), the writers' connections keep
     * working, nothing is cut, the topology stays, and a {@code CredentialsRejected} event per pod names pod and user.
     * Once the application's connections must authenticate again ({@code CLIENT KILL USER app}: what a restart of the
     * pods does), writes fail at once with {@link CredentialsRejectedException}, not after the failover wait and not
     * as "no master". Once the pods accept the old password again, writes resume; nothing acknowledged was lost, no
     * secret was logged or told.
     */
    @Test
    void writesThatCannotAuthenticateFailAtOnceAndSayWhy(SimulatedNamespace ns) throws Exception {
        RedisCluster cluster = clusterWithAppUser(ns);
        RedisURI uri = RedisURI.builder()
                .withHost("redis")
                .withAuthentication("app", OLD)
                .build();
        ByteArrayOutputStream logged = new ByteArrayOutputStream();
        PrintStream err = System.err;
        System.setErr(new PrintStream(new TeeOutputStream(err, logged), true));
        List<ClusterLedgerWriter> writers;
        List<Throwable> told = new ArrayList<>();
        try {
            MooringClusterClient client = client(ns, cluster, b -> b.redisUri(uri));
            List<TopologyEvent.CredentialsRejected> rejected = credentialsRejectedEvents(client);
            StatefulRedisClusterConnection<String, String> connection = connect(client);
            writers = writers(cluster, connect(client));
            awaitAcknowledged(writers, 200);
            List<String> mastersBefore = masterIds(client);

            for (RedisPod pod : cluster.pods()) {
                assertThat(pod.command("ACL", "SETUSER", "app", "resetpass", ">" + NEW))
                        .isEqualTo("OK");
            }
            client.refreshPartitionsAsync(); // what the periodic (30 s) or an adaptive refresh does: new connections
            await().atMost(SETTLE).until(() -> rejected.size() == cluster.pods().size());
            awaitAcknowledged(writers, 800);
            for (ClusterLedgerWriter writer : writers) {
                assertThat(writer.failures).as("%s: nothing cut", writer).isEmpty();
            }
            assertThat(masterIds(client)).as("the topology stays").isEqualTo(mastersBefore);
            assertThat(rejected)
                    .extracting(e -> e.pod().podName(), TopologyEvent.CredentialsRejected::user)
                    .contains(Tuple.tuple("redis-0", "app"));
            assertThat(client.credentialsRejected()).hasSize(cluster.pods().size());

            long changed = System.nanoTime();
            for (RedisPod pod : cluster.pods()) {
                pod.command("CLIENT", "KILL", "USER", "app");
            }
            await().atMost(SETTLE).until(() -> writers.stream().allMatch(w -> w.failed.get() > 0));
            Duration firstFailure = Duration.ofNanos(System.nanoTime() - changed);
            System.out.printf(
                    "first failures %d ms after the application's connections had to authenticate again: %s%n",
                    firstFailure.toMillis(), writers);
            assertThat(firstFailure).isLessThan(FAILOVER_WAIT.dividedBy(2));
            for (ClusterLedgerWriter writer : writers) {
                assertThat(writer.failures.keySet())
                        .as("%s", writer)
                        .allMatch(kind -> kind.startsWith("CredentialsRejectedException")
                                || kind.startsWith("CommandFateUnknownException"));
            }
            String key = "{" + RedisCluster.SLOTS + "}probe";
            long asked = System.nanoTime();
            Throwable failure = catchThrowable(() -> connection.sync().set(key, "x"));
            told.add(failure);
            assertThat(Duration.ofNanos(System.nanoTime() - asked)).isLessThan(FAILOVER_WAIT.dividedBy(2));
            assertThat(failure)
                    .isInstanceOf(CredentialsRejectedException.class)
                    .hasMessageContaining("authentication was refused by redis-")
                    .hasMessageContaining("of the Redis Cluster behind")
                    .hasMessageContaining("for user 'app'")
                    .hasMessageContaining("WRONGPASS")
                    .hasMessageContaining("RedisCredentialsProvider");
            assertThat(((CredentialsRejectedException) failure).user()).isEqualTo("app");
            assertThat(masterIds(client)).as("the topology stays").isEqualTo(mastersBefore);

            for (RedisPod pod : cluster.pods()) {
                pod.command("ACL", "SETUSER", "app", ">" + OLD);
            }
            awaitAcknowledged(writers, 400);
            stopAndCheck(writers, cluster);
            told.addAll(rejected.stream()
                    .map(e -> new IllegalStateException(e.toString()))
                    .toList());
        } finally {
            System.setErr(err);
        }
        StringWriter text = new StringWriter();
        told.forEach(t -> t.printStackTrace(new PrintWriter(text)));
        assertThat(text.toString()).doesNotContain(OLD).doesNotContain(NEW);
        assertThat(logged.toString(StandardCharsets.UTF_8))
                .as("log output")
                .contains("refused the credentials of user app")
                .doesNotContain(OLD)
                .doesNotContain(NEW);
    }

    /** A new client whose password the pods refuse fails at once, naming pod and user, not "cannot connect". */
    @Test
    void aNewClientWithAWrongPasswordFailsSayingWhy(SimulatedNamespace ns) {
        RedisCluster cluster = clusterWithAppUser(ns);
        RedisURI uri = RedisURI.builder()
                .withHost("redis")
                .withAuthentication("app", NEW)
                .build();
        MooringClusterClient client = client(ns, cluster, b -> b.redisUri(uri));

        assertThatThrownBy(() -> connect(client))
                .isInstanceOf(CredentialsRejectedException.class)
                .hasMessageContaining("for user 'app'")
                .hasMessageContaining("WRONGPASS")
                .hasMessageNotContaining(NEW);
    }

    /**
     * Rotation without downtime: the pods accept the old and the new password for a moment ({@code ACL SETUSER app
     * >new}), the application's {@code RedisCredentialsProvider} switches to the new one, the old one is removed
     * ({@code <old}). Then every connection that is not writing must authenticate again (the replicas' connections
     * Mooring opened ahead of need are cut), a topology refresh opens new ones, and a {@code CLUSTER FAILOVER} moves a
     * shard's writes onto a replica. Synchronous and asynchronous writers see no failure, nothing acknowledged lost,
     * no {@code CredentialsRejected}. With a streaming provider too.
     */
    @ParameterizedTest(name = "streaming provider: {0}")
    @ValueSource(booleans = {false, true})
    void aProviderThatSwitchesFirstCostsNoWrite(boolean streaming, SimulatedNamespace ns) throws Exception {
        RedisCluster cluster = clusterWithAppUser(ns);
        RotatingCredentials provider = new RotatingCredentials("app", OLD, streaming);
        RedisURI uri = RedisURI.builder()
                .withHost("redis")
                .withAuthentication(provider)
                .build();
        MooringClusterClient client = client(ns, cluster, b -> b.redisUri(uri));
        List<TopologyEvent.CredentialsRejected> rejected = credentialsRejectedEvents(client);
        List<ClusterLedgerWriter> writers = writers(cluster, connect(client));
        awaitAcknowledged(writers, 200);

        for (RedisPod pod : cluster.pods()) {
            assertThat(pod.command("ACL", "SETUSER", "app", ">" + NEW)).isEqualTo("OK");
        }
        provider.rotateTo(NEW);
        for (RedisPod pod : cluster.pods()) {
            assertThat(pod.command("ACL", "SETUSER", "app", "<" + OLD)).isEqualTo("OK");
        }
        RedisPod replica = cluster.pod(3);
        for (RedisPod pod : List.of(replica, cluster.pod(4), cluster.pod(5))) {
            pod.command("CLIENT", "KILL", "USER", "app");
        }
        client.refreshPartitions();
        awaitAcknowledged(writers, 200);
        cluster.failover(replica);
        awaitAcknowledged(writers, 400);
        stopAndCheck(writers, cluster);

        for (ClusterLedgerWriter writer : writers) {
            assertThat(writer.failures).as("%s", writer).isEmpty();
        }
        assertThat(rejected).isEmpty();
        assertThat(provider.resolvedAfterRotation())
                .as("connections opened after the rotation took the provider's new secret")
                .isPositive();
    }

    private static RedisCluster clusterWithAppUser(SimulatedNamespace ns) {
        // The testkit works as its own ACL user, so that it can change app's passwords whatever app may do.
        return ns.redisCluster("redis")
                .credentials(Credentials.aclUser("admin", "admin-secret-0c9d"))
                .config("user app on >" + OLD + " ~* &* +@all")
                .start();
    }

    /** The node IDs of the masters, as the client's topology has them. */
    private static List<String> masterIds(MooringClusterClient client) {
        return client.getPartitions().stream()
                .filter(node -> node.is(RedisClusterNode.NodeFlag.UPSTREAM))
                .map(RedisClusterNode::getNodeId)
                .sorted()
                .toList();
    }

    // ---------------------------------------------------------------- fixture

    private MooringClusterClient client(
            SimulatedNamespace ns, RedisCluster cluster, UnaryOperator<MooringOptions.Builder> settings) {
        KubernetesClient kubernetes = ns.api().newClient();
        closeables.add(kubernetes);
        MooringClusterClient client = MooringClusterClient.create(settings.apply(MooringOptions.builder()
                        .service(cluster.name())
                        .namespace(ns.name())
                        .source(KubernetesSource.builder().client(kubernetes).build())
                        .failoverWait(FAILOVER_WAIT))
                .build());
        closeables.add(() -> client.shutdown(Duration.ZERO, Duration.ofSeconds(2)));
        client.healer().ifPresent(healer -> healer.addListener(healerEvents::add));
        return client;
    }

    /** The {@code CredentialsRejected} events the client publishes on its Lettuce event bus from now on. */
    private List<TopologyEvent.CredentialsRejected> credentialsRejectedEvents(MooringClusterClient client) {
        List<TopologyEvent.CredentialsRejected> rejected = new CopyOnWriteArrayList<>();
        closeables.add(client.getResources()
                .eventBus()
                .get()
                .filter(TopologyEvent.CredentialsRejected.class::isInstance)
                .cast(TopologyEvent.CredentialsRejected.class)
                .subscribe(rejected::add)::dispose);
        return rejected;
    }

    private StatefulRedisClusterConnection<String, String> connect(MooringClusterClient client) {
        StatefulRedisClusterConnection<String, String> connection = client.connect();
        closeables.add(connection);
        return connection;
    }

    /** A synchronous and an asynchronous writer on one connection, each on two slots of every master. */
    private List<ClusterLedgerWriter> writers(
            RedisCluster cluster, StatefulRedisClusterConnection<String, String> connection) {
        List<ClusterLedgerWriter> writers = List.of(
                new ClusterLedgerWriter("sync", cluster, 2, connection, false, true, OPS_PER_WRITER),
                new ClusterLedgerWriter("async", cluster, 2, connection, true, true, OPS_PER_WRITER));
        closeables.addAll(writers);
        return writers;
    }

    private static void awaitAcknowledged(List<ClusterLedgerWriter> writers, long more) {
        for (ClusterLedgerWriter writer : writers) {
            long from = writer.acknowledged.get();
            await().atMost(SETTLE).until(() -> writer.acknowledged.get() >= from + more);
        }
    }

    /**
     * Stops the writers, waits for every outcome, and checks each ledger on its slot's final master: in issue order,
     * nothing acknowledged lost, nothing applied twice, nothing applied though failed, every outcome known.
     */
    private static void stopAndCheck(List<ClusterLedgerWriter> writers, RedisCluster cluster)
            throws InterruptedException {
        writers.forEach(ClusterLedgerWriter::stop);
        for (ClusterLedgerWriter writer : writers) {
            writer.awaitSettled(Duration.ofSeconds(30));
        }
        for (ClusterLedgerWriter writer : writers) {
            System.out.printf("%s: %s%n", writer, writer.failures);
            for (WriteCheck check : writer.check(cluster)) {
                assertThat(List.of(
                                check.orderViolations(),
                                check.lost(),
                                check.appliedTwice(),
                                check.count(WriteCheck.Kind.APPLIED_THOUGH_FAILED),
                                check.count(WriteCheck.Kind.FOREIGN_VALUE),
                                check.count(WriteCheck.Kind.NOT_SETTLED)))
                        .as(
                                "out of order, lost, applied twice, applied though failed, foreign, not settled: %s"
                                        + " (%s)",
                                check, writer)
                        .containsOnly(0L);
            }
        }
    }
}
