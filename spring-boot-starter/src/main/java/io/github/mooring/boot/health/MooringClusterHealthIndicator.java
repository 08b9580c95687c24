package io.github.mooring.boot.health;

import io.github.mooring.boot.ClusterShards;
import io.github.mooring.cluster.MooringClusterClient;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * Health of the Redis Cluster a {@link MooringClusterClient} follows, from the topology the client routes by (no
 * Redis call of its own).
 * <ul>
 * <li>{@code UP}: a master serves every one of the 16384 slots; details list the shards (slot ranges, master and
 * replicas with node IDs and their pods' current addresses).</li>
 * <li>{@code OUT_OF_SERVICE}: a master that serves slots is marked failing ({@code fail?}/{@code fail}): the cluster
 * is about to promote its replica, and writes to its slots fail until it has.</li>
 * <li>{@code DOWN}: some slots have no master: writes to them fail until the cluster is repaired.</li>
 * </ul>
 * The cluster healer, unless off, is named as for a replication group ({@code healer}: its mode, and whether this
 * pod repairs).
 * Never names credentials.
 */
public class MooringClusterHealthIndicator extends AbstractHealthIndicator {

    private final MooringClusterClient client;
    private final String service;
    private final String namespace;

    /**
     * @param client the cluster client whose topology is reported
     * @param service the Service it follows
     * @param namespace the Service's namespace
     */
    public MooringClusterHealthIndicator(MooringClusterClient client, String service, String namespace) {
        super("Mooring cluster health check failed");
        this.client = client;
        this.service = service;
        this.namespace = namespace;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        ClusterShards shards = ClusterShards.of(client.getPartitions());
        builder.withDetail("service", service)
                .withDetail("namespace", namespace)
                .withDetail("mode", "cluster")
                .withDetail("shards", shards.shards());
        client.healer().ifPresent(healer -> builder.withDetail(HealerDetail.KEY, HealerDetail.of(healer)));
        if (shards.uncoveredSlots() > 0) {
            builder.down().withDetail("error", shards.uncoveredSlots() + " of 16384 slots have no master");
        } else if (shards.failingMasters() > 0) {
            builder.outOfService()
                    .withDetail(
                            "error",
                            shards.failingMasters() + " master(s) marked failing: the cluster is about to promote"
                                    + " a replica");
        } else {
            builder.up();
        }
    }
}
