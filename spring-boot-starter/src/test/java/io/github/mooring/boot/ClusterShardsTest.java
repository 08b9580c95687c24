package io.github.mooring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode.NodeFlag;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** What health and the endpoint show of a cluster: shards by first slot, with node IDs and current addresses. */
class ClusterShardsTest {

    @Test
    void listsEachMastersSlotRangesWithItsReplicas() {
        Partitions partitions = partitions(
                master("b", "10.0.0.2", slots(5461, 10922), Set.of()),
                master("a", "10.0.0.1", slots(0, 5460), Set.of()),
                master("c", "10.0.0.3", slots(10923, 16383), Set.of()),
                replica("e", "10.0.0.5", "b"),
                replica("d", "10.0.0.4", "a"),
                replica("f", "10.0.0.6", "c"));

        ClusterShards shards = ClusterShards.of(partitions);

        assertThat(shards.uncoveredSlots()).isZero();
        assertThat(shards.failingMasters()).isZero();
        assertThat(shards.shards())
                .containsExactly(
                        new ClusterShards.Shard(
                                "0-5460",
                                new ClusterShards.Node("a", "10.0.0.1:6379", false),
                                List.of(new ClusterShards.Node("d", "10.0.0.4:6379", false))),
                        new ClusterShards.Shard(
                                "5461-10922",
                                new ClusterShards.Node("b", "10.0.0.2:6379", false),
                                List.of(new ClusterShards.Node("e", "10.0.0.5:6379", false))),
                        new ClusterShards.Shard(
                                "10923-16383",
                                new ClusterShards.Node("c", "10.0.0.3:6379", false),
                                List.of(new ClusterShards.Node("f", "10.0.0.6:6379", false))));
    }

    @Test
    void countsSlotsWithoutMasterAndFailingMasters() {
        // c failed and its replica f was not promoted yet: c still holds its slots, marked failing; d serves nothing.
        Partitions partitions = partitions(
                master("a", "10.0.0.1", slots(0, 5460), Set.of()),
                master("c", "10.0.0.3", slots(10923, 16383), Set.of(NodeFlag.FAIL)),
                master("d", "10.0.0.4", List.of(), Set.of()),
                replica("f", "10.0.0.6", "c"));

        ClusterShards shards = ClusterShards.of(partitions);

        assertThat(shards.uncoveredSlots()).isEqualTo(5462); // 5461-10922
        assertThat(shards.failingMasters()).isEqualTo(1);
        assertThat(shards.shards()).extracting(ClusterShards.Shard::slots).containsExactly("0-5460", "10923-16383");
        assertThat(shards.shards().get(1).master().failing()).isTrue();
    }

    @Test
    void writesConsecutiveSlotsAsRanges() {
        assertThat(ClusterShards.ranges(List.of(7, 0, 1, 2, 5))).isEqualTo("0-2,5,7");
        assertThat(ClusterShards.ranges(List.of())).isEmpty();
    }

    private static Partitions partitions(RedisClusterNode... nodes) {
        Partitions partitions = new Partitions();
        partitions.addAll(List.of(nodes));
        return partitions;
    }

    private static RedisClusterNode master(String id, String ip, List<Integer> slots, Set<NodeFlag> flags) {
        Set<NodeFlag> all = new java.util.HashSet<>(flags);
        all.add(NodeFlag.UPSTREAM);
        return new RedisClusterNode(RedisURI.create(ip, 6379), id, true, null, 0, 0, 1, slots, all);
    }

    private static RedisClusterNode replica(String id, String ip, String masterId) {
        return new RedisClusterNode(
                RedisURI.create(ip, 6379), id, true, masterId, 0, 0, 1, List.of(), Set.of(NodeFlag.REPLICA));
    }

    private static List<Integer> slots(int from, int to) {
        return IntStream.rangeClosed(from, to).boxed().toList();
    }
}
