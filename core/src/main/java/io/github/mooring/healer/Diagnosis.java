package io.github.mooring.healer;

import io.github.mooring.probe.NodeReport;
import io.github.mooring.probe.ProbeResult;
import io.github.mooring.topology.DataAtRisk;
import io.github.mooring.topology.Node;
import io.github.mooring.topology.StaleReplica;
import io.github.mooring.topology.Topology;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What is wrong with a group and how to fix it, from one topology: a pure function. Data at risk comes first (its fix
 * also covers the split brain and stale replicas it implies), then a split brain, then stale replicas.
 *
 * <p>Two rules keep a repair from destroying what it means to save, whatever this client can or cannot see:
 * <ol>
 *   <li><b>out of sight is not dead</b>: a replica whose link is up to an address this client cannot reach follows a
 *       live master (a partition between this client and that master, not a broken group): it is neither promoted
 *       (see {@link DataAtRisk#assess}) nor re-pointed;</li>
 *   <li><b>never follow less history</b>: no pod is made to follow one whose replication history its own includes
 *       and goes beyond (it would drop, in a full sync, the writes only it has).</li>
 * </ol>
 * The healer asks the pods again right before each command (same rules, fresh answers). And a repair never undoes
 * a choice the application made: a master the {@code onDataAtRisk} policy let writes through to is never demoted
 * under the replica that held the data (that would discard the writes); the divergence is reported instead.
 */
final class Diagnosis {

    private Diagnosis() {}

    static List<Finding> of(Topology topology) {
        return of(topology, List.of());
    }

    /**
     * @param letThrough the risks whose empty master the {@code onDataAtRisk} policy let writes through to. While a
     *        holder still holds its history ({@link #stillHolds}), nothing is repaired: promoting it would discard
     *        the new writes, and making it follow the master (which the key counts no longer flag once the master
     *        took writes) would wipe its data. The divergence is reported for an operator to settle.
     */
    static List<Finding> of(Topology topology, Collection<DataAtRisk> letThrough) {
        for (DataAtRisk diverged : letThrough) {
            if (stillHolds(topology, diverged)) {
                return List.of(new Finding.WritesLetThroughFinding(diverged));
            }
        }
        Optional<DataAtRisk> risk = topology.dataAtRisk();
        if (risk.isPresent()) {
            Node master = risk.get().master();
            Node holder = risk.get().holder();
            List<Node> others = topology.replicas().stream()
                    .filter(n -> !n.address().equals(holder.address())
                            && !n.address().equals(master.address()))
                    .filter(n -> !n.report().historyAheadOf(holder.report()))
                    .filter(n -> !linkedOutOfSight(topology, n, n.report().masterAddress()))
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
                    || losers.contains(replica.replica().address())
                    || linkedOutOfSight(topology, replica.replica(), replica.follows())
                    || master.isPresent()
                            && replica.replica()
                                    .report()
                                    .historyAheadOf(master.get().report())) {
                continue;
            }
            boolean followsLoser = losers.stream().anyMatch(loser -> loser.equals(replica.follows()));
            (followsLoser ? followLosers : stale).add(replica);
        }
        topology.splitBrain().ifPresent(split -> {
            if (split.losers().stream()
                    .noneMatch(l -> l.report().historyAheadOf(split.winner().report()))) {
                findings.add(new Finding.SplitBrainFinding(
                        split, followLosers.stream().map(StaleReplica::replica).toList()));
            }
        });
        if (master.isPresent() && !stale.isEmpty()) {
            findings.add(new Finding.StaleReplicasFinding(stale, master.get()));
        }
        return findings;
    }

    /**
     * Whether the holder of {@code risk} still holds what it held then: it answers with the same replication history
     * ({@code master_replid}) and is not linked to a master (a full sync would have replaced its history).
     */
    static boolean stillHolds(Topology topology, DataAtRisk risk) {
        NodeReport then = risk.holder().report();
        return topology.reports().stream()
                .filter(r -> r.endpoint().address().equals(risk.holder().address()) && r.reachable())
                .map(ProbeResult::report)
                .anyMatch(now -> now != null && Objects.equals(now.replId(), then.replId()) && !now.masterLinkUp());
    }

    /** One risk: that master process (a restarted one is a new risk) beside that holder. */
    static String riskKey(DataAtRisk risk) {
        return risk.master().address() + "/" + risk.master().report().runId() + ">"
                + risk.holder().address();
    }

    /** Rule 1: {@code node}'s link is up to {@code follows}, which is no pod this client reaches. */
    private static boolean linkedOutOfSight(Topology topology, Node node, String follows) {
        if (!node.report().masterLinkUp() || follows == null) {
            return false;
        }
        // master_host may be a DNS name: the prober resolved it for this replica.
        Set<String> resolved = topology.reports().stream()
                .filter(r -> r.endpoint().address().equals(node.address()))
                .flatMap(r -> r.masterHostAddresses().stream())
                .collect(Collectors.toSet());
        int port = node.report().masterPort();
        return topology.reports().stream()
                .filter(ProbeResult::reachable)
                .noneMatch(r -> r.endpoint().address().equals(follows)
                        || r.endpoint().port() == port
                                && resolved.contains(r.endpoint().host()));
    }
}
