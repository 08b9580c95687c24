package io.github.mooring.boot.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mooring.boot.ClusterShards;
import io.github.mooring.discovery.Endpoint;
import io.github.mooring.probe.ProbeResult;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

/** The cluster health rules: the slots decide the status; refused credentials are a detail that names no secret. */
class MooringClusterHealthIndicatorTest {

    private static final ClusterShards.Shard SHARD =
            new ClusterShards.Shard("0-16383", new ClusterShards.Node("a", "10.0.0.1:6379", false), List.of());

    @Test
    void everySlotServedIsUp() {
        Health health = health(new ClusterShards(List.of(SHARD), 0, 0), List.of());

        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails()).containsEntry("mode", "cluster").doesNotContainKey("credentialsRejected");
    }

    @Test
    void slotsWithoutMasterAreDownAndAFailingMasterOutOfService() {
        assertThat(health(new ClusterShards(List.of(SHARD), 12, 0), List.of()).getStatus())
                .isEqualTo(Status.DOWN);
        assertThat(health(new ClusterShards(List.of(SHARD), 0, 1), List.of()).getStatus())
                .isEqualTo(Status.OUT_OF_SERVICE);
    }

    /**
     * A pod that refuses the credentials: connections already authenticated keep working, so the status stays the
     * slots' (UP); the detail names pod, user and the pod's reply.
     */
    @Test
    void podsRefusingTheCredentialsAreListedWithoutChangingTheStatus() {
        ProbeResult refused = ProbeResult.credentialsRejected(
                new Endpoint("10.0.0.1", 6379, "redis-0", true, false),
                Instant.now(),
                Duration.ofMillis(1),
                "authentication refused (WRONGPASS invalid username-password pair or user is disabled.): check the"
                        + " Redis username and password",
                "app");

        Health health = health(new ClusterShards(List.of(SHARD), 0, 0), List.of(refused));

        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails().get("credentialsRejected"))
                .asInstanceOf(InstanceOfAssertFactories.LIST)
                .singleElement()
                .asString()
                .startsWith("redis-0 (10.0.0.1:6379): user app: authentication refused (WRONGPASS");
    }

    private static Health health(ClusterShards shards, List<ProbeResult> refused) {
        Health.Builder builder = Health.unknown();
        MooringClusterHealthIndicator.describe(builder, shards, refused, Optional.empty());
        return builder.build();
    }
}
