package io.github.mooring.boot.actuate;

import io.github.mooring.MooringClient;
import io.github.mooring.boot.ClusterShards;
import io.github.mooring.boot.MooringClusterConnectionFactory;
import io.github.mooring.boot.TopologyHistory;
import io.github.mooring.probe.NodeReport;
import io.github.mooring.probe.ProbeResult;
import io.github.mooring.topology.Node;
import io.github.mooring.topology.Topology;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * The {@code mooring} actuator endpoint ({@code GET /actuator/mooring}): the topology of the followed Service as
 * Mooring sees it now — every pod with its role, replication offset and key count, the master, stale replicas, a split
 * brain, the discovery source, the topology version — and the latest changes ({@link #topology()}). For a Redis
 * Cluster, its shards instead: slot ranges, master and replicas with node IDs and their pods' current addresses
 * ({@link #cluster()}). Never credentials.
 */
@Endpoint(id = "mooring")
public class MooringEndpoint {

    private final @Nullable MooringClient client;

    private final @Nullable TopologyHistory history;

    private final @Nullable MooringClusterConnectionFactory cluster;

    /**
     * @param client the client whose topology is shown
     * @param history its recent changes
     */
    public MooringEndpoint(MooringClient client, TopologyHistory history) {
        this.client = Objects.requireNonNull(client, "client");
        this.history = Objects.requireNonNull(history, "history");
        this.cluster = null;
    }

    /** @param cluster the connection factory of the Redis Cluster whose shards are shown */
    public MooringEndpoint(MooringClusterConnectionFactory cluster) {
        this.client = null;
        this.history = null;
        this.cluster = Objects.requireNonNull(cluster, "cluster");
    }

    /** What {@code GET /actuator/mooring} shows: {@link #topology()}, or {@link #cluster()} for a Redis Cluster. */
    @ReadOperation
    public OperationResponseBody read() {
        return cluster != null ? cluster() : topology();
    }

    /**
     * The Redis Cluster's shards, as the cluster client routes to them now.
     *
     * @throws IllegalStateException when the Service is a replication group
     */
    public ClusterDescriptor cluster() {
        if (cluster == null) {
            throw new IllegalStateException("the Service is a replication group: see topology()");
        }
        ClusterShards shards =
                ClusterShards.of(cluster.getMooringClusterClient().getPartitions());
        return new ClusterDescriptor(
                cluster.getMooringOptions().service(),
                cluster.getMooringOptions().namespace(),
                shards.uncoveredSlots(),
                shards.shards());
    }

    /**
     * The current topology of the replication group.
     *
     * @throws IllegalStateException when the Service is a Redis Cluster
     */
    public TopologyDescriptor topology() {
        if (client == null || history == null) {
            throw new IllegalStateException("the Service is a Redis Cluster: see cluster()");
        }
        MooringClient client = this.client;
        TopologyHistory history = this.history;
        Topology topology = client.topology();
        List<PodDescriptor> pods =
                topology.reports().stream().map(result -> pod(topology, result)).toList();
        return new TopologyDescriptor(
                client.options().service(),
                client.options().namespace(),
                topology.source(),
                topology.version(),
                topology.observedAt(),
                topology.master()
                        .map(master -> new MasterDescriptor(master.endpoint().podName(), master.address()))
                        .orElse(null),
                topology.noMasterReason().orElse(null),
                history.noMasterSince().orElse(null),
                pods,
                topology.staleReplicas().stream()
                        .map(stale -> new StaleReplicaDescriptor(
                                stale.replica().displayName(),
                                stale.follows(),
                                stale.reason().name()))
                        .toList(),
                topology.splitBrain()
                        .map(split -> new SplitBrainDescriptor(
                                split.winner().displayName(),
                                split.losers().stream().map(Node::displayName).toList(),
                                split.decidedBy()))
                        .orElse(null),
                history.lastChange().map(ChangeDescriptor::of).orElse(null),
                history.changes().stream().map(ChangeDescriptor::of).toList());
    }

    private static PodDescriptor pod(Topology topology, ProbeResult result) {
        String address = result.endpoint().address();
        NodeReport report = result.report();
        return new PodDescriptor(
                result.endpoint().podName(),
                address,
                state(topology, address),
                report == null ? null : report.role().name().toLowerCase(Locale.ROOT),
                report == null ? null : report.replOffset(),
                report == null ? null : report.keys(),
                report == null ? null : report.masterAddress(),
                report == null || report.masterAddress() == null ? null : report.masterLinkUp(),
                report != null && report.loading(),
                result.sentinelLinks() == ProbeResult.UNKNOWN_SENTINEL_LINKS ? null : result.sentinelLinks(),
                result.failure(),
                result.probedAt(),
                result.latency().toMillis());
    }

    private static String state(Topology topology, String address) {
        if (topology.master().map(master -> master.address().equals(address)).orElse(false)) {
            return "master";
        }
        if (topology.splitBrain()
                .map(split -> split.losers().stream().anyMatch(n -> n.address().equals(address)))
                .orElse(false)) {
            return "split-brain-loser";
        }
        if (topology.staleReplicas().stream()
                .anyMatch(stale -> stale.replica().address().equals(address))) {
            return "stale-replica";
        }
        if (topology.replicas().stream().anyMatch(replica -> replica.address().equals(address))) {
            return "replica";
        }
        if (topology.credentialsRejected().stream()
                .anyMatch(refused -> refused.endpoint().address().equals(address))) {
            return "credentials-rejected"; // up, but would not say what it is to these credentials
        }
        return "unreachable";
    }

    /**
     * The topology of the followed Service.
     *
     * @param service the Service's name
     * @param namespace its namespace
     * @param source the discovery source that named the pods: {@code kubernetes}, {@code dns}, {@code static}
     * @param version the topology's version; it changes when who is what changes
     * @param observedAt when the last probe round ran
     * @param master the elected master, or null
     * @param noMasterReason why there is no master, or null
     * @param noMasterSince since when there has been no master, or null
     * @param pods every pod probed in the last round
     * @param staleReplicas replicas that do not replicate from the master
     * @param splitBrain present when several pods claim to be master
     * @param lastChange the latest change, or null before any
     * @param recentChanges the latest changes, oldest first
     */
    public record TopologyDescriptor(
            String service,
            String namespace,
            String source,
            long version,
            Instant observedAt,
            @Nullable MasterDescriptor master,
            @Nullable String noMasterReason,
            @Nullable Instant noMasterSince,
            List<PodDescriptor> pods,
            List<StaleReplicaDescriptor> staleReplicas,
            @Nullable SplitBrainDescriptor splitBrain,
            @Nullable ChangeDescriptor lastChange,
            List<ChangeDescriptor> recentChanges)
            implements OperationResponseBody {}

    /**
     * The shards of a Redis Cluster.
     *
     * @param service the Service's name
     * @param namespace its namespace
     * @param uncoveredSlots how many of the 16384 slots no master serves
     * @param shards one per master that serves slots, by first slot
     */
    public record ClusterDescriptor(
            String service, String namespace, int uncoveredSlots, List<ClusterShards.Shard> shards)
            implements OperationResponseBody {}

    /**
     * The master.
     *
     * @param pod its pod name, when the discovery source knows it
     * @param address its {@code ip:port}
     */
    public record MasterDescriptor(@Nullable String pod, String address) {}

    /**
     * One pod, as its last probe found it.
     *
     * @param pod the pod name, when the discovery source knows it
     * @param address {@code ip:port}
     * @param state {@code master}, {@code replica}, {@code stale-replica}, {@code split-brain-loser},
     *        {@code credentials-rejected} (the pod refused the application's credentials: it is up) or
     *        {@code unreachable} (probe failed, still loading, or not a Redis data node)
     * @param role the role the pod reported ({@code master}, {@code replica}, {@code sentinel}), or null when
     *        unreachable
     * @param replOffset its replication offset
     * @param keys its number of keys
     * @param follows for a replica: the {@code host:port} it replicates from
     * @param linkUp for a replica: whether its link to that master is up
     * @param loading whether it is still loading its data set
     * @param sentinels how many Sentinels monitor it, or null when unknown (where Sentinels manage the group, a
     *        master none of them monitors is never elected)
     * @param failure why the probe failed, or null
     * @param probedAt when the probe ran
     * @param probeMillis how long the probe took
     */
    public record PodDescriptor(
            @Nullable String pod,
            String address,
            String state,
            @Nullable String role,
            @Nullable Long replOffset,
            @Nullable Long keys,
            @Nullable String follows,
            @Nullable Boolean linkUp,
            boolean loading,
            @Nullable Integer sentinels,
            @Nullable String failure,
            Instant probedAt,
            long probeMillis) {}

    /**
     * A replica that does not replicate from the master.
     *
     * @param replica the pod
     * @param follows the {@code host:port} it follows
     * @param reason {@code FOLLOWS_UNKNOWN_ADDRESS}, {@code FOLLOWS_NON_MASTER} or {@code LINK_DOWN}
     */
    public record StaleReplicaDescriptor(String replica, String follows, String reason) {}

    /**
     * Several pods claim to be master.
     *
     * @param chosen the one that receives writes
     * @param others the others
     * @param decidedBy the rule that chose
     */
    public record SplitBrainDescriptor(String chosen, List<String> others, String decidedBy) {}

    /**
     * One change of the topology.
     *
     * @param at when it was observed
     * @param event the event's name, e.g. {@code MasterChanged}
     * @param description what happened
     */
    public record ChangeDescriptor(Instant at, String event, String description) {

        static ChangeDescriptor of(TopologyHistory.Change change) {
            return new ChangeDescriptor(change.at(), change.event(), change.description());
        }
    }
}
