package io.github.mooring.boot.health;

import io.github.mooring.boot.ClusterShards;
import io.github.mooring.cluster.MooringClusterClient;
import io.github.mooring.healer.ClusterFinding;
import io.github.mooring.healer.ClusterHealer;
import io.github.mooring.probe.ProbeResult;
import java.util.List;
import java.util.Optional;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * Health of the Redis Cluster a {@link MooringClusterClient} follows, from the topology the client routes by and what
 * its probes and healer found (no Redis call of its own).
 * <ul>
 * <li>{@code UP}: a master serves every one of the 16384 slots; details list the shards (slot ranges, master and
 * replicas with node IDs and their pods' current addresses).</li>
 * <li>{@code OUT_OF_SERVICE}: a master that serves slots is marked failing ({@code fail?}/{@code fail}): the cluster
 * is about to promote its replica, and writes to its slots fail until it has.</li>
 * <li>{@code DOWN}: some slots have no master: writes to them fail until the cluster is repaired.</li>
 * </ul>
 * Whatever the status: {@code credentialsRejected} lists the pods that refuse the application's credentials (pod,
 * user and the pod's reply, never the secret): connections already authenticated to them keep working (the status is
 * the slots'), but commands that need a new connection to one fail at once with
 * {@code CredentialsRejectedException}. {@code healer} names the healer as for a replication group (its mode, and
 * whether this pod repairs), and {@code healerFindings} what it
 * found wrong and reported (stale node addresses, pods in no cluster, a replica lost, failed node IDs that linger),
 * each with its fix; a finding does not change the status by itself, as data at risk does not for a replication group:
 * the slots say whether writes work.
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
        builder.withDetail("service", service).withDetail("namespace", namespace);
        describe(builder, ClusterShards.of(client.getPartitions()), client.credentialsRejected(), client.healer());
    }

    /** The status and details of a cluster with these shards, refusals and healer (the rules of the class comment). */
    static void describe(
            Health.Builder builder,
            ClusterShards shards,
            List<ProbeResult> credentialsRejected,
            Optional<ClusterHealer> healer) {
        builder.withDetail("mode", "cluster").withDetail("shards", shards.shards());
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
        List<String> refusing = credentialsRejected.stream()
                .map(result ->
                        result.endpoint().displayName() + ": user " + result.rejectedUser() + ": " + result.failure())
                .sorted()
                .toList();
        if (!refusing.isEmpty()) {
            builder.withDetail("credentialsRejected", refusing);
        }
        healer.ifPresent(h -> {
            builder.withDetail(HealerDetail.KEY, HealerDetail.of(h));
            List<String> findings = h.findings().stream()
                    .map(MooringClusterHealthIndicator::describe)
                    .toList();
            if (!findings.isEmpty()) {
                builder.withDetail("healerFindings", findings);
            }
        });
    }

    private static String describe(ClusterFinding finding) {
        return finding.fix().isEmpty()
                ? finding.description()
                : finding.description() + "; fix: "
                        + finding.fix().stream()
                                .map(Object::toString)
                                .reduce((a, b) -> a + "; " + b)
                                .orElse("");
    }
}
