package io.github.mooring.internal.cluster;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode.NodeFlag;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Where each cluster node is now, by node ID, and the topology rewritten to match (pure functions).
 * <p>
 * Lettuce asks every refresh source for {@code CLUSTER NODES} and gets back one view per source, keyed by the source's
 * address. Each view has exactly one {@code myself} line: the node ID of the server at that address (what
 * {@code CLUSTER MYID} answers). The sources are the Service's current endpoints, so the views say which node ID
 * answers at which pod IP right now, while other nodes' tables may still list that node ID at the address its pod had
 * before it was replaced (gossip fixes that within a fraction of a second; after every pod was replaced, never).
 * {@link #rewrite} gives each node of the chosen topology the address it answered at.
 */
public final class NodeAddresses {

    /** What {@link #rewrite} changed, for the log. */
    public record Moved(String nodeId, String from, String to) {}

    private NodeAddresses() {}

    /**
     * Node ID → the address of the source whose own line ({@code myself}) carries that ID. A node ID two sources
     * claim (two pods with copies of one volume, in theory) maps to neither: guessing would route a slot to the wrong
     * pod.
     */
    public static Map<String, RedisURI> answeredAt(Map<RedisURI, Partitions> views) {
        Map<String, RedisURI> addresses = new LinkedHashMap<>();
        Map<String, Boolean> ambiguous = new LinkedHashMap<>();
        for (Map.Entry<RedisURI, Partitions> view : views.entrySet()) {
            for (RedisClusterNode node : view.getValue()) {
                if (node.is(NodeFlag.MYSELF) && node.getNodeId() != null) {
                    RedisURI before = addresses.putIfAbsent(node.getNodeId(), view.getKey());
                    if (before != null && !sameAddress(before, view.getKey())) {
                        ambiguous.put(node.getNodeId(), true);
                    }
                }
            }
        }
        ambiguous.keySet().forEach(addresses::remove);
        return addresses;
    }

    /**
     * Sets the address of every node of {@code topology} whose node ID answered somewhere else, keeping the node's own
     * connection settings (credentials, TLS); returns what moved. Nodes that no source answered as (not in the
     * Service, or down) keep the address the topology has.
     */
    public static List<Moved> rewrite(Partitions topology, Map<String, RedisURI> answeredAt) {
        List<Moved> moved = new java.util.ArrayList<>();
        for (RedisClusterNode node : topology) {
            RedisURI now = answeredAt.get(node.getNodeId());
            RedisURI listed = node.getUri();
            if (now == null || (listed != null && sameAddress(listed, now))) {
                continue;
            }
            RedisURI.Builder uri = listed == null ? RedisURI.builder(now) : RedisURI.builder(listed);
            node.setUri(uri.withHost(now.getHost()).withPort(now.getPort()).build());
            moved.add(new Moved(node.getNodeId(), listed == null ? "no address" : address(listed), address(now)));
        }
        if (!moved.isEmpty()) {
            topology.updateCache();
        }
        return moved;
    }

    /**
     * Whether a master that serves slots answered at no source: its pod is gone or not up yet, and the topology will
     * change (its replica promoted, or the node back, maybe at a new IP) without any endpoint changing at that moment.
     */
    public static boolean aMasterAnswersNowhere(Partitions topology, Map<String, RedisURI> answeredAt) {
        for (RedisClusterNode node : topology) {
            if (node.is(NodeFlag.UPSTREAM) && !node.getSlots().isEmpty() && !answeredAt.containsKey(node.getNodeId())) {
                return true;
            }
        }
        return false;
    }

    static boolean sameAddress(RedisURI a, RedisURI b) {
        return Objects.equals(a.getHost(), b.getHost()) && a.getPort() == b.getPort();
    }

    static String address(RedisURI uri) {
        return uri.getHost() + ":" + uri.getPort();
    }
}
