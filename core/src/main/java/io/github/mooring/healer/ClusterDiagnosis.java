package io.github.mooring.healer;

import io.github.mooring.discovery.Endpoint;
import io.github.mooring.healer.ClusterView.Line;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What is wrong with a Redis Cluster and how to fix it, from what each pod of the Service answered to
 * {@code CLUSTER NODES}: a pure function. A node is who answers: the node ID on a pod's {@code myself} line is that
 * pod's node, at that pod's current IP, whatever the other nodes' tables say.
 *
 * <p>The rules, in order of urgency (the healer repairs the first finding that has a fix):
 * <ol>
 *   <li><b>stale address</b>: a peer lists a node ID that answers at another pod IP (or lists it without an address):
 *       {@code CLUSTER MEET <current ip> <port>} on that peer, which makes its bus greet the node there and learn the
 *       known node ID's new address. After every pod was replaced at once this is what re-forms the cluster;</li>
 *   <li><b>replica lost</b>: a master that serves slots has fewer replicas answering than the most any master has, or
 *       none while a replica of it is flagged {@code fail} and answers nowhere, while a pod is in no cluster: that pod meets the
 *       master and becomes its replica ({@code CLUSTER REPLICATE}). One empty pod per master, the masters with fewest
 *       replicas first;</li>
 *   <li><b>not in cluster</b>: a pod that knows no other node and serves no slot, that no master needs: reported;</li>
 *   <li><b>failed nodes linger</b>: node IDs flagged {@code fail} that no pod answers as: reported (forgetting a node
 *       needs an explicit setting that does not exist yet).</li>
 * </ol>
 * A node ID that two pods answer as (copies of one volume) is not placed anywhere: guessing would send a peer to the
 * wrong pod. Nothing here moves a slot or forgets a node.
 */
final class ClusterDiagnosis {

    private ClusterDiagnosis() {}

    /** {@code views}: one per pod of the Service that answered {@code CLUSTER NODES} in this round. */
    static List<ClusterFinding> of(List<ClusterView> views) {
        Map<String, ClusterView> answering = answering(views);
        List<ClusterView> members =
                views.stream().filter(v -> !v.empty() && v.self().isPresent()).toList();
        List<ClusterFinding> findings = new ArrayList<>();

        List<ClusterFinding.StaleAddress> stale = staleAddresses(members, answering);
        if (!stale.isEmpty()) {
            findings.add(new ClusterFinding.StaleAddressesFinding(stale));
        }

        List<Endpoint> empty = views.stream()
                .filter(ClusterView::empty)
                .map(ClusterView::endpoint)
                .sorted(Comparator.comparing(Endpoint::address))
                .toList();
        List<Endpoint> unplaced = new ArrayList<>(empty);
        for (ShortMaster master : mastersShortOfAReplica(members, answering)) {
            if (unplaced.isEmpty()) {
                break;
            }
            Endpoint pod = unplaced.remove(0);
            findings.add(new ClusterFinding.ReplicaLostFinding(
                    pod, master.id(), master.at(), master.busPort(), master.why()));
        }
        if (!unplaced.isEmpty()) {
            findings.add(new ClusterFinding.NotInClusterFinding(unplaced));
        }

        Set<String> lingering = new TreeSet<>();
        for (ClusterView view : members) {
            for (Line line : view.lines()) {
                if (line.failed() && !answering.containsKey(line.id())) {
                    lingering.add(line.id());
                }
            }
        }
        if (!lingering.isEmpty()) {
            findings.add(new ClusterFinding.FailedNodesLingerFinding(List.copyOf(lingering)));
        }
        return findings;
    }

    /** Node ID → the view of the one pod that answers as it; an ID that two pods answer as maps to neither. */
    static Map<String, ClusterView> answering(List<ClusterView> views) {
        Map<String, ClusterView> byId = new LinkedHashMap<>();
        Set<String> ambiguous = new HashSet<>();
        for (ClusterView view : views) {
            view.self().ifPresent(self -> {
                if (byId.putIfAbsent(self.id(), view) != null) {
                    ambiguous.add(self.id());
                }
            });
        }
        ambiguous.forEach(byId::remove);
        return byId;
    }

    /** Rule 1: every line of a member that gives an answering node ID an address where it does not answer. */
    private static List<ClusterFinding.StaleAddress> staleAddresses(
            List<ClusterView> members, Map<String, ClusterView> answering) {
        List<ClusterFinding.StaleAddress> stale = new ArrayList<>();
        for (ClusterView view : members) {
            for (Line line : view.lines()) {
                ClusterView node = answering.get(line.id());
                if (line.myself() || node == null || node == view) {
                    continue;
                }
                Endpoint at = node.endpoint();
                if (!line.hasAddress() || !line.address().equals(at.address())) {
                    stale.add(new ClusterFinding.StaleAddress(
                            line.id(), at, node.self().orElseThrow().busPort(), view.endpoint(), line.address()));
                }
            }
        }
        return stale;
    }

    private record ShortMaster(String id, Endpoint at, int busPort, int replicas, String why) {}

    /** Rule 2: the answering masters that serve slots and lack a replica, fewest replicas first. */
    private static List<ShortMaster> mastersShortOfAReplica(
            List<ClusterView> members, Map<String, ClusterView> answering) {
        Map<String, Integer> replicas = new LinkedHashMap<>();
        List<Line> masters = new ArrayList<>();
        for (ClusterView view : members) {
            Line self = view.self().orElseThrow();
            if (answering.get(self.id()) != view) {
                continue;
            }
            if (self.master() && self.slots() > 0) {
                masters.add(self);
                replicas.putIfAbsent(self.id(), 0);
            } else if (self.masterId() != null) {
                replicas.merge(self.masterId(), 1, Integer::sum);
            }
        }
        int most = masters.stream().mapToInt(m -> replicas.get(m.id())).max().orElse(0);
        List<ShortMaster> shortOf = new ArrayList<>();
        for (Line master : masters) {
            int has = replicas.get(master.id());
            String failedReplica = failedReplicaOf(master.id(), members, answering);
            String why = has < most
                    ? "it has " + has + " replica" + (has == 1 ? "" : "s") + " answering, another master has " + most
                    : has == 0 && failedReplica != null
                            ? "its replica " + failedReplica.substring(0, Math.min(8, failedReplica.length()))
                                    + " is flagged fail and answers nowhere"
                            : null;
            if (why != null) {
                ClusterView view = answering.get(master.id());
                shortOf.add(new ShortMaster(master.id(), view.endpoint(), master.busPort(), has, why));
            }
        }
        shortOf.sort(Comparator.comparingInt(ShortMaster::replicas).thenComparing(ShortMaster::id));
        return shortOf;
    }

    private static String failedReplicaOf(
            String masterId, List<ClusterView> members, Map<String, ClusterView> answering) {
        for (ClusterView view : members) {
            for (Line line : view.lines()) {
                if (line.failed() && masterId.equals(line.masterId()) && !answering.containsKey(line.id())) {
                    return line.id();
                }
            }
        }
        return null;
    }
}
