package io.github.mooring.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.mooring.testkit.RedisPod.Deletion;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The cluster StatefulSet: how it starts, and what each thing Kubernetes does to its pods does to the cluster. */
@ExtendWith(SimulatedNamespaceExtension.class)
class RedisClusterIT {

    private static final Duration READY = Duration.ofSeconds(30);

    private DnsProbe dns;

    @AfterEach
    void close() {
        if (dns != null) {
            dns.close();
        }
    }

    @Test
    void startsThreeMastersWithOneReplicaEachBehindTheService(SimulatedNamespace ns) {
        RedisCluster cluster = ns.redisCluster("redis").start();

        assertThat(cluster.pods()).hasSize(6);
        assertThat(cluster.problem()).isEmpty();
        assertThat(cluster.masters()).containsExactly(cluster.pod(0), cluster.pod(1), cluster.pod(2));
        for (int m = 0; m < 3; m++) {
            assertThat(cluster.replicasOf(cluster.pod(m))).containsExactly(cluster.pod(3 + m));
        }
        // Every slot has exactly one master, in equal ranges.
        assertThat(cluster.masterOf(0)).contains(cluster.pod(0));
        assertThat(cluster.masterOf(5461)).contains(cluster.pod(1));
        assertThat(cluster.masterOf(RedisCluster.SLOTS - 1)).contains(cluster.pod(2));
        for (RedisPod pod : cluster.pods()) {
            assertThat(pod.command("CLUSTER", "INFO")).asString().contains("cluster_slots_ok:16384");
            assertThat(cluster.nodesSeenBy(pod)).hasSize(6).noneMatch(ClusterNode::failing);
        }
        // Node IDs are distinct, and announced at the pods' IPs.
        Set<String> ids = new HashSet<>();
        for (RedisPod pod : cluster.pods()) {
            ids.add(cluster.nodeId(pod));
        }
        assertThat(ids).hasSize(6);
        Map<String, String> ipById = cluster.nodesSeenBy(cluster.pod(0)).stream()
                .collect(Collectors.toMap(ClusterNode::id, ClusterNode::ip));
        for (RedisPod pod : cluster.pods()) {
            assertThat(ipById).containsEntry(cluster.nodeId(pod), pod.ip());
        }
        // The Service's endpoints and DNS name list every pod, as for a replication group.
        List<String> ips = cluster.pods().stream().map(RedisPod::ip).toList();
        assertThat(cluster.statefulSet().endpoints().readyIps()).containsExactlyInAnyOrderElementsOf(ips);
        dns = new DnsProbe(ns.dns().address());
        assertThat(dns.resolveAll(cluster.serviceDnsName())).containsExactlyInAnyOrderElementsOf(ips);
        // A replica streams its master's writes (the cluster is linked before start() returns).
        RedisPod master = cluster.masterOf(0).orElseThrow();
        String key = keyInSlotsOf(master);
        assertThat(master.command("SET", key, "v")).isEqualTo("OK");
        assertThat(master.command("WAIT", "1", "1000")).isEqualTo(1L);
        assertThat(cluster.pod(3).command("READONLY")).isEqualTo("OK");
    }

    @Test
    void aMasterReplacedWithItsVolumeComesBackAsTheSameNodeAtItsNewIp(SimulatedNamespace ns) {
        RedisCluster cluster = ns.redisCluster("redis").start();
        RedisPod master = cluster.pod(0);
        String id = cluster.nodeId(master);
        String oldIp = master.ip();
        String key = keyInSlotsOf(master);
        assertThat(master.command("SET", key, "kept")).isEqualTo("OK");

        master.replace(Deletion.KILL, Duration.ofMillis(300));
        master.awaitReady(READY);

        assertThat(master.ip()).isNotEqualTo(oldIp);
        assertThat(cluster.nodeId(master)).isEqualTo(id);
        // Gossip carries the new address to the peers: the cluster heals by itself, before the node timeout.
        cluster.awaitHealthy(Duration.ofSeconds(4));
        assertThat(master.command("GET", key)).isEqualTo("kept");
        assertThat(cluster.masters()).contains(master);
    }

    @Test
    void aPodReplacedWithoutItsVolumeIsANewNodeOutsideTheClusterAndItsReplicaTakesOver(SimulatedNamespace ns) {
        RedisCluster cluster =
                ns.redisCluster("redis").nodeTimeout(Duration.ofMillis(1000)).start();
        RedisPod master = cluster.pod(1);
        RedisPod replica = cluster.pod(4);
        String id = cluster.nodeId(master);

        master.replaceWithoutVolume(Deletion.KILL, Duration.ofMillis(300));
        master.awaitReady(READY);

        assertThat(cluster.nodeId(master)).isNotEqualTo(id);
        assertThat(cluster.nodesSeenBy(master))
                .singleElement()
                .satisfies(self -> assertThat(self.myself()).isTrue());
        assertThat(master.dbSize()).isZero();
        // The old node ID fails after the node timeout, and its replica is promoted to its slots.
        await().atMost(Duration.ofSeconds(15))
                .until(() -> cluster.masterOf(5461).equals(Optional.of(replica)));
        // What stays wrong is the lost node ID the others still list (once their cluster_state settled to ok).
        await().atMost(Duration.ofSeconds(10))
                .until(() -> cluster.problem()
                        .filter(problem -> problem.contains(id))
                        .isPresent());
    }

