package io.github.mooring.discovery;

import io.github.mooring.internal.Require;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A fixed list of {@code host:port} nodes, for use outside Kubernetes and in tests. Hostnames are resolved again
 * on every probe round (through the JVM's resolver and its cache settings), so a node that moves is followed.
 */
public final class StaticSource implements EndpointSource {

    /** The name this source reports. */
    public static final String NAME = "static";

    /** One configured node. */
    private record Node(String host, int port) {}

    private final List<Node> nodes;

    private StaticSource(List<Node> nodes) {
        this.nodes = List.copyOf(nodes);
    }

    /** Nodes as {@code host:port} ({@code [v6]:port} for IPv6 literals); the port defaults to 6379. */
    public static StaticSource of(String... hostAndPorts) {
        return of(List.of(hostAndPorts));
    }

    /** Nodes as {@code host:port}; the port defaults to 6379. */
    public static StaticSource of(List<String> hostAndPorts) {
        Require.notEmpty(hostAndPorts, "static nodes");
        List<Node> nodes = new ArrayList<>();
        for (String value : hostAndPorts) {
            nodes.add(parse(value));
        }
        return new StaticSource(nodes);
    }

    private static Node parse(String value) {
        Require.nonNull(value, "static node");
        String host = value.trim();
        int port = 6379;
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            if (end < 0) {
                throw notHostAndPort(value);
            }
            String rest = host.substring(end + 1);
            host = host.substring(1, end);
            if (rest.startsWith(":")) {
                port = parsePort(rest.substring(1), value);
            }
        } else if (host.indexOf(':') >= 0 && host.indexOf(':') == host.lastIndexOf(':')) {
            port = parsePort(host.substring(host.indexOf(':') + 1), value);
            host = host.substring(0, host.indexOf(':'));
        }
        if (host.isEmpty()) {
            throw notHostAndPort(value);
        }
        return new Node(host, port);
    }

    private static IllegalArgumentException notHostAndPort(String value) {
        return Require.invalid("static node", "host, host:port or [IPv6 address]:port", value);
    }

    private static int parsePort(String port, String value) {
        try {
            int number = Integer.parseInt(port);
            if (number < 1 || number > 65535) {
                throw Require.invalid("static node port", "1..65535", value);
            }
            return number;
        } catch (NumberFormatException e) {
            IllegalArgumentException invalid = Require.invalid("static node port", "a number", value);
            invalid.initCause(e);
            throw invalid;
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public EndpointWatch watch(ServiceRef service, EndpointListener listener) {
        StaticWatch watch = new StaticWatch(listener);
        watch.refresh();
        return watch;
    }

    @Override
    public String toString() {
        return "StaticSource"
                + nodes.stream().map(n -> n.host() + ":" + n.port()).toList();
    }

    private final class StaticWatch implements EndpointWatch {
        private final EndpointListener listener;
        private volatile EndpointSnapshot current;
        private volatile boolean closed;

        StaticWatch(EndpointListener listener) {
            this.listener = listener;
        }

        @Override
        public synchronized void refresh() {
            if (closed) {
                return;
            }
            List<Endpoint> endpoints = new ArrayList<>();
            for (Node node : nodes) {
                try {
                    for (InetAddress address : InetAddress.getAllByName(node.host())) {
                        String pod = address.getHostAddress().equals(node.host()) ? null : node.host();
                        endpoints.add(new Endpoint(address.getHostAddress(), node.port(), pod, true, false));
                    }
                } catch (UnknownHostException e) {
                    listener.onError(new DiscoveryException(
                            DiscoveryException.Reason.NOT_RESOLVABLE,
                            NAME,
                            "static node '" + node.host() + "' does not resolve: " + e.getMessage(),
                            e));
                }
            }
            EndpointSnapshot next = EndpointSnapshot.now(NAME, endpoints);
            if (!next.sameEndpoints(current)) {
                current = next;
                listener.onEndpoints(next);
            }
        }

        @Override
        public Optional<EndpointSnapshot> current() {
            return Optional.ofNullable(current);
        }

        @Override
        public String sourceName() {
            return NAME;
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
