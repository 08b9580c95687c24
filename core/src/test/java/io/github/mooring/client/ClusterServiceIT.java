package io.github.mooring.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.mooring.MooringClient;
import io.github.mooring.MooringOptions;
import io.github.mooring.discovery.KubernetesSource;
import io.github.mooring.testkit.RedisCluster;
import io.github.mooring.testkit.RedisPod;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;
import io.github.mooring.topology.ClusterServiceException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A {@link MooringClient} named a Service whose pods run Redis Cluster. Before the cluster check it elected one of the
 * cluster's masters ("split brain with 2 other masters (tie broken by pod name)"), connected, and a write to a key of
 * another master's slots failed with {@code MOVED 7629 ...} (while writes to its own slots went through): the cluster
 * silently treated as a replication group. Now the first call that waits for a master fails at once, naming the
 * Service and the client to use, and writes nothing.
 */
@ExtendWith(SimulatedNamespaceExtension.class)
class ClusterServiceIT {

    private static final Duration STARTUP_WAIT = Duration.ofSeconds(60);

    @Test
    void aClusterServiceFailsFastNamingMooringClusterClient(SimulatedNamespace ns) throws Exception {
        RedisCluster cluster = ns.redisCluster("redis").start();
        try (KubernetesClient kubernetes = ns.api().newClient();
                MooringClient client = MooringClient.create(MooringOptions.builder()
                        .service(cluster.name())
                        .namespace(ns.name())
                        .startupWait(STARTUP_WAIT)
                        .source(KubernetesSource.builder().client(kubernetes).build())
                        .build())) {
            long start = System.nanoTime();

            ClusterServiceException e = catchThrowableOfType(ClusterServiceException.class, client::connect);

            Duration waited = Duration.ofNanos(System.nanoTime() - start);
            assertThat(waited).as("failed at once, not after the startup wait").isLessThan(STARTUP_WAIT.dividedBy(2));
            assertThat(e.getMessage())
                    .startsWith("Service 'redis' in namespace '" + ns.name() + "' is a Redis Cluster")
                    .contains("MooringClusterClient");
            assertThat(e.clusterNodes()).hasSize(cluster.pods().size());
            assertThat(client.topology().master()).isEmpty();
            for (RedisPod pod : cluster.masters()) {
                assertThat(pod.dbSize()).as("nothing written to %s", pod.name()).isZero();
            }
        }
    }
}
