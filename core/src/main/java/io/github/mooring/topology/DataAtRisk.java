package io.github.mooring.topology;

import io.github.mooring.probe.NodeReport;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The elected master is empty, or far behind, while a replica that does not replicate from it still holds more
 * data: the classic Kubernetes loss. The master pod was replaced (or restarted) without persistence and came back
 * empty; the replicas still follow its old address with the data. Every write to the empty master builds on nothing,
 * and the day a replica resyncs from it, the replica's copy is wiped.
 *
 * @param master the elected master that holds little or nothing
 * @param holder the replica that holds the most data, the one to promote
 * @param description one line saying what is wrong, with the pods' addresses and key counts
 */
public record DataAtRisk(Node master, Node holder, String description) {

    public DataAtRisk {
        Objects.requireNonNull(master, "master");
        Objects.requireNonNull(holder, "holder");
        Objects.requireNonNull(description, "description");
    }

    /**
     * A pure check of one election: whether a stale replica that is not linked to a live master holds data the master
     * lacks. Replication history decides first; key counts only where the histories diverged:
     * <ol>
     *   <li>a replica whose link to its master is up is no holder: its master lives (this client may just not reach
     *       it), and the data with it;</li>
     *   <li>a replica whose position is a point of the master's history holds nothing the master lacks, whatever the
     *       key counts say (a {@code FLUSHDB} or mass delete on the master is history too);</li>
     *   <li>a replica further along the master's own history holds writes the master lacks (a master restarted from
     *       an older snapshot);</li>
     *   <li>where the histories diverged (the fresh {@code master_replid} of a master that came back empty, or of one
     *       restarted from its AOF), keys decide: the master holds none, or fewer than {@code farBehindRatio} of the
     *       replica's.</li>
     * </ol>
     * Among several holders, one whose history includes another's is preferred, then the most keys, then the largest
     * offset.
     */
    public static Optional<DataAtRisk> assess(Election election, double farBehindRatio) {
        if (election.master().isEmpty()) {
            return Optional.empty();
        }
        Node master = election.master().get();
        NodeReport masterReport = master.report();
        List<StaleReplica> holders = election.staleReplicas().stream()
                .filter(stale ->
                        holdsWhatTheMasterLacks(masterReport, stale.replica().report(), farBehindRatio))
                .toList();
        return holders.stream()
                .max(Comparator.<StaleReplica>comparingLong(s -> holders.stream()
                                .filter(other -> s.replica()
                                        .report()
                                        .historyAheadOf(other.replica().report()))
                                .count())
                        .thenComparingLong(s -> s.replica().report().keys())
                        .thenComparingLong(s -> s.replica().report().replOffset()))
                .map(stale -> new DataAtRisk(
                        master,
                        stale.replica(),
                        master.displayName() + " is master with "
                                + masterReport.keys() + " keys (replication offset "
                                + masterReport.replOffset() + ") while replica "
                                + stale.replica().displayName() + ", which still follows " + stale.follows()
                                + " with its link down, holds "
                                + stale.replica().report().keys() + " keys (offset "
                                + stale.replica().report().replOffset()
                                + ")"));
    }

    private static boolean holdsWhatTheMasterLacks(NodeReport master, NodeReport replica, double farBehindRatio) {
        if (replica.masterLinkUp() || master.historyIncludes(replica)) {
            return false;
        }
        if (replica.historyAheadOf(master)) {
            return true;
        }
        long keys = replica.keys();
        return keys > 0 && (master.keys() == 0 || master.keys() < keys * farBehindRatio);
    }
}
