package io.github.mooring.boot;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.mooring.MooringOptions;
import io.github.mooring.discovery.AutoSource;
import io.github.mooring.discovery.DnsSource;
import io.github.mooring.discovery.EndpointSource;
import io.github.mooring.discovery.KubernetesSource;
import io.github.mooring.discovery.ServicePort;
import io.github.mooring.discovery.ServiceRef;
import io.github.mooring.discovery.StaticSource;
import io.github.mooring.healer.HealerSettings;
import io.github.mooring.internal.probe.ProbeSettings;
import io.github.mooring.internal.topology.MonitorSettings;
import io.github.mooring.lettuce.FailoverRetry;
import io.github.mooring.lettuce.FailoverSettings;
import io.github.mooring.topology.ElectionPolicy;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.RetryConfig;
import io.lettuce.core.RedisURI;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Turns {@link MooringProperties} into a {@link MooringOptions.Builder}. Every value is checked here, one property at
 * a time, with core's own rules (so the rules live in one place), and a violation becomes an
 * {@link InvalidMooringPropertyException} that names the property and says what to set.
 */
final class OptionsFromProperties {

    private static final String PREFIX = "mooring.";

    private OptionsFromProperties() {}

    /**
     * @param kubernetes the application's own {@link KubernetesClient} bean, or null; asked only for the kubernetes
     *        and auto sources
     */
    static MooringOptions.Builder builder(
            MooringProperties properties, Supplier<@Nullable KubernetesClient> kubernetes) {
        String service = properties.service();
        if (service == null || service.isBlank()) {
            throw new InvalidMooringPropertyException(
                    PREFIX + "service",
                    service,
                    "it must name the Kubernetes Service in front of the Redis pods",
                    "Set mooring.service to the Service's name (kubectl get services), or set mooring.enabled=false.");
        }
        check(
                "service",
                service,
                () -> ServiceRef.of(service, "default"),
                "Set mooring.service to the Service's name as Kubernetes spells it (lowercase letters, digits, '-').");
        String namespace = properties.namespace();
        if (namespace != null) {
            check(
                    "namespace",
                    namespace,
                    () -> ServiceRef.of(service, namespace),
                    "Set mooring.namespace to the Service's namespace as Kubernetes spells it, or remove it to use"
                            + " the namespace the application runs in.");
        }
        ServicePort port = check(
                "port",
                properties.port(),
                () -> ServicePort.parse(properties.port()),
                "Set mooring.port to the name of the Service port that carries Redis (as in the Service's"
                        + " ports[].name, e.g. redis) or to its number (e.g. 6379).");

        MooringOptions.Builder builder = MooringOptions.builder()
                .service(service)
                .port(port)
                .source(source(properties, port, kubernetes))
                .failoverWait(failoverWait(properties.failoverWait()))
                .maxQueuedCommands(maxQueuedCommands(properties.maxQueuedCommands()))
                .probeInterval(probeInterval(properties.probe().interval()))
                .probeTimeout(probeTimeout(properties.probe().timeout()))
                .probeConnectTimeout(probeConnectTimeout(properties.probe().connectTimeout()))
                .staleReplicaAfter(staleReplicaAfter(properties.staleReplicaAfter()))
                .retry(retry(properties.retry()))
                .idempotentCommands(idempotentCommands(properties.idempotentCommands()))
                .healer(healer(properties.healer()));
        if (namespace != null) {
            builder.namespace(namespace);
        }
        Duration startupWait = properties.startupWait();
        if (startupWait != null) {
            if (startupWait.isNegative()) {
                throw new InvalidMooringPropertyException(
                        PREFIX + "startup-wait",
                        startupWait,
                        "a wait cannot be negative",
                        "Set mooring.startup-wait to how long the application's start may wait for a master, e.g."
                                + " 30s, or remove it to use the failover wait.");
            }
            builder.startupWait(startupWait);
        }
        return builder;
    }

    private static HealerSettings healer(MooringProperties.Healer healer) {
        HealerSettings.Builder builder = HealerSettings.builder()
                .mode(io.github.mooring.healer.HealerMode.valueOf(healer.mode().name()));
        check(
                "healer.stable-for",
                healer.stableFor(),
                () -> builder.stableFor(healer.stableFor()),
                "Set mooring.healer.stable-for to how long a condition must persist before it is repaired, e.g. 500ms.");
        check(
                "healer.min-action-interval",
                healer.minActionInterval(),
                () -> builder.minActionInterval(healer.minActionInterval()),
                "Set mooring.healer.min-action-interval to the least time between two repairs, e.g. 1s.");
        check(
                "healer.lease-duration",
                healer.leaseDuration(),
                () -> builder.lease(healer.leaseDuration(), healer.leaseRenewDeadline(), healer.leaseRetryPeriod())
                        .build(),
                "Set mooring.healer.lease-duration > lease-renew-deadline > lease-retry-period, e.g. 15s, 10s, 2s.");
        return builder.build();
    }

