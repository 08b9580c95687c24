package io.github.mooring.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.mooring.MooringClient;
import io.github.mooring.MooringOptions;
import io.github.mooring.testing.EventLog;
import io.github.mooring.testing.Harness;
import io.github.mooring.testkit.ClusterDns;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;
import io.github.mooring.topology.TopologyEvent;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Cluster DNS lists only ready pods: a master whose readiness probe fails under load vanishes from the Service's
 * records while it still takes writes. The dns source must not cut its connections for that: the probe decides
 * whether the master is gone.
 */
@ExtendWith(SimulatedNamespaceExtension.class)
class DnsReadinessIT {

    static final Duration STARTUP = Duration.ofSeconds(30);

    @Test
    void aMasterFailingItsReadinessProbeKeepsItsConnectionsAndStaysMaster(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").start();
        EventLog events = new EventLog();
        try (MooringClient client = MooringClient.create(
                MooringOptions.builder()
                        .service(redis.name())
                        .namespace(ns.name())
                        .source(Harness.dns(ns, false, Duration.ofMillis(100)))
                        .probeInterval(Duration.ofMillis(250))
                        .failoverWait(Duration.ofSeconds(3))
                        .build(),
                events)) {
            StatefulRedisConnection<String, String> connection = client.connect();
            long id = connection.sync().clientId();
            events.await(0, TopologyEvent.MasterChanged.class, e -> true, STARTUP); // the startup's, delivered apart
            int mark = events.mark();

            redis.pod(0).failReadiness();
            await().alias("the master's record is gone from the Service's name")
                    .atMost(STARTUP)
                    .until(() -> !ns.dns()
                            .addresses(ClusterDns.serviceName(redis.name(), ns.name()))
                            .contains(redis.pod(0).ip()));
            await().alias("redis-0 stays master while its record is gone")
                    .during(Duration.ofSeconds(2))
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> client.topology()
                            .master()
                            .map(m -> m.address().equals(redis.pod(0).address()))
                            .orElse(false));

            assertThat(connection.sync().incr("writes")).isEqualTo(1);
            assertThat(connection.sync().clientId()).as("the same connection").isEqualTo(id);
            assertThat(events.since(mark, TopologyEvent.NoMaster.class)).isEmpty();
            assertThat(events.since(mark, TopologyEvent.MasterChanged.class)).isEmpty();

            redis.pod(0).passReadiness();
            redis.pod(0).awaitReady(STARTUP);
            assertThat(connection.sync().incr("writes")).isEqualTo(2);
            assertThat(connection.sync().clientId()).isEqualTo(id);
        }
    }
}
