package io.github.mooring.healer;

import io.github.mooring.discovery.Endpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One command the healer sends (or, in report mode, would send) to one pod.
 *
 * @param kind what the command does
 * @param target the pod it goes to
 * @param host the host the command names: for {@link Kind#FOLLOW} the master to follow, for {@link Kind#MEET} the
 *     node to meet; else null
 * @param port the port the command names (as {@code host}); else 0
 * @param busPort for {@link Kind#MEET}, the node's cluster bus port when it is not {@code port + 10000}; else 0
 * @param nodeId for {@link Kind#REPLICATE}, the node ID of the master to replicate; else null
 * @param why the condition it fixes, in words
 */
public record RepairAction(Kind kind, Endpoint target, String host, int port, int busPort, String nodeId, String why) {

    /** The commands the healer uses. */
    public enum Kind {
        /** {@code REPLICAOF NO ONE}: promote. */
        PROMOTE,
        /** {@code REPLICAOF host port}: follow (re-point a stale replica, demote a split-brain loser). */
        FOLLOW,
        /**
         * {@code CLUSTER MEET host port}: the cluster bus of the target greets the node at that address; a node ID it
         * knows at another address is then known at this one (Redis Cluster only).
         */
        MEET,
        /** {@code CLUSTER REPLICATE node-id}: an empty node becomes a replica of that master (Redis Cluster only). */
        REPLICATE
    }

    public RepairAction {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(why, "why");
        boolean namesAddress = kind == Kind.FOLLOW || kind == Kind.MEET;
        if (namesAddress != (host != null) || (kind == Kind.REPLICATE) != (nodeId != null)) {
            throw new IllegalArgumentException("FOLLOW and MEET need a host, REPLICATE a node ID, PROMOTE neither");
        }
    }

    static RepairAction promote(Endpoint target, String why) {
        return new RepairAction(Kind.PROMOTE, target, null, 0, 0, null, why);
    }

    static RepairAction follow(Endpoint target, Endpoint master, String why) {
        return new RepairAction(Kind.FOLLOW, target, master.host(), master.port(), 0, null, why);
    }

    static RepairAction meet(Endpoint target, Endpoint node, int busPort, String why) {
        int bus = busPort == node.port() + 10000 ? 0 : busPort;
        return new RepairAction(Kind.MEET, target, node.host(), node.port(), bus, null, why);
    }

    static RepairAction replicate(Endpoint target, String masterId, String why) {
        return new RepairAction(Kind.REPLICATE, target, null, 0, 0, masterId, why);
    }

    /** The Redis command, as an operator would type it. */
    public List<String> command() {
        return switch (kind) {
            case PROMOTE -> List.of("REPLICAOF", "NO", "ONE");
            case FOLLOW -> List.of("REPLICAOF", host, Integer.toString(port));
            case MEET -> {
                List<String> meet = new ArrayList<>(List.of("CLUSTER", "MEET", host, Integer.toString(port)));
                if (busPort != 0) {
                    meet.add(Integer.toString(busPort));
                }
                yield List.copyOf(meet);
            }
            case REPLICATE -> List.of("CLUSTER", "REPLICATE", nodeId);
        };
    }

    /** {@code REPLICAOF 10.0.0.2 6379 on redis-0 (10.0.0.9:6379)}. */
    @Override
    public String toString() {
        return String.join(" ", command()) + " on " + target.displayName();
    }
}