    // ---------------------------------------------------------------- discovery

    private static EndpointSource source(
            MooringProperties properties, ServicePort port, Supplier<@Nullable KubernetesClient> kubernetes) {
        MooringProperties.Source source = properties.effectiveSource();
        if (source != MooringProperties.Source.STATIC
                && !properties.staticNodes().isEmpty()) {
            throw new InvalidMooringPropertyException(
                    PREFIX + "static-nodes",
                    String.join(",", properties.staticNodes()),
                    "static nodes are only used by the static source, but mooring.source is "
                            + source.name().toLowerCase(java.util.Locale.ROOT),
                    "Remove mooring.static-nodes to discover the Service's pods, or set mooring.source=static to use"
                            + " the listed nodes.");
        }
        return switch (source) {
            case STATIC -> staticSource(properties.staticNodes());
            case DNS -> dnsSource(properties.dns(), port);
            case KUBERNETES -> kubernetesSource(kubernetes.get());
            case AUTO -> AutoSource.of(kubernetesSource(kubernetes.get()), dnsSource(properties.dns(), port));
        };
    }

    private static EndpointSource staticSource(List<String> nodes) {
        if (nodes.isEmpty()) {
            throw new InvalidMooringPropertyException(
                    PREFIX + "static-nodes",
                    null,
                    "the static source needs at least one node",
                    "Set mooring.static-nodes to the Redis nodes as host:port (e.g. 10.0.0.5:6379,10.0.0.6:6379), or"
                            + " choose another mooring.source.");
        }
        return check(
                "static-nodes",
                String.join(",", nodes),
                () -> StaticSource.of(nodes),
                "List every node of mooring.static-nodes as host:port, e.g. redis-0.example:6379 or [fd00::5]:6379.");
    }

    private static KubernetesSource kubernetesSource(@Nullable KubernetesClient client) {
        KubernetesSource.Builder builder = KubernetesSource.builder();
        if (client != null) {
            builder.client(client);
        }
        return builder.build();
    }

    private static DnsSource dnsSource(MooringProperties.Dns dns, ServicePort port) {
        DnsSource.Builder builder = DnsSource.builder();
        if (!dns.nameServers().isEmpty()) {
            List<InetSocketAddress> servers = new ArrayList<>();
            for (String server : dns.nameServers()) {
                servers.add(check(
                        "dns.name-servers",
                        server,
                        () -> nameServer(server),
                        "List DNS servers as host or host:port (port 53 when omitted), e.g. 10.96.0.10, or remove"
                                + " mooring.dns.name-servers to use those in /etc/resolv.conf."));
            }
            builder.nameServers(servers.toArray(InetSocketAddress[]::new));
        }
        check(
                "dns.interval",
                dns.interval(),
                () -> builder.interval(dns.interval()),
                "Set mooring.dns.interval to a duration of at least 10ms, e.g. 1s.");
        check(
                "dns.query-timeout",
                dns.queryTimeout(),
                () -> builder.queryTimeout(dns.queryTimeout()),
                "Set mooring.dns.query-timeout to a positive duration, e.g. 2s.");
        check(
                "dns.cluster-domain",
                dns.clusterDomain(),
                () -> builder.clusterDomain(dns.clusterDomain()),
                "Set mooring.dns.cluster-domain to the cluster's DNS domain, e.g. cluster.local.");
        if (dns.srv() && port.name() == null) {
            throw new InvalidMooringPropertyException(
                    PREFIX + "dns.srv",
                    true,
                    "SRV records name ports by name, but mooring.port is the number " + port.number(),
                    "Set mooring.port to the Service port's name (e.g. redis), or set mooring.dns.srv=false.");
        }
        return builder.srv(dns.srv()).build();
    }

