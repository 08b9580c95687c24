package io.github.mooring.topology;

import io.github.mooring.internal.Require;
import java.time.Duration;
import java.util.Objects;

/**
 * Tunables of the election of the master.
 *
 * @param linkDownStaleAfter how long a replica's link to the elected master may be down before the replica counts
 *                           as {@link StaleReplica.Reason#LINK_DOWN stale}
 */
public record ElectionPolicy(Duration linkDownStaleAfter) {

    private static final ElectionPolicy DEFAULTS = new ElectionPolicy(Duration.ofSeconds(10));

    public ElectionPolicy {
        Objects.requireNonNull(linkDownStaleAfter, "linkDownStaleAfter");
        Require.zeroOrPositive(linkDownStaleAfter, "linkDownStaleAfter");
    }

    /** A replica is stale after its link has been down 10 seconds. */
    public static ElectionPolicy defaults() {
        return DEFAULTS;
    }
}
