package io.github.mooring.healer;

import io.github.mooring.discovery.Endpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What one pod of the Service answered to {@code CLUSTER NODES}: its own line ({@code myself}, the node ID that answers
 * at that endpoint, what {@code CLUSTER MYID} says) and its table of the other nodes.
 *
 * @param endpoint the pod asked
 * @param lines every line of its reply, its own included
 */
record ClusterView(Endpoint endpoint, List<Line> lines) {

    /**
     * One line of {@code CLUSTER NODES}.
     *
     * @param host the host the table gives, empty while it has none ({@code noaddr})
     * @param port the client port (0 without an address)
     * @param busPort the cluster bus port (0 without an address; {@code port + 10000} when the reply omits it)
     * @param masterId for a replica, its master's node ID; else null
     * @param slots how many slots the line says the node serves
     */
    record Line(String id, String host, int port, int busPort, Set<String> flags, String masterId, int slots) {
        Line {
            flags = Set.copyOf(flags);
        }

        boolean myself() {
            return flags.contains("myself");
        }

        boolean master() {
            return flags.contains("master");
        }

        boolean failed() {
            return flags.contains("fail");
        }

        /** A handshake line (a random ID until the node answers) or one without an address says nothing of where. */
        boolean hasAddress() {
            return !flags.contains("handshake") && !flags.contains("noaddr") && !host.isEmpty() && port > 0;
        }

        String address() {
            return hasAddress() ? Endpoint.address(host, port) : "noaddr";
        }
    }

    ClusterView {
        lines = List.copyOf(lines);
    }

    /** The pod's own line, if its reply had one. */
    Optional<Line> self() {
        return lines.stream().filter(Line::myself).findFirst();
    }

    /** In no cluster: it knows no node but itself ({@code cluster_known_nodes:1}) and serves no slot. */
    boolean empty() {
        return lines.size() == 1 && self().filter(s -> s.slots() == 0).isPresent();
    }

    /** Parses the reply of {@code CLUSTER NODES} from {@code endpoint}. */
    static ClusterView parse(Endpoint endpoint, String reply) {
        List<Line> lines = new ArrayList<>();
        for (String line : reply.split("\r?\n")) {
            if (!line.isBlank()) {
                lines.add(parseLine(line.strip()));
            }
        }
        return new ClusterView(endpoint, lines);
    }

    // <id> <ip:port@cport[,hostname]> <flags> <master> <ping-sent> <pong-recv> <config-epoch> <link-state> <slot>...
    private static Line parseLine(String line) {
        String[] fields = line.split(" ");
        if (fields.length < 8) {
            throw new IllegalArgumentException("not a CLUSTER NODES line: " + line);
        }
        String address = fields[1];
        int comma = address.indexOf(',');
        if (comma >= 0) {
            address = address.substring(0, comma);
        }
        int at = address.indexOf('@');
        String hostPort = at >= 0 ? address.substring(0, at) : address;
        int colon = hostPort.lastIndexOf(':');
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = Integer.parseInt(hostPort.substring(colon + 1));
        int busPort = at >= 0 ? Integer.parseInt(address.substring(at + 1)) : port == 0 ? 0 : port + 10000;
        int slots = 0;
        for (int i = 8; i < fields.length; i++) {
            String range = fields[i];
            if (range.startsWith("[")) {
                continue; // a slot being imported or migrated: not served here yet
            }
            int dash = range.indexOf('-');
            slots += dash < 0
                    ? 1
                    : Integer.parseInt(range.substring(dash + 1)) - Integer.parseInt(range.substring(0, dash)) + 1;
        }
        return new Line(
                fields[0],
                host.isEmpty() ? "" : Endpoint.canonicalHost(host),
                port,
                busPort,
                Set.of(fields[2].split(",")),
                "-".equals(fields[3]) ? null : fields[3],
                slots);
    }
}
