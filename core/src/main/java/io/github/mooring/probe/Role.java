package io.github.mooring.probe;

/** The role a Redis process reports for itself. */
public enum Role {
    /** Accepts writes; {@code role:master}. */
    MASTER,
    /** Replicates from a master; {@code role:slave}. */
    REPLICA,
    /** A Sentinel process ({@code redis_mode:sentinel}), which holds no data. */
    SENTINEL,
    /** Answered, but without a role Mooring understands. */
    UNKNOWN
}
