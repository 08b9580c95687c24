package io.github.mooring.discovery;

import io.github.mooring.internal.Require;

/**
 * One address that discovery reports for the Service: normally a pod IP and the Redis port.
 *
 * @param host        IP address (or host name) to connect to; IPv6 without brackets
 * @param port        TCP port, 1..65535
 * @param podName     the pod behind the address, or {@code null} when the source does not know it
 *                    (for example plain DNS A records)
 * @param ready       whether Kubernetes considers the pod ready
 * @param terminating whether the pod is shutting down
 */
public record Endpoint(String host, int port, String podName, boolean ready, boolean terminating) {

    public Endpoint {
        Require.nonNull(host, "host");
        // Accept "[fd00::1]" as sources write it in URIs; store the bare address.
        if (host.length() > 1 && host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        Require.notBlank(host, "host");
        Require.inRange(port, 1, 65535, "port");
        if (podName != null && podName.isBlank()) {
            podName = null;
        }
    }

    /** A ready, not terminating endpoint with no known pod. */
    public static Endpoint of(String host, int port) {
        return new Endpoint(host, port, null, true, false);
    }

    /** {@code host:port}, with an IPv6 host in brackets ({@code [fd00::1]:6379}). */
    public String address() {
        return address(host, port);
    }

    /** {@code redis-0 (10.1.2.3:6379)}, or just the address when the pod is unknown. */
    public String displayName() {
        return podName == null ? address() : podName + " (" + address() + ")";
    }

    /** Formats any host and port the way {@link #address()} does. */
    public static String address(String host, int port) {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
