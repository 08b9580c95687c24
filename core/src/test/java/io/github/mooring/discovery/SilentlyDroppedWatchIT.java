package io.github.mooring.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.mooring.internal.probe.ProbeSettings;
import io.github.mooring.internal.probe.RoleProber;
import io.github.mooring.internal.sentinel.SentinelFollower;
import io.github.mooring.internal.topology.MonitorSettings;
import io.github.mooring.internal.topology.TopologyMonitor;
import io.github.mooring.testkit.RedisPod;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;
import io.lettuce.core.RedisURI;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * fabric8 on the JDK HTTP client does not notice a watch connection dropped before its first event: the informer
 * waits forever and a replaced master pod's new IP would never be seen. The kubernetes source checks its watch
 * against a fresh list when there is no master, and recovers.
 */
@ExtendWith(SimulatedNamespaceExtension.class)
class SilentlyDroppedWatchIT {

    @Test
    void replacementIsFollowedEvenWhenTheWatchDiedWithoutAWord(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").start();
        ClientResources resources = DefaultClientResources.create();
        try (KubernetesClient kubernetes = ns.api().newClient();
                TopologyMonitor monitor = TopologyMonitor.start(
                        ServiceRef.of("redis", ns.name()),
                        KubernetesSource.builder().client(kubernetes).build(),
                        new RoleProber(ProbeSettings.defaults(RedisURI.create("redis://localhost")), resources),
                        SentinelFollower.NONE,
                        MonitorSettings.defaults(),
                        resources.eventBus())) {
            monitor.waiters().awaitMaster(Duration.ofSeconds(30));
            ns.api().dropConnections(); // before the watch has delivered any event: it never notices

            String oldIp = redis.pod(0).ip();
            redis.pod(0).replace(RedisPod.Deletion.KILL, Duration.ofMillis(500));
            redis.pod(0).awaitReady(Duration.ofSeconds(30));

            await().atMost(Duration.ofSeconds(20))
                    .untilAsserted(() -> assertThat(monitor.topology().master())
                            .hasValueSatisfying(
                                    master -> assertThat(master.endpoint().host())
                                            .isEqualTo(redis.pod(0).ip())
                                            .isNotEqualTo(oldIp)));
        } finally {
            resources.shutdown();
        }
    }
}
