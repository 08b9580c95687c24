package io.github.mooring.healer;

import io.github.mooring.topology.DataAtRisk;
import io.github.mooring.topology.Node;
import io.github.mooring.topology.SplitBrain;
import io.github.mooring.topology.StaleReplica;
import java.util.ArrayList;
import java.util.List;

/**
 * Something wrong with the replication group (or, as a {@link ClusterFinding}, with a Redis Cluster), with the commands
 * that fix it, in order.
 */
public sealed interface Finding
        permits Finding.DataAtRiskFinding,
                Finding.WritesLetThroughFinding,
                Finding.SplitBrainFinding,
                Finding.StaleReplicasFinding,
                ClusterFinding {

    /** Identifies the condition across probe rounds, to tell whether it has been stable. */
    String key();

    /** One line for the log: what is wrong. */
    String description();

    /** The commands that fix it, in the order to run them. */
    List<RepairAction> fix();

    /**
     * The master came back empty (or far behind) while a stale replica holds the data: promote that replica, then
     * make the empty master and every other replica follow it.
     */
    record DataAtRiskFinding(DataAtRisk risk, List<Node> others) implements Finding {
        public DataAtRiskFinding {
            others = List.copyOf(others);
        }

        @Override
        public String key() {
            return "data-at-risk:" + risk.master().address() + ">"
                    + risk.holder().address();
        }

        @Override
        public String description() {
            return "data at risk: " + risk.description();
        }

        @Override
        public List<RepairAction> fix() {
            List<RepairAction> actions = new ArrayList<>();
            Node holder = risk.holder();
            actions.add(RepairAction.promote(holder.endpoint(), "it holds the data the empty master lost"));
            actions.add(RepairAction.follow(
                    risk.master().endpoint(),
                    holder.endpoint(),
                    "it came back empty; its data lives on in " + holder.displayName()));
            for (Node other : others) {
                actions.add(RepairAction.follow(other.endpoint(), holder.endpoint(), "it must follow the new master"));
            }
            return actions;
        }
    }

    /**
     * Data was at risk and the {@link DataAtRiskPolicy#WRITE_TO_NEW_MASTER} policy let writes through to the empty
     * master: the replica holds the old data, the master the new writes. No repair keeps both: promoting the replica
     * would discard the new writes, and the replica drops its data when it follows the master. The healer repairs
     * nothing here and says so; an operator settles it.
     */
    record WritesLetThroughFinding(DataAtRisk risk) implements Finding {
        @Override
        public String key() {
            return "writes-let-through:" + risk.master().address() + ">"
                    + risk.holder().address();
        }

        @Override
        public String description() {
            Node holder = risk.holder();
            Node master = risk.master();
            return "diverged: " + risk.description() + "; the onDataAtRisk policy (WRITE_TO_NEW_MASTER) let writes"
                    + " through to " + master.displayName() + ", so the healer does not promote " + holder.displayName()
                    + " (that would discard them), and " + holder.displayName() + " drops its data when it follows "
                    + master.displayName() + ". No automatic repair: copy what you need from "
                    + holder.displayName() + " (it keeps its data while its link is down), then run REPLICAOF "
                    + master.endpoint().host() + " " + master.endpoint().port() + " on it";
        }

        @Override
        public List<RepairAction> fix() {
            return List.of();
        }
    }

    /**
     * Two or more pods report master: the losers must follow the winner, and so must the replicas that follow a
     * loser (they would be stale the moment it is demoted).
     */
    record SplitBrainFinding(SplitBrain splitBrain, List<Node> replicasOfLosers) implements Finding {
        public SplitBrainFinding {
            replicasOfLosers = List.copyOf(replicasOfLosers);
        }

        @Override
        public String key() {
            return "split-brain:" + splitBrain.winner().address() + ">"
                    + splitBrain.losers().stream().map(Node::address).sorted().toList();
        }

        @Override
        public String description() {
            return "split brain: " + splitBrain.winner().displayName() + " is master (" + splitBrain.decidedBy()
                    + ") but "
                    + splitBrain.losers().stream().map(Node::displayName).toList()
                    + " also report master; what is written to them only is lost when they follow it";
        }

        @Override
        public List<RepairAction> fix() {
            List<RepairAction> actions = new ArrayList<>();
            Node winner = splitBrain.winner();
            for (Node loser : splitBrain.losers()) {
                actions.add(RepairAction.follow(
                        loser.endpoint(), winner.endpoint(), "it lost a split brain to " + winner.displayName()));
            }
            for (Node replica : replicasOfLosers) {
                actions.add(
                        RepairAction.follow(replica.endpoint(), winner.endpoint(), "it follows a split-brain loser"));
            }
            return actions;
        }
    }

    /** Replicas that follow an address that is not the master: they receive no writes and protect nothing. */
    record StaleReplicasFinding(List<StaleReplica> stale, Node master) implements Finding {
        public StaleReplicasFinding {
            stale = List.copyOf(stale);
        }

        @Override
        public String key() {
            return "stale:"
                    + stale.stream().map(s -> s.replica().address()).sorted().toList() + ">" + master.address();
        }

        @Override
        public String description() {
            return "stale replica" + (stale.size() == 1 ? "" : "s") + ": "
                    + stale.stream()
                            .map(s -> s.replica().displayName() + " follows " + s.follows() + " (" + s.reason() + ")")
                            .toList()
                    + ", not the master " + master.displayName();
        }

        @Override
        public List<RepairAction> fix() {
            return stale.stream()
                    .map(s -> RepairAction.follow(
                            s.replica().endpoint(),
                            master.endpoint(),
                            "it follows " + s.follows() + ", which is not the master"))
                    .toList();
        }
    }
}