    @Test
    void aRestartedContainerKeepsItsIpAndNodeId(SimulatedNamespace ns) {
        RedisCluster cluster = ns.redisCluster("redis").start();
        RedisPod master = cluster.pod(2);
        String id = cluster.nodeId(master);
        String ip = master.ip();

        master.restartContainer(Duration.ofMillis(200));
        master.awaitReady(READY);

        assertThat(master.ip()).isEqualTo(ip);
        assertThat(master.restarts()).isEqualTo(1);
        assertThat(cluster.nodeId(master)).isEqualTo(id);
        cluster.awaitHealthy(Duration.ofSeconds(4));
        assertThat(cluster.masters()).contains(master);
    }

    @Test
    void clusterFailoverOnAReplicaPromotesItAndDemotesItsMaster(SimulatedNamespace ns) {
        RedisCluster cluster = ns.redisCluster("redis").start();
        RedisPod master = cluster.pod(0);
        RedisPod replica = cluster.pod(3);

        cluster.failover(replica);

        assertThat(replica.role()).isEqualTo("master");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(cluster.masterOf(0)).contains(replica);
            assertThat(cluster.replicasOf(replica)).containsExactly(master);
        });
        cluster.awaitHealthy(Duration.ofSeconds(5));
    }

    @Test
    void afterEveryPodIsReplacedAtOnceTheNodesLookForEachOtherAtTheOldIpsForGood(SimulatedNamespace ns) {
        RedisCluster cluster =
                ns.redisCluster("redis").nodeTimeout(Duration.ofMillis(1000)).start();
        Map<String, String> oldIps = cluster.pods().stream().collect(Collectors.toMap(cluster::nodeId, RedisPod::ip));

        cluster.replaceAll(Deletion.KILL, Duration.ofMillis(200));
        cluster.statefulSet().awaitAllReady(READY);

        for (RedisPod pod : cluster.pods()) {
            assertThat(oldIps).doesNotContainValue(pod.ip()).containsKey(cluster.nodeId(pod));
        }
        Always.holdsFor(Duration.ofSeconds(3), Duration.ofMillis(250), "no node finds its peers", () -> {
            for (RedisPod pod : cluster.pods()) {
                for (ClusterNode node : cluster.nodesSeenBy(pod)) {
                    if (!node.myself()) {
                        assertThat(node.ip()).isEqualTo(oldIps.get(node.id()));
                    }
                }
            }
        });
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(cluster.pod(0).command("CLUSTER", "INFO"))
                        .asString()
                        .contains("cluster_state:fail"));
        assertThat(cluster.problem()).isPresent();
    }

    /**
     * A cluster whose pods need an ACL user (the default user off): it forms, its replicas authenticate to their
     * masters ({@code masteruser}/{@code masterauth}), a client without credentials is refused, and a master pod
     * replaced with a new IP rejoins with its data.
     */
    @Test
    void aClusterWithAnAclUserFormsAndRefusesClientsWithoutIt(SimulatedNamespace ns) throws Exception {
        Credentials app = Credentials.aclUser("app", "cluster-secret-41f0");
        RedisCluster cluster = ns.redisCluster("redis").credentials(app).start();

        assertThat(cluster.credentials()).isEqualTo(app);
        assertThat(cluster.problem()).isEmpty();
        RedisPod master = cluster.pod(1);
        assertThat(Resp.once(master.ip(), master.port(), READY, Resp.Access.NONE, "PING"))
                .isInstanceOfSatisfying(
                        Resp.Error.class, error -> assertThat(error.message()).startsWith("NOAUTH"));
        Resp.Access wrong = new Resp.Access(Credentials.aclUser("app", "wrong"), null);
        assertThatThrownBy(() -> Resp.once(master.ip(), master.port(), READY, wrong, "PING"))
                .hasMessageContaining("WRONGPASS");
        String key = keyInSlotsOf(master);
        master.command("SET", key, "kept");

        master.replace(Deletion.KILL, Duration.ofMillis(300));
        master.awaitReady(READY);
        cluster.awaitHealthy(Duration.ofSeconds(10));
        assertThat(master.command("GET", key)).isEqualTo("kept");
    }

    /** A key whose slot {@code master} serves, found by asking it. */
    static String keyInSlotsOf(RedisPod master) {
        for (int i = 0; ; i++) {
            String key = "key-" + i;
            if ("OK".equals(master.command("SET", key, "probe"))) {
                master.command("DEL", key);
                return key;
            }
        }
    }
}
