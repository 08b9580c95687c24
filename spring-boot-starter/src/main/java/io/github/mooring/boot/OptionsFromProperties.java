package io.github.mooring.boot;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.mooring.MooringOptions;
import io.github.mooring.discovery.AutoSource;
import io.github.mooring.discovery.DnsSource;
import io.github.mooring.discovery.EndpointSource;
import io.github.mooring.discovery.KubernetesSource;
import io.github.mooring.discovery.ServicePort;
import io.github.mooring.discovery.StaticSource;
import io.github.mooring.healer.DataAtRiskPolicy;
import io.github.mooring.healer.HealerMode;
import io.github.mooring.healer.HealerSettings;
import io.github.mooring.lettuce.FailoverRetry;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.RetryConfig;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Turns {@link MooringProperties} into a {@link MooringOptions.Builder}. Each property is handed to the public
 * builder method that takes it ({@code mooring.probe.interval} to {@link MooringOptions.Builder#probeInterval}), which
 * checks it with core's own rules, so the rules live in one place; a refusal becomes an
 * {@link InvalidMooringPropertyException} that names the property and says what to set. Core names the builder
 * method ({@code probeInterval must be at least 10 ms, was PT0.005S}); the reason names the property instead
 * ({@code mooring.probe.interval must be at least 10 ms, was PT0.005S}), in the same wording. The few rules that only
 * properties have (a static source needs nodes, SRV needs a port name, retry numbers) use that wording too.
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
        MooringOptions.Builder builder = MooringOptions.builder();
        String service = properties.service();
        if (service == null || service.isBlank()) {
            throw invalid(
                    "service",
                    service,
                    "must be set: the name of the Kubernetes Service in front of the Redis" + " pods",
                    "Set mooring.service to the Service's name (kubectl get services), or set mooring.enabled=false.");
        }
        check(
                "service",
                service,
                "service",
                () -> builder.service(service),
                "Set mooring.service to the Service's name as Kubernetes spells it (lowercase letters, digits, '-').");
        String namespace = properties.namespace();
        if (namespace != null) {
            check(
                    "namespace",
                    namespace,
                    "namespace",
                    () -> builder.namespace(namespace),
                    "Set mooring.namespace to the Service's namespace as Kubernetes spells it, or remove it to use"
                            + " the namespace the application runs in.");
        }
        ServicePort port = check(
                "port",
                properties.port(),
                "port",
                () -> ServicePort.parse(properties.port()),
                "Set mooring.port to the name of the Service port that carries Redis (as in the Service's"
                        + " ports[].name, e.g. redis) or to its number (e.g. 6379).");
        builder.port(port).ipFamily(properties.ipFamily()).source(source(properties, port, kubernetes));
        Duration failoverWait = properties.failoverWait();
        check(
                "failover-wait",
                failoverWait,
                "failoverWait",
                () -> builder.failoverWait(failoverWait),
                "Set mooring.failover-wait to zero or a positive duration, e.g. 30s.");
        Duration startupWait = properties.startupWait();
        check(
                "startup-wait",
                startupWait,
                "startupWait",
                () -> builder.startupWait(startupWait),
                "Set mooring.startup-wait to how long the application's start may wait for a master, e.g. 30s, or"
                        + " remove it to use the failover wait.");
        Duration masterStallTimeout = properties.masterStallTimeout();
        check(
                "master-stall-timeout",
                masterStallTimeout,
                "masterStallTimeout",
                () -> builder.masterStallTimeout(masterStallTimeout),
                "Set mooring.master-stall-timeout to how long connections may wait for a master that stopped answering"
                        + " before they are cut, e.g. 30s, or remove it to use the failover wait.");
        int maxQueued = properties.maxQueuedCommands();
        check(
                "max-queued-commands",
                maxQueued,
                "maxQueuedCommands",
                () -> builder.maxQueuedCommands(maxQueued),
                "Set mooring.max-queued-commands to at least 1, e.g. 100000.");
        MooringProperties.Probe probe = properties.probe();
        check(
                "probe.interval",
                probe.interval(),
                "probeInterval",
                () -> builder.probeInterval(probe.interval()),
                "Set mooring.probe.interval to a duration of at least 10ms, e.g. 1s.");
        Duration calmInterval = probe.calmInterval();
        if (calmInterval != null) {
            if (probe.interval() != null && calmInterval.compareTo(probe.interval()) < 0) {
                throw invalid(
                        "probe.calm-interval",
                        calmInterval,
                        "must be at least mooring.probe.interval (" + probe.interval() + "), was " + calmInterval,
                        "Set mooring.probe.calm-interval to at least mooring.probe.interval, e.g. 30s.");
            }
            check(
                    "probe.calm-interval",
                    calmInterval,
                    "calmProbeInterval",
                    () -> builder.calmProbeInterval(calmInterval),
                    "Set mooring.probe.calm-interval to at least mooring.probe.interval, e.g. 30s.");
        }
        check(
                "probe.calm-after",
                probe.calmAfter(),
                "calmAfter",
                () -> builder.calmAfter(probe.calmAfter()),
                "Set mooring.probe.calm-after to zero or a positive duration, e.g. 10s.");
        check(
                "probe.timeout",
                probe.timeout(),
                "probeTimeout",
                () -> builder.probeTimeout(probe.timeout()),
                "Set mooring.probe.timeout to a positive duration, e.g. 1s.");
        check(
                "probe.connect-timeout",
                probe.connectTimeout(),
                "probeConnectTimeout",
                () -> builder.probeConnectTimeout(probe.connectTimeout()),
                "Set mooring.probe.connect-timeout to a positive duration, e.g. 500ms.");
        Duration staleAfter = properties.staleReplicaAfter();
        check(
                "stale-replica-after",
                staleAfter,
                "staleReplicaAfter",
                () -> builder.staleReplicaAfter(staleAfter),
                "Set mooring.stale-replica-after to zero or a positive duration, e.g. 10s.");
        sentinel(properties.sentinel(), builder);
        sentinelService(properties, builder);
        return builder.retry(retry(properties.retry()))
                .idempotentCommands(idempotentCommands(properties.idempotentCommands()))
                .healer(healer(properties.healer()));
    }

    private static HealerSettings healer(MooringProperties.Healer healer) {
        HealerSettings.Builder builder =
                HealerSettings.builder().mode(HealerMode.valueOf(healer.mode().name()));
        if (healer.withoutLease()) {
            builder.repairWithoutLease();
        }
        check(
                "healer.stable-for",
                healer.stableFor(),
                "stableFor",
                () -> builder.stableFor(healer.stableFor()),
                "Set mooring.healer.stable-for to how long a condition must persist before it is repaired, e.g. 500ms.");
        check(
                "healer.min-action-interval",
                healer.minActionInterval(),
                "minActionInterval",
                () -> builder.minActionInterval(healer.minActionInterval()),
                "Set mooring.healer.min-action-interval to the least time between two repairs, e.g. 1s.");
        check(
                "healer.data-at-risk-wait",
                healer.dataAtRiskWait(),
                "dataAtRiskWait",
                () -> builder.onDataAtRisk(
                        DataAtRiskPolicy.valueOf(healer.onDataAtRisk().name()), healer.dataAtRiskWait()),
                "Set mooring.healer.data-at-risk-wait to how long writes may wait for a repair of data at risk, e.g."
                        + " 20s.");
        String leaseAction = "Set mooring.healer.lease-duration > mooring.healer.lease-renew-deadline >"
                + " mooring.healer.lease-retry-period, e.g. 15s, 10s, 2s.";
        // The renew deadline and the retry period alone (with zeros beside them), so that a refusal names its own
        // property; then the duration, and the order of the three.
        check(
                "healer.lease-renew-deadline",
                healer.leaseRenewDeadline(),
                "renewDeadline",
                () -> HealerSettings.builder().lease(Duration.ZERO, healer.leaseRenewDeadline(), Duration.ZERO),
                leaseAction);
        check(
                "healer.lease-retry-period",
                healer.leaseRetryPeriod(),
                "retryPeriod",
                () -> HealerSettings.builder().lease(Duration.ZERO, Duration.ZERO, healer.leaseRetryPeriod()),
                leaseAction);
        return check(
                "healer.lease-duration",
                healer.leaseDuration(),
                "leaseDuration",
                "lease",
                () -> builder.lease(healer.leaseDuration(), healer.leaseRenewDeadline(), healer.leaseRetryPeriod())
                        .build(),
                leaseAction);
    }

    private static void sentinel(MooringProperties.Sentinel sentinel, MooringOptions.Builder builder) {
        check(
                "sentinel.failover-hold",
                sentinel.failoverHold(),
                "sentinelFailoverHold",
                () -> builder.sentinelFailoverHold(sentinel.failoverHold()),
                "Set mooring.sentinel.failover-hold to how long writes may wait for Sentinel's failover, e.g. 5s, or"
                        + " 0s never to hold them.");
        String username = sentinel.username();
        String password = sentinel.password();
        // Empty counts as none, as in spring.data.redis.password (a ${SENTINEL_PASSWORD:} left unset).
        if (password == null || password.isEmpty()) {
            if (username != null) {
                throw invalid(
                        "sentinel.username",
                        username,
                        "needs mooring.sentinel.password: a Sentinel user authenticates with its password",
                        "Set mooring.sentinel.password to the password of the Sentinels' user " + username
                                + ", or remove mooring.sentinel.username.");
            }
            return;
        }
        // The value shown is the user name's, never the password's.
        check(
                "sentinel.username",
                username,
                "sentinelCredentials username",
                () -> builder.sentinelCredentials(username, password),
                "Set mooring.sentinel.username to the Sentinels' ACL user, or remove it to authenticate with"
                        + " mooring.sentinel.password alone (Sentinel's requirepass).");
    }

    private static void sentinelService(MooringProperties properties, MooringOptions.Builder builder) {
        MooringProperties.Sentinel sentinel = properties.sentinel();
        String service = sentinel.service();
        if (service == null || service.isEmpty()) {
            return;
        }
        if (properties.effectiveSource() == MooringProperties.Source.STATIC) {
            throw invalid(
                    "sentinel.service",
                    service,
                    "needs a source that discovers Services: mooring.source=static lists the Redis nodes only",
                    "Set mooring.source to kubernetes, dns or auto, or remove mooring.sentinel.service to find the"
                            + " Sentinels through the pods' hello channel.");
        }
        check(
                "sentinel.service",
                service,
                "sentinelService",
                () -> builder.sentinelService(service), // the name first: a bad port is named by its own property
                "Set mooring.sentinel.service to the name of the Sentinels' Service as Kubernetes spells it"
                        + " (lowercase letters, digits, '-').");
        check(
                "sentinel.service-port",
                sentinel.servicePort(),
                "sentinelService port",
                () -> builder.sentinelService(service, sentinel.servicePort()),
                "Set mooring.sentinel.service-port to the name of the Sentinels' Service port (e.g. sentinel) or"
                        + " its number (e.g. 26379).");
    }

    // ---------------------------------------------------------------- discovery

    private static EndpointSource source(
            MooringProperties properties, ServicePort port, Supplier<@Nullable KubernetesClient> kubernetes) {
        MooringProperties.Source source = properties.effectiveSource();
        if (source != MooringProperties.Source.STATIC
                && !properties.staticNodes().isEmpty()) {
            String name = source.name().toLowerCase(Locale.ROOT);
            throw invalid(
                    "static-nodes",
                    String.join(",", properties.staticNodes()),
                    "and mooring.source=" + name + " must not both be set: static nodes are only used by the static"
                            + " source",
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
        return check(
                "static-nodes",
                nodes.isEmpty() ? null : String.join(",", nodes),
                "static nodes",
                () -> StaticSource.of(nodes),
                "List the Redis nodes in mooring.static-nodes as host:port, e.g. 10.0.0.5:6379,[fd00::5]:6379, or"
                        + " choose another mooring.source.");
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
                        "name server",
                        () -> nameServer(server),
                        "List DNS servers as host or host:port (port 53 when omitted), e.g. 10.96.0.10, or remove"
                                + " mooring.dns.name-servers to use those in /etc/resolv.conf."));
            }
            builder.nameServers(servers.toArray(InetSocketAddress[]::new));
        }
        check(
                "dns.interval",
                dns.interval(),
                "interval",
                () -> builder.interval(dns.interval()),
                "Set mooring.dns.interval to a duration of at least 10ms, e.g. 1s.");
        check(
                "dns.query-timeout",
                dns.queryTimeout(),
                "queryTimeout",
                () -> builder.queryTimeout(dns.queryTimeout()),
                "Set mooring.dns.query-timeout to a duration of at least 1ms, e.g. 2s.");
        check(
                "dns.cluster-domain",
                dns.clusterDomain(),
                "clusterDomain",
                () -> builder.clusterDomain(dns.clusterDomain()),
                "Set mooring.dns.cluster-domain to the cluster's DNS domain, e.g. cluster.local.");
        if (dns.srv() && port.name() == null) {
            throw invalid(
                    "dns.srv",
                    true,
                    "and mooring.port=" + port.number() + " must not both be set: SRV"
                            + " records name ports by name, not by number",
                    "Set mooring.port to the Service port's name (e.g. redis), or set mooring.dns.srv=false.");
        }
        return builder.srv(dns.srv()).build();
    }

    /** {@code host}, {@code host:port} or {@code [v6]:port}; refusals worded as core words them. */
    private static InetSocketAddress nameServer(String value) {
        String host = value.trim();
        int port = 53;
        int colon = host.lastIndexOf(':');
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            if (end < 0) {
                throw notAHost(value);
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
            throw notAHost(value);
        }
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("name server must resolve, was '" + value + "'");
        }
        return address;
    }

    private static IllegalArgumentException notAHost(String value) {
        return new IllegalArgumentException(
                "name server must be host, host:port or [IPv6 address]:port, was '" + value + "'");
    }

    private static int port(String text, String value) {
        try {
            int port = Integer.parseInt(text);
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("name server port must be 1..65535, was '" + value + "'");
            }
            return port;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("name server port must be a number, was '" + value + "'", e);
        }
    }

    // ---------------------------------------------------------------- commands

    private static @Nullable RetryConfig retry(MooringProperties.Retry retry) {
        if (!retry.enabled()) {
            return null;
        }
        if (retry.maxAttempts() < 1) {
            throw invalid(
                    "retry.max-attempts",
                    retry.maxAttempts(),
                    "must be at least 1, was " + retry.maxAttempts(),
                    "Set mooring.retry.max-attempts to at least 1 (1 means no retry), e.g. 12; or set"
                            + " mooring.retry.enabled=false.");
        }
        Duration initial = retry.initialBackoff();
        if (initial == null || initial.toMillis() < 1) {
            throw invalid(
                    "retry.initial-backoff",
                    initial,
                    "must be at least 1 ms, was " + initial,
                    "Set mooring.retry.initial-backoff to at least 1ms, e.g. 20ms.");
        }
        Duration max = retry.maxBackoff();
        if (max == null || max.compareTo(initial) < 0) {
            throw invalid(
                    "retry.max-backoff",
                    max,
                    "must be at least mooring.retry.initial-backoff (" + initial + "), was " + max,
                    "Set mooring.retry.max-backoff to at least mooring.retry.initial-backoff, e.g. 1s.");
        }
        IntervalFunction backoff = check(
                "retry.initial-backoff",
                initial,
                "initialBackoff",
                () -> IntervalFunction.ofExponentialBackoff(initial, 2.0, max),
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
                throw invalid(
                        "idempotent-commands",
                        command,
                        "must be command names (no arguments), was '" + command + "'",
                        "List command names only in mooring.idempotent-commands, e.g. SET,HSET,DEL,EXPIRE.");
            }
        }
        return commands.toArray(String[]::new);
    }

    // ---------------------------------------------------------------- helpers

    /**
     * Hands one property to the builder method that takes it; a refusal names the property. {@code setting} is the
     * name core's messages give the value (the builder method's, e.g. {@code probeInterval}); a message about
     * something else (one entry of a list, say) is kept as core words it.
     */
    private static <T> T check(
            String property, @Nullable Object value, String setting, Supplier<T> call, String action) {
        return check(property, value, setting, setting, call, action);
    }

    private static <T> T check(
            String property,
            @Nullable Object value,
            String setting,
            String alsoNamed,
            Supplier<T> call,
            String action) {
        try {
            return call.get();
        } catch (IllegalArgumentException | NullPointerException e) {
            String reason = String.valueOf(e.getMessage());
            for (String name : List.of(setting, alsoNamed)) {
                if (reason.startsWith(name + " must ")) {
                    reason = PREFIX + property + reason.substring(name.length());
                    break;
                }
            }
            throw new InvalidMooringPropertyException(PREFIX + property, value, reason, action);
        }
    }

    /**
     * A rule only properties have, in core's wording: {@code rest} follows the property's name, as in
     * {@code must be at least 1, was 0}.
     */
    private static InvalidMooringPropertyException invalid(
            String property, @Nullable Object value, String rest, String action) {
        return new InvalidMooringPropertyException(PREFIX + property, value, PREFIX + property + " " + rest, action);
    }
}
