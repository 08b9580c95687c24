package io.github.mooring.healer;

import io.github.mooring.discovery.Endpoint;
import java.util.List;
import java.util.Objects;

/**
 * One command the healer sends (or, in report mode, would send) to one pod.
 *
 * @param kind what the command does
 * @param target the pod it goes to
 * @param masterHost for {@link Kind#FOLLOW}, the host to follow; else null
 * @param masterPort for {@link Kind#FOLLOW}, the port to follow; else 0
 * @param why the condition it fixes, in words
 */
public record RepairAction(Kind kind, Endpoint target, String masterHost, int masterPort, String why) {

    /** The two commands the healer uses. */
    public enum Kind {
        /** {@code REPLICAOF NO ONE}: promote. */
        PROMOTE,
        /** {@code REPLICAOF host port}: follow (re-point a stale replica, demote a split-brain loser). */
        FOLLOW
    }

    public RepairAction {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(why, "why");
        if ((kind == Kind.FOLLOW) != (masterHost != null)) {
            throw new IllegalArgumentException("FOLLOW needs the master to follow, PROMOTE none");
        }
    }

    static RepairAction promote(Endpoint target, String why) {
        return new RepairAction(Kind.PROMOTE, target, null, 0, why);
    }

    static RepairAction follow(Endpoint target, Endpoint master, String why) {
        return new RepairAction(Kind.FOLLOW, target, master.host(), master.port(), why);
    }

    /** The Redis command, as an operator would type it. */
    public List<String> command() {
        return kind == Kind.PROMOTE
                ? List.of("REPLICAOF", "NO", "ONE")
                : List.of("REPLICAOF", masterHost, Integer.toString(masterPort));
    }

    /** {@code REPLICAOF 10.0.0.2 6379 on redis-0 (10.0.0.9:6379)}. */
    @Override
    public String toString() {
        return String.join(" ", command()) + " on " + target.displayName();
    }
}
