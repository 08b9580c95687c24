package io.github.mooring.discovery;

import io.github.mooring.internal.Require;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Discovers a headless Service's pods through cluster DNS, for applications whose service account may not read the
 * Kubernetes API. It queries the Service's name ({@code <service>.<namespace>.svc.cluster.local}: the IPs of its ready
 * pods) with a real DNS client on its own schedule, bypassing every cache, so a record change is seen within one
 * {@linkplain Builder#interval(Duration) interval} whatever TTL the DNS server hands out. With
 * {@linkplain Builder#srv(boolean) SRV} it also learns the port by name and each pod's name.
 * <p>
 * Nameservers, search domains and {@code ndots} come from {@code /etc/resolv.conf} unless set here.
 * The Service must be headless ({@code clusterIP: None}): a ClusterIP Service's single virtual IP hides which pod
 * is behind it.
 */
public final class DnsSource implements EndpointSource {

    /** The name this source reports. */
    public static final String NAME = "dns";

    private final List<InetSocketAddress> nameServers;
    private final List<String> searchDomains;
    private final int ndots;
    private final String clusterDomain;
    private final String hostname;
    private final boolean srv;
    private final int defaultPort;
    private final Duration interval;
    private final Duration queryTimeout;

    private DnsSource(Builder builder) {
        this.nameServers = List.copyOf(builder.nameServers);
        this.searchDomains = builder.searchDomains == null ? null : List.copyOf(builder.searchDomains);
        this.ndots = builder.ndots;
        this.clusterDomain = builder.clusterDomain;
        this.hostname = builder.hostname;
        this.srv = builder.srv;
        this.defaultPort = builder.defaultPort;
        this.interval = builder.interval;
        this.queryTimeout = builder.queryTimeout;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public EndpointWatch watch(ServiceRef service, EndpointListener listener) {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(listener, "listener");
        if (srv && service.port().name() == null) {
            throw new IllegalArgumentException(
                    "the dns source's SRV lookup needs the port by name, not " + service.port());
        }
        return DnsWatch.start(this, service, listener);
    }

    /** The name whose A/AAAA records list the pods. */
    String hostnameFor(ServiceRef service) {
        return hostname != null ? hostname : service.name() + "." + service.namespace() + ".svc." + clusterDomain + ".";
    }

    /** {@code _<port>._tcp.<hostname>}. */
    String srvNameFor(ServiceRef service) {
        return "_" + service.port().name() + "._tcp." + hostnameFor(service);
    }

    int portFor(ServiceRef service) {
        return service.port().name() == null ? service.port().number() : defaultPort;
    }

    List<InetSocketAddress> nameServers() {
        return nameServers;
    }

    List<String> searchDomains() {
        return searchDomains;
    }

    int ndots() {
        return ndots;
    }

    boolean srv() {
        return srv;
    }

    Duration interval() {
        return interval;
    }

    Duration queryTimeout() {
        return queryTimeout;
    }

    @Override
    public String toString() {
        return "DnsSource[" + (nameServers.isEmpty() ? "resolv.conf" : nameServers) + ", every " + interval
                + (srv ? ", SRV" : "") + "]";
    }

    /** Settings of a {@link DnsSource}. */
    public static final class Builder {
        private final List<InetSocketAddress> nameServers = new ArrayList<>();
        private List<String> searchDomains;
        private int ndots = -1;
        private String clusterDomain = "cluster.local";
        private String hostname;
        private boolean srv;
        private int defaultPort = 6379;
        private Duration interval = Duration.ofSeconds(1);
        private Duration queryTimeout = Duration.ofSeconds(2);

        private Builder() {}

        /** Nameservers to ask instead of those in {@code /etc/resolv.conf}. */
        public Builder nameServers(InetSocketAddress... servers) {
            nameServers.clear();
            for (InetSocketAddress server : servers) {
                nameServers.add(Require.nonNull(server, "name server"));
            }
            return this;
        }

        /** Search domains instead of those in {@code /etc/resolv.conf} (they apply to a {@link #hostname} without a trailing dot). */
        public Builder searchDomains(List<String> domains) {
            this.searchDomains = List.copyOf(domains);
            return this;
        }

        /** {@code ndots} instead of the one in {@code /etc/resolv.conf}. */
        public Builder ndots(int ndots) {
            this.ndots = Require.zeroOrPositive(ndots, "ndots");
            return this;
        }

        /** The cluster's DNS domain (default {@code cluster.local}). */
        public Builder clusterDomain(String domain) {
            if (Require.notBlank(domain, "clusterDomain").startsWith(".")) {
                throw Require.invalid("clusterDomain", "a DNS domain such as cluster.local", domain);
            }
            this.clusterDomain = domain.endsWith(".") ? domain.substring(0, domain.length() - 1) : domain;
            return this;
        }

        /** The name to resolve, instead of {@code <service>.<namespace>.svc.<cluster domain>.}. */
        public Builder hostname(String hostname) {
            this.hostname = Require.notBlank(hostname, "hostname");
            return this;
        }

        /** Look up {@code _<port name>._tcp.<hostname>} SRV records for ports and pod names (default false). */
        public Builder srv(boolean srv) {
            this.srv = srv;
            return this;
        }

        /** The port used when the Service port is chosen by name and SRV is off (default 6379). */
        public Builder defaultPort(int port) {
            this.defaultPort = Require.inRange(port, 1, 65535, "defaultPort");
            return this;
        }

        /** How often to query (default 1 s); a probe round's {@code refresh()} also queries at once. */
        public Builder interval(Duration interval) {
            this.interval = Require.atLeastMillis(interval, 10, "interval");
            return this;
        }

        /** How long one query may take (default 2 s). */
        public Builder queryTimeout(Duration timeout) {
            this.queryTimeout = Require.atLeastMillis(timeout, 1, "queryTimeout");
            return this;
        }

        public DnsSource build() {
            return new DnsSource(this);
        }
    }
}
