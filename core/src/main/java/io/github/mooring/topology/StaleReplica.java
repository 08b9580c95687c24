package io.github.mooring.topology;

import java.util.Objects;

/**
 * A replica that does not replicate from the elected master, so its data falls behind.
 *
 * @param replica the replica
 * @param follows the {@code host:port} it still follows ({@code master_host} as configured)
 * @param reason  why it counts as stale
 */
public record StaleReplica(Node replica, String follows, Reason reason) {

    /** Why a replica is stale. */
    public enum Reason {
        /**
         * Its {@code master_host:port} is no live endpoint: the classic Kubernetes breakage after a master pod got
         * a new IP.
         */
        FOLLOWS_UNKNOWN_ADDRESS,
        /** It follows a live pod that is not the elected master, e.g. a split-brain loser or another replica. */
        FOLLOWS_NON_MASTER,
        /** It follows the elected master, but its link has been down longer than the policy allows. */
        LINK_DOWN
    }

    public StaleReplica {
        Objects.requireNonNull(replica, "replica");
        Objects.requireNonNull(follows, "follows");
        Objects.requireNonNull(reason, "reason");
    }
}
