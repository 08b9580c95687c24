package io.github.mooring.healer;

import io.github.mooring.discovery.Endpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Something wrong with a Redis Cluster behind a Service, found by {@link ClusterHealer} from each pod's
 * {@code CLUSTER NODES} and the Service's current endpoints. The healer's cluster commands only add knowledge:
 * {@code CLUSTER MEET} and {@code CLUSTER REPLICATE} of an empty node. It never runs {@code CLUSTER FORGET} nor moves
 * slots: both need an explicit setting, which does not exist yet, so those findings are reported with the commands an
 * operator would run.
 */
public sealed interface ClusterFinding extends Finding {

    /**
     * Node {@code nodeId} answers at {@code answersAt} (its pod's current IP), but {@code listedBy}'s table lists it at
     * {@code listedAt}: the pod was replaced, and gossip has not told that peer (after every pod was replaced at once,
     * it never will: no node knows where any other is).
     *
     * @param busPort the node's cluster bus port, as its own line gives it
     * @param listedAt the address the peer's table gives, {@code host:port}, or {@code noaddr}
     */
    record StaleAddress(String nodeId, Endpoint answersAt, int busPort, Endpoint listedBy, String listedAt) {}

    /** Peers list nodes at addresses they no longer answer at; fix: {@code CLUSTER MEET} on each such peer. */
    record StaleAddressesFinding(List<StaleAddress> stale) implements ClusterFinding {
        public StaleAddressesFinding {
            stale = List.copyOf(stale);
        }

        @Override
        public String key() {
            return "cluster-stale-address:"
                    + stale.stream()
                            .map(s -> s.listedBy().address() + ">" + s.nodeId() + "@"
                                    + s.answersAt().address())
                            .sorted()
                            .toList();
        }

        @Override
        public String description() {
            return "stale cluster address" + (stale.size() == 1 ? "" : "es") + ": "
                    + stale.stream()
                            .map(s -> s.listedBy().displayName() + " lists node " + shortId(s.nodeId()) + " at "
                                    + s.listedAt() + ", it answers at "
                                    + s.answersAt().displayName())
                            .collect(Collectors.joining("; "));
        }

        @Override
        public List<RepairAction> fix() {
            return stale.stream()
                    .map(s -> RepairAction.meet(
                            s.listedBy(),
                            s.answersAt(),
                            s.busPort(),
                            "it lists node " + shortId(s.nodeId()) + " at " + s.listedAt()))
                    .toList();
        }
    }

    /**
     * A master serves slots with fewer replicas than the other masters (its replica's pod came back empty, or its own
     * replica was promoted in its place), while {@code emptyPod} is in no cluster: make it that master's replica.
     *
     * @param masterBusPort the master's cluster bus port, as its own line gives it
     * @param why how the master lost its replica, in words
     */
    record ReplicaLostFinding(Endpoint emptyPod, String masterId, Endpoint master, int masterBusPort, String why)
            implements ClusterFinding {

        @Override
        public String key() {
            return "cluster-replica-lost:" + masterId + "<" + emptyPod.address();
        }

        @Override
        public String description() {
            return "master " + shortId(masterId) + " at " + master.displayName() + " lost its replica (" + why
                    + "), and " + emptyPod.displayName() + " is in no cluster";
        }

        @Override
        public List<RepairAction> fix() {
            return List.of(
                    RepairAction.meet(emptyPod, master, masterBusPort, "it is in no cluster"),
                    RepairAction.replicate(
                            emptyPod, masterId, "master " + shortId(masterId) + " lost its replica (" + why + ")"));
        }
    }

    /**
     * Pods in no cluster ({@code cluster_known_nodes:1}, no slots), with no master short of a replica: the healer does
     * not place them (as replicas of whom, or with which slots, is a choice it leaves to an operator).
     */
    record NotInClusterFinding(List<Endpoint> pods) implements ClusterFinding {
        public NotInClusterFinding {
            pods = List.copyOf(pods);
        }

        @Override
        public String key() {
            return "cluster-not-in-cluster:"
                    + pods.stream().map(Endpoint::address).sorted().toList();
        }

        @Override
        public String description() {
            return pods.stream().map(Endpoint::displayName).toList() + (pods.size() == 1 ? " is" : " are")
                    + " in no cluster (it knows no other node) and no master lacks a replica: add "
                    + (pods.size() == 1 ? "it" : "them")
                    + " by hand (CLUSTER MEET <a node's ip> <port>, then CLUSTER REPLICATE <master id> or a reshard)";
        }

        @Override
        public List<RepairAction> fix() {
            return List.of();
        }
    }

    /**
     * Node IDs that some node flags {@code fail} and that no pod of the Service answers as: a pod replaced without its
     * volume left its old node ID behind. Harmless to the slots, but every node keeps gossiping about it, and it
     * counts in {@code cluster_known_nodes}. Never forgotten by the healer ({@code CLUSTER FORGET} needs an explicit
     * setting, which does not exist yet): the fix is described, not taken.
     *
     * @param nodeIds the lingering node IDs, sorted
     */
    record FailedNodesLingerFinding(List<String> nodeIds) implements ClusterFinding {
        public FailedNodesLingerFinding {
            nodeIds = List.copyOf(nodeIds);
        }

        @Override
        public String key() {
            return "cluster-failed-linger:" + nodeIds;
        }

        @Override
        public String description() {
            List<String> forget = new ArrayList<>();
            for (String id : nodeIds) {
                forget.add("CLUSTER FORGET " + id);
            }
            return "failed node" + (nodeIds.size() == 1 ? "" : "s") + " "
                    + nodeIds.stream().map(ClusterFinding::shortId).toList() + " linger: flagged fail, and no pod of"
                    + " the Service answers as " + (nodeIds.size() == 1 ? "it" : "them") + ". The healer never forgets"
                    + " a node; to drop " + (nodeIds.size() == 1 ? "it" : "them") + ", run " + String.join("; ", forget)
                    + " on every node within 60 s";
        }

        @Override
        public List<RepairAction> fix() {
            return List.of();
        }
    }

    /** The first 8 characters of a node ID, as in logs (the commands carry the whole ID). */
    private static String shortId(String nodeId) {
        return nodeId.length() > 8 ? nodeId.substring(0, 8) : nodeId;
    }
}
