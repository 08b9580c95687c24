package io.github.mooring.topology;

import java.util.List;
import java.util.Objects;

/**
 * Two or more pods claimed to be master at once; one was chosen.
 *
 * @param winner    the master elected
 * @param losers    the other masters, sorted by pod name, then address
 * @param decidedBy the rule that picked the winner: "the only one Sentinels monitor", "ready endpoint", "only one
 *                  holds data", "succession", "followed by replicas", "replication offset", "tie broken by pod name" or
 *                  "tie broken by address"
 */
public record SplitBrain(Node winner, List<Node> losers, String decidedBy) {

    public SplitBrain {
        Objects.requireNonNull(winner, "winner");
        losers = List.copyOf(losers);
        Objects.requireNonNull(decidedBy, "decidedBy");
        if (losers.isEmpty()) {
            throw new IllegalArgumentException("a split brain has at least one loser");
        }
    }
}
