package io.github.mooring.probe;

import io.github.mooring.discovery.Endpoint;
import java.util.Objects;

/**
 * What one Redis pod reported about itself, parsed from {@code INFO replication}, {@code persistence},
 * {@code keyspace}, {@code server} and (Redis 7 and later) {@code cluster}.
 *
 * @param role                       the reported role
 * @param runId                      {@code run_id}: changes on every process start; {@code null} if absent
 * @param replId                     {@code master_replid}: the replication history this node serves or follows
 * @param replId2                    {@code master_replid2}: the history it was promoted from, forty zeros if never
 * @param secondReplOffset           {@code second_repl_offset}, -1 when none
 * @param replOffset                 {@code master_repl_offset} of a master; {@code slave_repl_offset} of a replica
 * @param masterHost                 {@code master_host} as configured (IP or host name); replicas only, else null
 * @param masterPort                 {@code master_port}; replicas only, else 0
 * @param masterLinkUp               {@code master_link_status:up}; always false for a master
 * @param masterLinkDownSinceSeconds seconds the link to the master has been down, -1 when up or unknown
 * @param syncInProgress             {@code master_sync_in_progress:1}: a full sync is being received
 * @param loading                    {@code loading:1}: still loading its dataset, cannot serve commands
 * @param keys                       keys summed over all databases in {@code INFO keyspace}
 * @param connectedReplicas          {@code connected_slaves}
 * @param clusterEnabled             {@code cluster_enabled:1} ({@code INFO cluster}), or {@code redis_mode:cluster} where
 *                                   only {@code INFO server} was read: the pod is a Redis Cluster node, no member of a
 *                                   replication group
 */
public record NodeReport(
        Role role,
        String runId,
        String replId,
        String replId2,
        long secondReplOffset,
        long replOffset,
        String masterHost,
        int masterPort,
        boolean masterLinkUp,
        long masterLinkDownSinceSeconds,
        boolean syncInProgress,
        boolean loading,
        long keys,
        int connectedReplicas,
        boolean clusterEnabled) {

    /** The {@code master_replid2} of a node that was never promoted: matches nothing. */
    public static final String NO_REPL_ID = "0000000000000000000000000000000000000000";

    public NodeReport {
        Objects.requireNonNull(role, "role");
    }

    /** A report of a pod that is no Redis Cluster node. */
    public NodeReport(
            Role role,
            String runId,
            String replId,
            String replId2,
            long secondReplOffset,
            long replOffset,
            String masterHost,
            int masterPort,
            boolean masterLinkUp,
            long masterLinkDownSinceSeconds,
            boolean syncInProgress,
            boolean loading,
            long keys,
            int connectedReplicas) {
        this(
                role,
                runId,
                replId,
                replId2,
                secondReplOffset,
                replOffset,
                masterHost,
                masterPort,
                masterLinkUp,
                masterLinkDownSinceSeconds,
                syncInProgress,
                loading,
                keys,
                connectedReplicas,
                false);
    }

    /**
     * Whether {@code other}'s replication position is a point of this node's history, so this node has applied
     * everything {@code other} has (deletes and {@code FLUSHDB} included): the same {@code master_replid} at no
     * greater offset, or the history this node was promoted from ({@code master_replid2}) up to the point of its
     * promotion. Key counts cannot tell this: a master emptied by {@code FLUSHDB} holds fewer keys than a lagging
     * replica but more history.
     */
    public boolean historyIncludes(NodeReport other) {
        if (replId == null || other.replId == null) {
            return false;
        }
        if (replId.equals(other.replId)) {
            return other.replOffset <= replOffset;
        }
        return replId2 != null
                && !NO_REPL_ID.equals(replId2)
                && replId2.equals(other.replId)
                && other.replOffset < secondReplOffset; // second_repl_offset is the promotion offset + 1
    }

    /** Whether this node has applied everything {@code other} has and more: the same history, further along. */
    public boolean historyAheadOf(NodeReport other) {
        return historyIncludes(other) && !other.historyIncludes(this);
    }

    /** {@code master_host:master_port} this replica follows, or {@code null} when it is no replica. */
    public String masterAddress() {
        return role == Role.REPLICA && masterHost != null ? Endpoint.address(masterHost, masterPort) : null;
    }
}
