package io.github.mooring.discovery;

import io.github.mooring.internal.Require;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * One address that discovery reports for the Service: normally a pod IP and the Redis port.
 *
 * @param host        IP address (or host name) to connect to, in {@linkplain #canonicalHost canonical form}: IPv6
 *                    compressed, lower case, without brackets
 * @param port        TCP port, 1..65535
 * @param podName     the pod behind the address, or {@code null} when the source does not know it
 *                    (for example plain DNS A records)
 * @param ready       whether Kubernetes considers the pod ready
 * @param terminating whether the pod is shutting down
 */
public record Endpoint(String host, int port, String podName, boolean ready, boolean terminating) {

    public Endpoint {
        Require.nonNull(host, "host");
        // One form for every source, probe and connection, so that addresses compare as strings (see canonicalHost).
        host = canonicalHost(host);
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
        return hostPort(host, port); // host is canonical already
    }

    /** {@code redis-0 (10.1.2.3:6379)}, or just the address when the pod is unknown. */
    public String displayName() {
        return podName == null ? address() : podName + " (" + address() + ")";
    }

    /** Formats any host and port the way {@link #address()} does: the host in canonical form. */
    public static String address(String host, int port) {
        return hostPort(canonicalHost(host), port);
    }

    private static String hostPort(String canonicalHost, int port) {
        return (canonicalHost.indexOf(':') >= 0 ? "[" + canonicalHost + "]" : canonicalHost) + ":" + port;
    }

    /**
     * The address a socket is connected to, formatted as {@link #address()} formats an endpoint's, so that the two
     * compare equal ({@code [fd00::1]:6379}, never Java's {@code fd00:0:0:0:0:0:0:1:6379}).
     */
    public static String address(InetSocketAddress socket) {
        InetAddress ip = socket.getAddress();
        return address(ip != null ? ip.getHostAddress() : socket.getHostString(), socket.getPort());
    }

    /**
     * The one form in which Mooring writes and compares a host, whatever wrote it (an EndpointSlice, a DNS answer,
     * {@code INFO}'s {@code master_host}, a Sentinel, a socket): an IPv6 literal compressed as RFC 5952 prints it
     * ({@code fd00::1}, not {@code fd00:0:0:0:0:0:0:1} nor {@code FD00::1}), without brackets, a zone kept as
     * written; an IPv4-mapped IPv6 address as its IPv4 address; a host name in lower case. Never looks anything up.
     */
    public static String canonicalHost(String host) {
        String bare = host.length() > 1 && host.startsWith("[") && host.endsWith("]")
                ? host.substring(1, host.length() - 1)
                : host;
        bare = bare.strip().toLowerCase(Locale.ROOT);
        int zone = bare.indexOf('%');
        String literal = zone >= 0 ? bare.substring(0, zone) : bare;
        if (!looksLikeIpv6(literal)) {
            return bare;
        }
        try {
            // A string holding ':' that starts with a hex digit or ':' is parsed as an IPv6 literal, never looked up
            // (a zone is cut off above: InetAddress would consult the network interfaces for it).
            InetAddress ip = InetAddress.getByName(literal);
            String canonical = ip instanceof Inet6Address ? compressed(ip.getAddress()) : ip.getHostAddress();
            return zone >= 0 ? canonical + bare.substring(zone) : canonical;
        } catch (UnknownHostException | SecurityException notAnAddress) {
            return bare;
        }
    }

    private static boolean looksLikeIpv6(String host) {
        return host.indexOf(':') >= 0 && (host.charAt(0) == ':' || Character.digit(host.charAt(0), 16) >= 0);
    }

    /** RFC 5952: hex groups without leading zeros, the longest run of two or more zero groups (the first) as "::". */
    private static String compressed(byte[] bytes) {
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((bytes[2 * i] & 0xff) << 8) | (bytes[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        StringBuilder out = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append("::");
                i += bestLength - 1;
                continue;
            }
            if (out.length() > 0 && out.charAt(out.length() - 1) != ':') {
                out.append(':');
            }
            out.append(Integer.toHexString(groups[i]));
        }
        return out.toString();
    }
}
