package io.github.mooring.discovery;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
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
        if (hostAndPorts.isEmpty()) {
            throw new IllegalArgumentException("the static source needs at least one host:port");
        }
        List<Node> nodes = new ArrayList<>();
        for (String value : hostAndPorts) {
            nodes.add(parse(value));
        }
        return new StaticSource(nodes);
    }

    private static Node parse(String value) {
        Objects.requireNonNull(value, "host:port");
        String host = value.trim();
        int port = 6379;
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            if (end < 0) {
                throw new IllegalArgumentException("not a host:port: '" + value + "'");
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
            throw new IllegalArgumentException("not a host:port: '" + value + "'");
        }
        return new Node(host, port);
    }

    private static int parsePort(String port, String value) {
        try {
            int number = Integer.parseInt(port);
            if (number < 1 || number > 65535) {
                throw new IllegalArgumentException("port must be 1..65535 in '" + value + "'");
            }
            return number;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a port number in '" + value + "'", e);
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
