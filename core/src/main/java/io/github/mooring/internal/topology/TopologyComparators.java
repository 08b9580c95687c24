package io.github.mooring.internal.topology;

import io.github.mooring.topology.DataAtRisk;
import io.github.mooring.topology.Election;
import io.github.mooring.topology.Node;
import io.github.mooring.topology.SplitBrain;
import io.github.mooring.topology.StaleReplica;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Pure comparisons of what two probe rounds found, the way Lettuce's {@code TopologyComparators} compare cluster
 * views: they decide whether a topology is "the same group" (no new version) and which findings are new (an event).
 */
final class TopologyComparators {

    private TopologyComparators() {}

    /**
     * Whether two elections describe the same group: who is master, replica, stale, unreachable or a split-brain
     * loser, each pod by address and Redis process (run id). Offsets, key counts and how long a link has been down
     * do not count: they change every round.
     */
    static boolean sameGroup(Election a, boolean aWithheld, Election b, boolean bWithheld) {
        return aWithheld == bWithheld
                && Objects.equals(
                        a.master().map(TopologyComparators::process), b.master().map(TopologyComparators::process))
                && processes(a.replicas()).equals(processes(b.replicas()))
                && staleKeys(a.staleReplicas()).equals(staleKeys(b.staleReplicas()))
                && a.unreachable().stream()
                        .map(u -> u.endpoint().address())
                        .toList()
                        .equals(b.unreachable().stream()
                                .map(u -> u.endpoint().address())
                                .toList())
                && losers(a.splitBrain()).equals(losers(b.splitBrain()));
    }

    /** Whether {@code risk} is what {@code before} already reported: the same empty master and the same holder. */
    static boolean sameRisk(Optional<DataAtRisk> before, DataAtRisk risk) {
        return before.map(p -> p.master().address().equals(risk.master().address())
                        && p.holder().address().equals(risk.holder().address()))
                .orElse(false);
    }

    /** Whether {@code split} has the same losers as {@code before}. */
    static boolean sameLosers(Optional<SplitBrain> before, SplitBrain split) {
        return before.isPresent() && losers(before).equals(losers(Optional.of(split)));
    }

    /** A stale replica is "the same finding" while it is the same pod following the same address for the same reason. */
    static String staleKey(StaleReplica stale) {
        return stale.replica().address() + "|" + stale.follows() + "|" + stale.reason();
    }

    private static String process(Node node) {
        return node.address() + "/" + node.report().runId();
    }

    private static List<String> processes(List<Node> nodes) {
        return nodes.stream().map(TopologyComparators::process).toList();
    }

    private static List<String> staleKeys(List<StaleReplica> stale) {
        return stale.stream().map(TopologyComparators::staleKey).toList();
    }

    private static Set<String> losers(Optional<SplitBrain> split) {
        return split.map(s -> s.losers().stream().map(Node::address).collect(Collectors.toSet()))
                .orElse(Set.of());
    }
}
