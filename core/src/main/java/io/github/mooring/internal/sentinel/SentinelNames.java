package io.github.mooring.internal.sentinel;

import io.github.mooring.discovery.Endpoint;
import io.github.mooring.internal.probe.RoleProber;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Maps the host names Sentinels announce to the pods discovery found, without asking any resolver. With {@code
 * sentinel announce-hostnames yes} (and pods announcing {@code replica-announce-ip <pod FQDN>}), hellos and events name
 * {@code redis-1.redis-headless.<ns>.svc.cluster.local:6379} instead of an IP; the probes, the election and the
 * connections know the pod by its IP. A StatefulSet pod's host name is its pod name, which the kubernetes source reads
 * from each endpoint's {@code targetRef} (or {@code hostname}) and the DNS source, with SRV records, from each target's
 * first label: so the first label of the name finds the pod. A pure function with named rules
 * ({@code SentinelNamesTest}).
 *
 * @param namespace the Redis Service's namespace: a name that says another ({@code <pod>.<service>.<ns>...}) is not
 *        ours; null to check none
 * @param podIps per pod name, the IP discovery last reported for it
 */
public record SentinelNames(String namespace, Map<String, String> podIps) {

    /** No names known: every address stays as written. */
    public static final SentinelNames NONE = new SentinelNames(null, Map.of());

    /** How an address was read. */
    public enum Rule {
        /** An IP address: used as written. */
        IP_ADDRESS,
        /** A name whose first label is a pod discovery reports: that pod's IP, with the port the Sentinel said. */
        POD_NAME,
        /** A name in another namespace than the Service's: not one of our pods, kept as written. */
        OTHER_NAMESPACE,
        /**
         * A name no pod discovery reports carries (not discovered yet, deleted, or a source without pod names: DNS
         * without SRV records): kept as written, so that nothing is followed to it and nothing is looked up.
         */
        UNKNOWN_NAME
    }

    /** What {@link #map} made of an address. */
    public record Mapped(String address, Rule rule) {}

    public SentinelNames {
        podIps = Map.copyOf(podIps);
    }

    /**
     * The names of {@code endpoints} (those with a pod name; a pod listed twice keeps the first address, as the
     * address family rule lists its preferred family first).
     */
    public static SentinelNames of(String namespace, Collection<Endpoint> endpoints) {
        Map<String, String> ips = new LinkedHashMap<>();
        for (Endpoint endpoint : endpoints) {
            if (endpoint.podName() != null) {
                ips.putIfAbsent(endpoint.podName().toLowerCase(Locale.ROOT), endpoint.host());
            }
        }
        return new SentinelNames(namespace, ips);
    }

    /** {@code address} ({@code host:port}, as {@link Endpoint#address(String, int)} writes it) as the pod's IP. */
    public Mapped map(String address) {
        int colon = address.lastIndexOf(':');
        String host = address.substring(0, colon);
        if (host.startsWith("[") || RoleProber.isIpLiteral(host)) {
            return new Mapped(address, Rule.IP_ADDRESS);
        }
        String[] labels = host.split("\\.");
        if (labels.length >= 3 && namespace != null && !labels[2].equals(namespace)) {
            return new Mapped(address, Rule.OTHER_NAMESPACE);
        }
        String ip = podIps.get(labels[0]);
        if (ip == null) {
            return new Mapped(address, Rule.UNKNOWN_NAME);
        }
        return new Mapped(Endpoint.address(ip, Integer.parseInt(address.substring(colon + 1))), Rule.POD_NAME);
    }

    /** The message with every address in it {@linkplain #map mapped}. */
    public SentinelMessage map(SentinelMessage message) {
        Objects.requireNonNull(message, "message");
        if (podIps.isEmpty()) {
            return message;
        }
        if (message instanceof SentinelMessage.Hello hello) {
            return new SentinelMessage.Hello(
                    address(hello.sentinel()),
                    hello.runId(),
                    hello.currentEpoch(),
                    hello.masterName(),
                    address(hello.master()),
                    hello.configEpoch());
        }
        if (message instanceof SentinelMessage.Switch to) {
            return new SentinelMessage.Switch(to.masterName(), address(to.from()), address(to.to()), to.event());
        }
        if (message instanceof SentinelMessage.Failover failover) {
            return new SentinelMessage.Failover(
                    failover.masterName(),
                    address(failover.master()),
                    failover.event(),
                    failover.inProgress(),
                    failover.replica() == null ? null : address(failover.replica()));
        }
        return message;
    }

    private String address(String address) {
        return map(address).address();
    }
}
