package io.github.mooring.discovery;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Which address family Mooring uses for a Service: one family per Service, so that a pod of a dual-stack cluster
 * (an IPv4 and an IPv6 address, EndpointSlices of both address types, A and AAAA records) is one node, not two that
 * look like a split brain. The default, {@link #IPV4_PREFERRED}, takes the Service's only family, and IPv4 where it
 * has both (as Kubernetes lists a dual-stack cluster's families, IPv4 first, unless configured otherwise).
 */
public enum IpFamilyPreference {
    /** The Service's only family; IPv4 where it has both (the default). */
    IPV4_PREFERRED,
    /** The Service's only family; IPv6 where it has both. */
    IPV6_PREFERRED,
    /** IPv4 addresses only: a Service without any has no endpoints for Mooring. */
    IPV4_ONLY,
    /** IPv6 addresses only: a Service without any has no endpoints for Mooring. */
    IPV6_ONLY;

    /** An address family. */
    enum Family {
        IPV4("IPv4"),
        IPV6("IPv6");

        private final String addressType;

        Family(String addressType) {
            this.addressType = addressType;
        }

        /** As an EndpointSlice's {@code addressType} spells it: {@code IPv4}, {@code IPv6}. */
        String addressType() {
            return addressType;
        }

        /** The family of an EndpointSlice's {@code addressType}, empty for {@code FQDN} or anything else. */
        static Optional<Family> ofAddressType(String addressType) {
            for (Family family : values()) {
                if (family.addressType.equals(addressType)) {
                    return Optional.of(family);
                }
            }
            return Optional.empty();
        }

        /** The family of an IP literal, empty for a host name. */
        static Optional<Family> of(String host) {
            String canonical = Endpoint.canonicalHost(host);
            if (canonical.indexOf(':') >= 0) {
                return Optional.of(IPV6);
            }
            return isIpv4Literal(canonical) ? Optional.of(IPV4) : Optional.empty();
        }

        private static boolean isIpv4Literal(String host) {
            String[] parts = host.split("\\.", -1);
            if (parts.length != 4) {
                return false;
            }
            for (String part : parts) {
                if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(Character::isDigit)) {
                    return false;
                }
                if (Integer.parseInt(part) > 255) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * The family to use where the Service has addresses of {@code present} families: the preferred one when present,
     * else the other (for a {@code *_PREFERRED} choice), else none.
     */
    Optional<Family> choose(Set<Family> present) {
        return switch (this) {
            case IPV4_PREFERRED -> firstPresent(present, Family.IPV4, Family.IPV6);
            case IPV6_PREFERRED -> firstPresent(present, Family.IPV6, Family.IPV4);
            case IPV4_ONLY -> firstPresent(present, Family.IPV4);
            case IPV6_ONLY -> firstPresent(present, Family.IPV6);
        };
    }

    /**
     * The endpoints of one family and each pod once: IP addresses of the {@linkplain #choose chosen} family (host
     * names are kept, they have no family), then the first endpoint of each pod name (endpoints without a pod name are
     * kept as they are).
     */
    public List<Endpoint> select(List<Endpoint> endpoints) {
        Set<Family> present = new HashSet<>();
        for (Endpoint endpoint : endpoints) {
            Family.of(endpoint.host()).ifPresent(present::add);
        }
        Optional<Family> chosen = choose(present);
        Set<String> pods = new HashSet<>();
        List<Endpoint> out = new ArrayList<>();
        for (Endpoint endpoint : endpoints) {
            Optional<Family> family = Family.of(endpoint.host());
            if (family.isPresent() && !family.equals(chosen)) {
                continue;
            }
            if (endpoint.podName() == null || pods.add(endpoint.podName())) {
                out.add(endpoint);
            }
        }
        return out;
    }

    /** The snapshot with {@link #select selected} endpoints. */
    public EndpointSnapshot select(EndpointSnapshot snapshot) {
        List<Endpoint> selected = select(snapshot.endpoints());
        return selected.size() == snapshot.endpoints().size()
                ? snapshot
                : new EndpointSnapshot(snapshot.source(), selected, snapshot.observedAt(), snapshot.nanoTime());
    }

    /** {@code ipv4-preferred}: the spelling of the {@code mooring.ip-family} property. */
    public String propertyValue() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private static Optional<Family> firstPresent(Set<Family> present, Family... order) {
        for (Family family : order) {
            if (present.contains(family)) {
                return Optional.of(family);
            }
        }
        return Optional.empty();
    }
}
