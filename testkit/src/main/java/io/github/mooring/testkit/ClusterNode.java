package io.github.mooring.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * One line of {@code CLUSTER NODES} as one node sees the cluster: a node ID, the address that node has for it, and
 * what it believes about it. After a pod is replaced, its peers may list its node ID at the old IP for a while (or,
 * when every pod was replaced at once, for good).
 *
 * @param id the node ID (40 hex characters)
 * @param ip the IP this line gives for the node (empty while it has none, the {@code noaddr} case)
 * @param port the node's client port (0 while it has no address)
 * @param flags {@code myself}, {@code master}, {@code slave}, {@code fail?}, {@code fail}, {@code handshake},
 *     {@code noaddr}, {@code nofailover}
 * @param masterId for a replica, the node ID of its master; otherwise empty
 * @param connected whether the cluster bus link to the node is up
 * @param slots the slot ranges the node serves, in this view (importing/migrating marks left out)
 */
public record ClusterNode(
        String id, String ip, int port, Set<String> flags, String masterId, boolean connected, List<SlotRange> slots) {

    /** Slots {@code first..last}, both included. */
    public record SlotRange(int first, int last) {
        public boolean contains(int slot) {
            return slot >= first && slot <= last;
        }
    }

    public ClusterNode {
        flags = Set.copyOf(flags);
        slots = List.copyOf(slots);
    }

    /** Whether this is the line of the node that was asked. */
    public boolean myself() {
        return flags.contains("myself");
    }

    /** Whether the line says master. */
    public boolean master() {
        return flags.contains("master");
    }

    /** Whether the node is flagged as failing ({@code fail} or {@code fail?}). */
    public boolean failing() {
        return flags.contains("fail") || flags.contains("fail?");
    }

    /** Whether the line's slots include {@code slot}. */
    public boolean serves(int slot) {
        return slots.stream().anyMatch(range -> range.contains(slot));
    }

    /** Parses the reply of {@code CLUSTER NODES}. */
    static List<ClusterNode> parse(String reply) {
        List<ClusterNode> nodes = new ArrayList<>();
        for (String line : reply.split("\r?\n")) {
            if (!line.isBlank()) {
                nodes.add(parseLine(line.trim()));
            }
        }
        return nodes;
    }

    private static ClusterNode parseLine(String line) {
        String[] fields = line.split(" ");
        if (fields.length < 8) {
            throw new IllegalArgumentException("not a CLUSTER NODES line: " + line);
        }
        // ip:port@cport[,hostname]
        String address = fields[1];
        int at = address.indexOf('@');
        String hostPort = at >= 0 ? address.substring(0, at) : address;
        int colon = hostPort.lastIndexOf(':');
        String ip = hostPort.substring(0, colon);
        int port = Integer.parseInt(hostPort.substring(colon + 1));
        List<SlotRange> slots = new ArrayList<>();
        for (int i = 8; i < fields.length; i++) {
            String slot = fields[i];
            if (slot.startsWith("[")) {
                continue;
            }
            int dash = slot.indexOf('-');
            slots.add(
                    dash < 0
                            ? new SlotRange(Integer.parseInt(slot), Integer.parseInt(slot))
                            : new SlotRange(
                                    Integer.parseInt(slot.substring(0, dash)),
                                    Integer.parseInt(slot.substring(dash + 1))));
        }
        return new ClusterNode(
                fields[0],
                ip,
                port,
                Set.of(fields[2].split(",")),
                "-".equals(fields[3]) ? "" : fields[3],
                "connected".equals(fields[7]),
                slots);
    }
}
