package io.github.mooring.healer;

import io.github.mooring.topology.DataAtRisk;
import io.github.mooring.topology.Node;
import io.github.mooring.topology.StaleReplica;
import io.github.mooring.topology.Topology;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What is wrong with a group and how to fix it, from one topology: a pure function. Data at risk comes first (its fix
 * also covers the split brain and stale replicas it implies), then a split brain, then stale replicas.
 */
final class Diagnosis {

    private Diagnosis() {}

    static List<Finding> of(Topology topology) {
        Optional<DataAtRisk> risk = topology.dataAtRisk();
        if (risk.isPresent()) {
            String master = risk.get().master().address();
            String holder = risk.get().holder().address();
            List<Node> others = topology.replicas().stream()
                    .filter(n -> !n.address().equals(holder) && !n.address().equals(master))
                    .toList();
            return List.of(new Finding.DataAtRiskFinding(risk.get(), others));
        }
        List<Finding> findings = new ArrayList<>();
        Optional<Node> master = topology.election().master();
        Set<String> losers = topology.splitBrain()
                .map(s -> s.losers().stream().map(Node::address).collect(Collectors.toSet()))
                .orElse(Set.of());
        List<StaleReplica> followLosers = new ArrayList<>();
        List<StaleReplica> stale = new ArrayList<>();
        for (StaleReplica replica : topology.staleReplicas()) {
            // A replica whose link to the right master is merely down needs no new REPLICAOF: it reconnects.
            if (replica.reason() == StaleReplica.Reason.LINK_DOWN
                    || losers.contains(replica.replica().address())) {
                continue;
            }
            boolean followsLoser = losers.stream().anyMatch(loser -> loser.equals(replica.follows()));
            (followsLoser ? followLosers : stale).add(replica);
        }
        topology.splitBrain()
                .ifPresent(split -> findings.add(new Finding.SplitBrainFinding(
                        split, followLosers.stream().map(StaleReplica::replica).toList())));
        if (master.isPresent() && !stale.isEmpty()) {
            findings.add(new Finding.StaleReplicasFinding(stale, master.get()));
        }
        return findings;
    }
}
