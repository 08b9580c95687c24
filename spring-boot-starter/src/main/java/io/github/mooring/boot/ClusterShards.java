package io.github.mooring.boot;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode.NodeFlag;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * A Redis Cluster's shards as the cluster client routes to them now (Lettuce's partitions, each node at the address
 * its node ID answered at): for health and the actuator endpoint. Built from the client's cached topology: no Redis
 * call. Names no credentials: a node is its ID, address and flags.
 *
 * @param shards one per master that serves slots, by first slot
 * @param uncoveredSlots how many of the 16384 slots no master serves (writes to them fail until one does)
 * @param failingMasters masters that serve slots while the cluster marks them failing ({@code fail} or {@code fail?})
 */
public record ClusterShards(List<Shard> shards, int uncoveredSlots, int failingMasters) {

    public ClusterShards {
        shards = List.copyOf(shards);
    }

    /**
     * One shard.
     *
     * @param slots the master's slot ranges, as {@code 0-5460} or {@code 0-10,20-30}
     * @param master the master serving them
     * @param replicas its replicas
     */
    public record Shard(String slots, Node master, List<Node> replicas) {
        public Shard {
            replicas = List.copyOf(replicas);
        }
    }

    /**
     * One cluster node.
     *
     * @param nodeId its node ID ({@code CLUSTER MYID})
     * @param address the {@code ip:port} the client reaches it at (its pod's current address)
     * @param failing whether the cluster marks it failing ({@code fail} or {@code fail?})
     */
    public record Node(String nodeId, String address, boolean failing) {}

    /** The shards of {@code partitions}. */
    public static ClusterShards of(Partitions partitions) {
        List<RedisClusterNode> nodes = new ArrayList<>(partitions.getPartitions());
        BitSet covered = new BitSet(SlotHash.SLOT_COUNT);
        List<Shard> shards = new ArrayList<>();
        int failing = 0;
        for (RedisClusterNode master : nodes) {
            if (!master.getRole().isUpstream() || master.getSlots().isEmpty()) {
                continue;
            }
            master.getSlots().forEach(covered::set);
            List<Node> replicas = nodes.stream()
                    .filter(node ->
                            node.getRole().isReplica() && master.getNodeId().equals(node.getSlaveOf()))
                    .sorted(Comparator.comparing(RedisClusterNode::getNodeId))
                    .map(ClusterShards::node)
                    .toList();
            Node described = node(master);
            failing += described.failing() ? 1 : 0;
            shards.add(new Shard(ranges(master.getSlots()), described, replicas));
        }
        shards.sort(Comparator.comparingInt(shard -> firstSlot(shard.slots())));
        return new ClusterShards(shards, SlotHash.SLOT_COUNT - covered.cardinality(), failing);
    }

    private static Node node(RedisClusterNode node) {
        RedisURI uri = node.getUri();
        String address = uri == null ? "unknown" : hostPort(uri.getHost(), uri.getPort());
        boolean failing =
                node.getFlags().contains(NodeFlag.FAIL) || node.getFlags().contains(NodeFlag.EVENTUAL_FAIL);
        return new Node(Objects.requireNonNullElse(node.getNodeId(), "unknown"), address, failing);
    }

    private static String hostPort(String host, int port) {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    /** {@code 0-5460,5462}: consecutive slots as ranges. */
    static String ranges(List<Integer> slots) {
        List<Integer> sorted = slots.stream().sorted().toList();
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < sorted.size()) {
            int start = sorted.get(i);
            int end = start;
            while (i + 1 < sorted.size() && sorted.get(i + 1) == end + 1) {
                end = sorted.get(++i);
            }
            out.append(out.isEmpty() ? "" : ",").append(start == end ? start : start + "-" + end);
            i++;
        }
        return out.toString();
    }

    private static int firstSlot(String ranges) {
        int end = 0;
        while (end < ranges.length() && Character.isDigit(ranges.charAt(end))) {
            end++;
        }
        return end == 0 ? Integer.MAX_VALUE : Integer.parseInt(ranges.substring(0, end));
    }
}
