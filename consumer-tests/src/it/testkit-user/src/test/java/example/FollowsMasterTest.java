package example;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.mooring.MooringClient;
import io.github.mooring.MooringOptions;
import io.github.mooring.discovery.KubernetesSource;
import io.github.mooring.testkit.RedisPod;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;
import io.lettuce.core.api.StatefulRedisConnection;

/** The README's testkit example, with a MooringClient writing across the master pod's replacement. */
@ExtendWith(SimulatedNamespaceExtension.class)
class FollowsMasterTest {

    @Test
    void writesAcrossAReplacedMasterPod(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").replicas(2).persistence(true).start();
        try (KubernetesClient kubernetes = ns.api().newClient();
                MooringClient mooring = MooringClient.create(MooringOptions.builder()
                        .service("redis").namespace(ns.name())
                        .source(KubernetesSource.builder().client(kubernetes).build())
                        .build())) {
            StatefulRedisConnection<String, String> connection = mooring.connect();
            connection.sync().incr("visits");

            redis.pod(0).replace(RedisPod.Deletion.KILL, Duration.ofSeconds(1));
            redis.pod(0).awaitReady(Duration.ofSeconds(30));

            assertEquals(2L, connection.sync().incr("visits"));
        }
    }
}