    private static InetSocketAddress nameServer(String value) {
        String host = value.trim();
        int port = 53;
        int colon = host.lastIndexOf(':');
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            if (end < 0) {
                throw new IllegalArgumentException("not a host[:port]: '" + value + "'");
            }
            if (end + 1 < host.length()) {
                port = port(host.substring(end + 2), value);
            }
            host = host.substring(1, end);
        } else if (colon >= 0 && colon == host.indexOf(':')) {
            port = port(host.substring(colon + 1), value);
            host = host.substring(0, colon);
        }
        if (host.isBlank()) {
            throw new IllegalArgumentException("no host in '" + value + "'");
        }
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("'" + host + "' does not resolve");
        }
        return address;
    }

    private static int port(String text, String value) {
        try {
            int port = Integer.parseInt(text);
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port must be 1..65535 in '" + value + "'");
            }
            return port;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a port number in '" + value + "'");
        }
    }

    // ---------------------------------------------------------------- durations and counts

    private static Duration failoverWait(Duration wait) {
        check(
                "failover-wait",
                wait,
                () -> new FailoverSettings(wait, FailoverSettings.DEFAULT_MAX_QUEUED_COMMANDS, null, Set.of(), 2),
                "Set mooring.failover-wait to zero or a positive duration, e.g. 30s.");
        return wait;
    }

    private static int maxQueuedCommands(int max) {
        check(
                "max-queued-commands",
                max,
                () -> new FailoverSettings(FailoverSettings.DEFAULT_FAILOVER_WAIT, max, null, Set.of(), 2),
                "Set mooring.max-queued-commands to at least 1, e.g. 100000.");
        return max;
    }

    private static Duration probeInterval(Duration interval) {
        check(
                "probe.interval",
                interval,
                () -> new MonitorSettings(interval, ElectionPolicy.defaults()),
                "Set mooring.probe.interval to a duration of at least 10ms, e.g. 1s.");
        return interval;
    }

    private static Duration probeTimeout(Duration timeout) {
        RedisURI any = RedisURI.create("redis://localhost");
        check(
                "probe.timeout",
                timeout,
                () -> new ProbeSettings(any, ProbeSettings.DEFAULT_CONNECT_TIMEOUT, timeout),
                "Set mooring.probe.timeout to a positive duration, e.g. 1s.");
        return timeout;
    }

    private static Duration probeConnectTimeout(Duration timeout) {
        RedisURI any = RedisURI.create("redis://localhost");
        check(
                "probe.connect-timeout",
                timeout,
                () -> new ProbeSettings(any, timeout, ProbeSettings.DEFAULT_TIMEOUT),
                "Set mooring.probe.connect-timeout to a positive duration, e.g. 500ms.");
        return timeout;
    }

    private static Duration staleReplicaAfter(Duration after) {
        check(
                "stale-replica-after",
                after,
                () -> new ElectionPolicy(after),
                "Set mooring.stale-replica-after to zero or a positive duration, e.g. 10s.");
        return after;
    }

    private static @Nullable RetryConfig retry(MooringProperties.Retry retry) {
        if (!retry.enabled()) {
            return null;
        }
        if (retry.maxAttempts() < 1) {
            throw new InvalidMooringPropertyException(
                    PREFIX + "retry.max-attempts",
                    retry.maxAttempts(),
                    "a command is attempted at least once",
                    "Set mooring.retry.max-attempts to at least 1 (1 means no retry), e.g. 12; or set"
                            + " mooring.retry.enabled=false.");
        }
        if (retry.initialBackoff() == null || retry.initialBackoff().toMillis() < 1) {
            throw new InvalidMooringPropertyException(
                    PREFIX + "retry.initial-backoff",
                    retry.initialBackoff(),
                    "the backoff must be at least 1ms",
                    "Set mooring.retry.initial-backoff to at least 1ms, e.g. 20ms.");
        }
        if (retry.maxBackoff() == null || retry.maxBackoff().compareTo(retry.initialBackoff()) < 0) {
            throw new InvalidMooringPropertyException(
                    PREFIX + "retry.max-backoff",
                    retry.maxBackoff(),
                    "it is shorter than mooring.retry.initial-backoff (" + retry.initialBackoff() + ")",
                    "Set mooring.retry.max-backoff to at least mooring.retry.initial-backoff, e.g. 1s.");
        }
        IntervalFunction backoff = check(
                "retry.initial-backoff",
                retry.initialBackoff(),
                () -> IntervalFunction.ofExponentialBackoff(retry.initialBackoff(), 2.0, retry.maxBackoff()),
                "Set mooring.retry.initial-backoff to at least 1ms and mooring.retry.max-backoff above it.");
        // Core's policy (what is retried, and that exhausted retries surface the last rejection), with these numbers.
        return RetryConfig.from(FailoverRetry.defaultConfig())
                .maxAttempts(retry.maxAttempts())
                .intervalFunction(backoff)
                .build();
    }

    private static String[] idempotentCommands(Set<String> commands) {
        for (String command : commands) {
            if (command == null || !command.matches("[A-Za-z][A-Za-z0-9_.|-]*")) {
                throw new InvalidMooringPropertyException(
                        PREFIX + "idempotent-commands",
                        command,
                        "not a Redis command name",
                        "List command names only in mooring.idempotent-commands, e.g. SET,HSET,DEL,EXPIRE (no arguments).");
            }
        }
        return commands.toArray(String[]::new);
    }

    // ---------------------------------------------------------------- helpers

    private static <T> T check(String property, @Nullable Object value, Supplier<T> validation, String action) {
        try {
            return validation.get();
        } catch (IllegalArgumentException e) {
            throw new InvalidMooringPropertyException(PREFIX + property, value, e.getMessage(), action);
        }
    }
}
