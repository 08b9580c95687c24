package io.github.mooring.internal.topology;

import static io.github.mooring.internal.topology.Pod.master;
import static io.github.mooring.internal.topology.Pod.replica;
import static io.github.mooring.internal.topology.Pod.unreachable;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.mooring.discovery.ServiceRef;
import io.github.mooring.probe.ProbeResult;
import io.github.mooring.topology.ClusterServiceException;
import io.github.mooring.topology.ElectionPolicy;
import io.github.mooring.topology.Topology;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The rule "the Service is a Redis Cluster" ({@link TopologyStep#clusterService}): when it holds, the wait for a master
 * ends at once with a {@link ClusterServiceException} naming the cluster nodes.
 */
class ClusterServiceTest {

    private static final ServiceRef SERVICE = ServiceRef.of("redis", "shop");

    /** A round's pods, and the cluster nodes the rule names (none: the rule does not apply). */
    record Row(String situation, List<Pod> pods, List<String> clusterNodes) {
        @Override
        public String toString() {
            return situation;
        }
    }

    static Stream<Row> rows() {
        return Stream.of(
                new Row(
                        "every pod a cluster node: a cluster",
                        List.of(
                                master("redis-0").clusterNode(),
                                master("redis-1").clusterNode(),
                                replica("redis-2").of("10.0.0.10").clusterNode()),
                        List.of("redis-0", "redis-1", "redis-2")),
                new Row(
                        "cluster nodes, one of them unreachable: still a cluster (an unreachable pod says nothing)",
                        List.of(
                                master("redis-0").clusterNode(),
                                unreachable("redis-1", "connection refused"),
                                replica("redis-2").of("10.0.0.10").clusterNode()),
                        List.of("redis-0", "redis-2")),
                new Row(
                        "a replication group with one cluster node: not a cluster, the group has its master",
                        List.of(
                                master("redis-0"),
                                replica("redis-1").of("10.0.0.10"),
                                master("redis-2").clusterNode()),
                        List.of()),
                new Row(
                        "replicas only and one cluster node: no master, but not a cluster either (waiting may cure it)",
                        List.of(
                                replica("redis-0").of("10.0.0.99").linkDown(3),
                                master("redis-1").clusterNode()),
                        List.of()),
                new Row(
                        "a plain replication group",
                        List.of(master("redis-0"), replica("redis-1").of("10.0.0.10")),
                        List.of()),
                new Row("no pod answered: nothing is known", List.of(unreachable("redis-0", "timed out")), List.of()),
                new Row("no endpoints", List.of(), List.of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void aServiceIsAClusterWhenEveryPodThatAnsweredIsAClusterNode(Row row) {
        Topology topology = topologyOf(row.pods());

        ClusterServiceException cluster = TopologyStep.clusterService(SERVICE, topology);

        if (row.clusterNodes().isEmpty()) {
            assertThat(cluster).isNull();
        } else {
            assertThat(cluster).isNotNull();
            assertThat(cluster.clusterNodes())
                    .containsExactlyElementsOf(row.clusterNodes().stream()
                            .map(pod -> pod + " (10.0.0." + (10 + Integer.parseInt(pod.substring(6))) + ":6379)")
                            .toList());
            assertThat(cluster.topology()).isSameAs(topology);
        }
    }

    @Test
    void theErrorNamesTheServiceAndTheClientToUse() {
        ClusterServiceException cluster = TopologyStep.clusterService(
                SERVICE,
                topologyOf(List.of(
                        master("redis-0").clusterNode(), master("redis-1").clusterNode())));

        assertThat(cluster.getMessage())
                .startsWith("Service 'redis' in namespace 'shop'" + " is a Redis Cluster")
                .contains("redis-0 (10.0.0.10:6379), redis-1 (10.0.0.11:6379) report cluster_enabled:1")
                .contains("io.github.mooring.cluster.MooringClusterClient")
                .contains("mooring.mode");
    }

    private static Topology topologyOf(List<Pod> pods) {
        List<ProbeResult> results = pods.stream().map(Pod::result).toList();
        return new Topology(
                1,
                Instant.parse("2026-12-06T12:00:00Z"),
                "kubernetes",
                MasterElection.elect(results, ElectionPolicy.defaults()),
                results);
    }
}
