package io.github.mooring.topology;

import java.util.Comparator;
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
     * A pure check of one election: whether a stale replica holds data while the master holds none, or fewer than
     * {@code farBehindRatio} of its keys.
     */
    public static Optional<DataAtRisk> assess(Election election, double farBehindRatio) {
        if (election.master().isEmpty()) {
            return Optional.empty();
        }
        Node master = election.master().get();
        long masterKeys = master.report().keys();
        return election.staleReplicas().stream()
                .filter(stale -> {
                    Node replica = stale.replica();
                    long keys = replica.report().keys();
                    if (keys == 0) {
                        return false;
                    }
                    // Keys, not replication offsets: a master restarted from its AOF has all the data but starts a
                    // new, short replication history.
                    return masterKeys == 0 || masterKeys < keys * farBehindRatio;
                })
                .max(Comparator.<StaleReplica>comparingLong(
                                s -> s.replica().report().keys())
                        .thenComparingLong(s -> s.replica().report().replOffset()))
                .map(stale -> new DataAtRisk(
                        master,
                        stale.replica(),
                        master.displayName() + " is master with "
                                + masterKeys + " keys (replication offset "
                                + master.report().replOffset() + ") while replica "
                                + stale.replica().displayName() + ", which still follows " + stale.follows()
                                + ", holds "
                                + stale.replica().report().keys() + " keys (offset "
                                + stale.replica().report().replOffset()
                                + ")"));
    }
}
