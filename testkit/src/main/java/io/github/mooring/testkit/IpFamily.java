package io.github.mooring.testkit;

import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * An IP family of a simulated Service and its pods, as in a Service's {@code spec.ipFamilies}: a StatefulSet started
 * with {@code ipFamilies(IPV6)} runs an IPv6 cluster, with {@code ipFamilies(IPV4, IPV6)} a dual-stack one (each pod
 * one address of each family, an EndpointSlice per family, A and AAAA records).
 * <p>
 * IPv4 pods get fresh addresses in 127.0.0.0/8, which every machine routes to loopback. IPv6 has one loopback
 * address, {@code ::1}, and EndpointSlices give all pods of a Service the same port, so IPv6 pods need an address of
 * their own: the kit adds one per pod to the {@code lo} interface ({@code ip -6 addr add <addr>/128 dev lo}, from a
 * unique local prefix, removed again when the namespace closes, when the JVM exits, or by the kit's watchdog when the
 * JVM was killed). That takes root (or
 * {@code CAP_NET_ADMIN}) on Linux; {@link #unavailableReason()} says why it cannot run elsewhere.
 */
public enum IpFamily {
    /** IPv4 pod addresses (127.x.y.z): every machine. */
    IPV4,
    /** IPv6 pod addresses (fd6d:6f6f:…, one added to {@code lo} per pod): Linux, as root. */
    IPV6;

    /** Why pods of this family cannot run on this machine, or empty when they can. */
    public Optional<String> unavailableReason() {
        return this == IPV4 ? Optional.empty() : LoopbackAddresses.ipv6UnavailableReason();
    }

    /**
     * Set to {@code true} (CI on a machine that can; or the environment variable
     * {@code MOORING_TESTKIT_IPV6_REQUIRED=true}) to fail, not skip, tests whose IPv6 pods cannot run.
     */
    public static final String IPV6_REQUIRED_PROPERTY = "mooring.testkit.ipv6.required";

    private static final String IPV6_REQUIRED_ENV = "MOORING_TESTKIT_IPV6_REQUIRED";

    /**
     * Aborts the calling test (JUnit reports it skipped, with the reason) when pods of this family cannot run here,
     * or fails it where {@value #IPV6_REQUIRED_PROPERTY} is set.
     */
    void requireAvailable(String what) {
        Optional<String> reason = unavailableReason();
        if (reason.isEmpty()) {
            return;
        }
        String message = what + " cannot run " + addressType() + " pods: " + reason.get();
        if (Boolean.parseBoolean(System.getProperty(IPV6_REQUIRED_PROPERTY, System.getenv(IPV6_REQUIRED_ENV)))) {
            throw new IllegalStateException(message + " (" + IPV6_REQUIRED_PROPERTY + " is set)");
        }
        Assumptions.abort(message);
    }

    /** Kubernetes' spelling, as in an EndpointSlice's {@code addressType}: {@code IPv4}, {@code IPv6}. */
    public String addressType() {
        return this == IPV4 ? "IPv4" : "IPv6";
    }
}
