package io.github.mooring.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.mooring.MooringOptions;
import io.github.mooring.discovery.KubernetesSource;
import io.github.mooring.testkit.RedisCluster;
import io.github.mooring.testkit.RedisPod;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode.NodeFlag;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What {@link MooringClusterClient} relies on Lettuce passing its template methods, against a real cluster: a
 * refresh asks exactly the sources {@code getTopologyRefreshSource()} returns (with {@code useDynamicRefreshSources()}
 * false, no other address), and {@code determinePartitions} gets one view per source that answered, keyed by that
 * source, each with one {@code myself} line: the node ID at that address. A Lettuce that keys views otherwise, or
 * drops the {@code myself} flag, fails here.
 */
@ExtendWith(SimulatedNamespaceExtension.class)
class ClusterHooksIT {

    @Test
    void everyViewIsKeyedByTheSourceAskedAndCarriesThatNodesOwnLine(SimulatedNamespace ns) {
        RedisCluster cluster = ns.redisCluster("redis").start();
        List<RedisURI> sources = cluster.pods().stream()
                .map(pod -> RedisURI.create(pod.ip(), pod.port()))
                .toList();
        ClientResources resources = DefaultClientResources.create();
        ViewRecorder client = new ViewRecorder(resources, sources);
        try {
            client.refreshPartitions();

            assertThat(client.views).isNotEmpty();
            Map<RedisURI, Partitions> views = client.views.get(client.views.size() - 1);
            assertThat(views.keySet()).containsExactlyInAnyOrderElementsOf(sources);
            for (Map.Entry<RedisURI, Partitions> view : views.entrySet()) {
                List<RedisClusterNode> own = view.getValue().stream()
                        .filter(node -> node.is(NodeFlag.MYSELF))
                        .toList();
                RedisPod pod = cluster.pods().stream()
                        .filter(p -> p.ip().equals(view.getKey().getHost()))
                        .findFirst()
                        .orElseThrow();
                assertThat(own)
                        .as("the myself line of the view from %s", view.getKey())
                        .singleElement()
                        .satisfies(node -> assertThat(node.getNodeId()).isEqualTo(cluster.nodeId(pod)));
            }
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            resources.shutdown(0, 2, TimeUnit.SECONDS);
        }
    }

    /**
     * Lettuce builds the cluster connection and each node connection through the template methods
     * {@link MooringClusterClient} overrides, so it is an {@link OrderedClusterConnection} and their writers are {@link NodeGate}s; and it
     * tells the client's connection listeners when a node connection comes and goes (the loss is where fates are
     * decided). A Lettuce that builds them otherwise, or stops telling, fails here.
     */
    @Test
    void clusterAndNodeConnectionsWriteThroughMooringAndTellItOfALoss(SimulatedNamespace ns) {
        RedisCluster cluster = ns.redisCluster("redis").start();
        KubernetesClient kubernetes = ns.api().newClient();
        MooringClusterClient client = MooringClusterClient.create(MooringOptions.builder()
                .service(cluster.name())
                .namespace(ns.name())
                .source(KubernetesSource.builder().client(kubernetes).build())
                .build());
        try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
            assertThat(connection.sync().set("hooks", "1")).isEqualTo("OK");
            assertThat(connection).isInstanceOf(OrderedClusterConnection.class);
            RedisPod master = cluster.masterOf(SlotHash.getSlot("hooks")).orElseThrow();
            StatefulRedisConnection<String, String> node = connection.getConnection(master.ip(), master.port());
            NodeGate gate = (NodeGate) ((RedisChannelHandler<?, ?>) node).getChannelWriter();
            assertThat(gate.address).as("told of the connection").isEqualTo(master.address());

            master.command("CLIENT", "KILL", "TYPE", "normal");
            await().atMost(Duration.ofSeconds(5)).until(() -> gate.losses > 0);
            await().atMost(Duration.ofSeconds(5))
                    .ignoreExceptions()
                    .until(() -> "OK".equals(connection.sync().set("hooks", "2")));
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            kubernetes.close();
        }
    }

    /** The same overrides as MooringClusterClient's, recording what Lettuce hands to determinePartitions. */
    private static final class ViewRecorder extends RedisClusterClient {
        final List<Map<RedisURI, Partitions>> views = new CopyOnWriteArrayList<>();
        private final List<RedisURI> sources;

        ViewRecorder(ClientResources resources, List<RedisURI> sources) {
            super(resources, sources);
            this.sources = sources;
        }

        @Override
        protected Iterable<RedisURI> getTopologyRefreshSource() {
            return sources;
        }

        @Override
        protected boolean useDynamicRefreshSources() {
            return false;
        }

        @Override
        protected Partitions determinePartitions(Partitions current, Map<RedisURI, Partitions> topologyViews) {
            views.add(Map.copyOf(topologyViews));
            return super.determinePartitions(current, topologyViews);
        }
    }
}
