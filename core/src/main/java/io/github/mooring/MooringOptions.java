package io.github.mooring;

import io.github.mooring.discovery.EndpointSource;
import io.github.mooring.discovery.IpFamilyPreference;
import io.github.mooring.discovery.ServicePort;
import io.github.mooring.discovery.ServiceRef;
import io.github.mooring.discovery.StaticSource;
import io.github.mooring.healer.HealerSettings;
import io.github.mooring.internal.Require;
import io.github.mooring.internal.probe.ProbeSettings;
import io.github.mooring.internal.sentinel.SentinelSettings;
import io.github.mooring.internal.topology.MonitorSettings;
import io.github.mooring.lettuce.FailoverRetry;
import io.github.mooring.lettuce.FailoverSettings;
import io.github.mooring.topology.ElectionPolicy;
import io.github.mooring.topology.NoMasterException;
import io.github.resilience4j.retry.RetryConfig;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisCredentialsProvider;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.EpollProvider;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Everything a {@link MooringClient} needs: which Service to follow and how. Immutable; build with
 * {@link #builder()}, derive a variant with {@link #mutate()}. Each builder method refuses an invalid value at once
 * ({@link IllegalArgumentException}, or {@link NullPointerException} for a null where one is not allowed) with a
 * message that names the setting, as in {@code probeInterval must be at least 10 ms, was PT0.005S};
 * {@link Builder#build()} refuses options without a service.
 *
 * <pre>{@code
 * MooringOptions options = MooringOptions.builder()
 *         .service("redis")
 *         .redisUri(RedisURI.builder().withHost("redis").withAuthentication("app", secret).build())
 *         .failoverWait(Duration.ofSeconds(30))
 *         .build();
 * }</pre>
 */
public final class MooringOptions {

    private final String service;
    private final String namespace;
    private final ServicePort port;
    private final IpFamilyPreference ipFamily;
    private final EndpointSource source;
    private final RedisURI redisUri;
    private final ClientOptions clientOptions;
    private final ClientResources clientResources;
    private final Duration failoverWait;
    private final Duration startupWait;
    private final int maxQueuedCommands;
    private final RetryConfig retry;
    private final Set<String> idempotentCommands;
    private final Duration probeInterval;
    private final Duration calmProbeInterval;
    private final Duration calmAfter;
    private final Duration probeTimeout;
    private final Duration probeConnectTimeout;
    private final Duration staleReplicaAfter;
    /** Null: the failover wait. */
    private final Duration masterStallTimeout;

    private final HealerSettings healer;
    private final Duration sentinelFailoverHold;
    private final String sentinelUsername;
    private final char[] sentinelPassword;
    /** Null: Sentinels are found through the pods' hello channel. */
    private final String sentinelService;

    private final ServicePort sentinelServicePort;

    private MooringOptions(Builder builder) {
        this.service = builder.service;
        this.namespace = builder.namespace != null ? builder.namespace : ServiceRef.currentNamespace();
        this.port = builder.port;
        this.ipFamily = builder.ipFamily;
        this.source = builder.source;
        this.redisUri = builder.redisUri;
        this.clientOptions = builder.clientOptions;
        this.clientResources = builder.clientResources;
        this.failoverWait = builder.failoverWait;
        this.startupWait = builder.startupWait != null ? builder.startupWait : builder.failoverWait;
        this.maxQueuedCommands = builder.maxQueuedCommands;
        this.retry = builder.retry;
        this.idempotentCommands = Set.copyOf(builder.idempotentCommands);
        this.probeInterval = builder.probeInterval;
        this.calmProbeInterval = builder.calmProbeInterval != null
                ? builder.calmProbeInterval
                : max(MonitorSettings.DEFAULT_CALM_PROBE_INTERVAL, builder.probeInterval);
        this.calmAfter = builder.calmAfter;
        this.probeTimeout = builder.probeTimeout;
        this.probeConnectTimeout = builder.probeConnectTimeout;
        this.staleReplicaAfter = builder.staleReplicaAfter;
        this.masterStallTimeout = builder.masterStallTimeout;
        this.healer = builder.healer;
        this.sentinelFailoverHold = builder.sentinelFailoverHold;
        this.sentinelUsername = builder.sentinelUsername;
        this.sentinelPassword = builder.sentinelPassword;
        this.sentinelService = builder.sentinelService;
        this.sentinelServicePort = builder.sentinelServicePort;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these options, to derive a variant. */
    public Builder mutate() {
        Builder builder = new Builder();
        builder.service = service;
        builder.namespace = namespace;
        builder.port = port;
        builder.ipFamily = ipFamily;
        builder.source = source;
        builder.redisUri = redisUri;
        builder.clientOptions = clientOptions;
        builder.clientResources = clientResources;
        builder.failoverWait = failoverWait;
        builder.startupWait = startupWait;
        builder.maxQueuedCommands = maxQueuedCommands;
        builder.retry = retry;
        builder.idempotentCommands.addAll(idempotentCommands);
        builder.probeInterval = probeInterval;
        builder.calmProbeInterval = calmProbeInterval;
        builder.calmAfter = calmAfter;
        builder.probeTimeout = probeTimeout;
        builder.probeConnectTimeout = probeConnectTimeout;
        builder.staleReplicaAfter = staleReplicaAfter;
        builder.masterStallTimeout = masterStallTimeout;
        builder.healer = healer;
        builder.sentinelFailoverHold = sentinelFailoverHold;
        builder.sentinelUsername = sentinelUsername;
        builder.sentinelPassword = sentinelPassword;
        builder.sentinelService = sentinelService;
        builder.sentinelServicePort = sentinelServicePort;
        return builder;
    }

    /** The Service to follow, with its namespace, port and address family. */
    public ServiceRef serviceRef() {
        return new ServiceRef(service, namespace, port, ipFamily);
    }

    /** Which address family the Service's pods are reached by (default {@link IpFamilyPreference#IPV4_PREFERRED}). */
    public IpFamilyPreference ipFamily() {
        return ipFamily;
    }

    public String service() {
        return service;
    }

    public String namespace() {
        return namespace;
    }

    public ServicePort port() {
        return port;
    }

    /** Where the Service's pods come from. */
    public EndpointSource source() {
        return source;
    }

    /**
     * The connection settings (credentials, TLS, database, client name, command timeout). Its host is the Service's
     * DNS name unless set, which is what TLS certificates for a Service usually name; its port is ignored.
     */
    public RedisURI redisUri() {
        if (redisUri != null) {
            return redisUri;
        }
        return RedisURI.builder()
                .withHost(service + "." + namespace + ".svc.cluster.local")
                .build();
    }

    /**
     * The Lettuce client options, with what following a master requires: automatic reconnect, and commands
     * accepted (queued) while disconnected. Without options of its own, a client gets socket keep-alive that notices
     * a vanished peer within seconds (TCP_USER_TIMEOUT too, where the native transport offers it).
     */
    public ClientOptions clientOptions() {
        return following(clientOptions != null ? clientOptions : keepAliveDefaults());
    }

    /**
     * The client options of a client that is given none: {@link #clientOptions()} without options of its own. Start
     * from these to change one thing while keeping the keep-alive that notices a vanished master.
     */
    public static ClientOptions defaultClientOptions() {
        return following(keepAliveDefaults());
    }

    private static ClientOptions keepAliveDefaults() {
        return ClientOptions.builder()
                .socketOptions(SocketOptions.builder()
                        .connectTimeout(Duration.ofSeconds(2))
                        .keepAlive(SocketOptions.KeepAliveOptions.builder()
                                .enable()
                                .idle(Duration.ofSeconds(5))
                                .interval(Duration.ofSeconds(1))
                                .count(3)
                                .build())
                        // Only the native epoll transport can set TCP_USER_TIMEOUT; NIO would log a warning per
                        // connect.
                        .tcpUserTimeout(SocketOptions.TcpUserTimeoutOptions.builder()
                                .enable(EpollProvider.isAvailable())
                                .tcpUserTimeout(Duration.ofSeconds(10))
                                .build())
                        .build())
                .build();
    }

    private static ClientOptions following(ClientOptions base) {
        ClientOptions.Builder following = base.mutate()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.ACCEPT_COMMANDS)
                .suspendReconnectOnProtocolFailure(false);
        // Lettuce 6.x can cancel waiting commands when a reconnect fails; Lettuce 7 never does (and has no option).
        return Lettuce6ClientOptions.keepCommandsOnReconnectFailure(following).build();
    }

    /** Shared Lettuce resources, or null when the client makes (and shuts down) its own. */
    public ClientResources clientResources() {
        return clientResources;
    }

    public Duration failoverWait() {
        return failoverWait;
    }

    /** How long {@code connect()} waits for a first master. */
    public Duration startupWait() {
        return startupWait;
    }

    /** How many commands one connection holds while it has no master. */
    public int maxQueuedCommands() {
        return maxQueuedCommands;
    }

    /** The policy for commands rejected during a failover, or null when they surface at once. */
    public RetryConfig retry() {
        return retry;
    }

    /** Commands, besides read-only ones, that may be sent again when their fate is unknown, as given. */
    public Set<String> idempotentCommands() {
        return idempotentCommands;
    }

    /** The fast pace: a probe round this often while anything is doubtful (see the builder's method). */
    public Duration probeInterval() {
        return probeInterval;
    }

    /** The calm pace: the longest time between two probe rounds while all is calm (see the builder's method). */
    public Duration calmProbeInterval() {
        return calmProbeInterval;
    }

    /** How long the fast pace goes on after a change or an event (see the builder's method). */
    public Duration calmAfter() {
        return calmAfter;
    }

    /** How long one probe of one pod may take. */
    public Duration probeTimeout() {
        return probeTimeout;
    }

    /** How long opening a probe connection may take. */
    public Duration probeConnectTimeout() {
        return probeConnectTimeout;
    }

    /** How long a replica's link to the master may be down before the replica is reported stale. */
    public Duration staleReplicaAfter() {
        return staleReplicaAfter;
    }

    /**
     * How long connections stay on a master that stopped answering while no other master is elected, before they are
     * cut (by default the failover wait).
     */
    public Duration masterStallTimeout() {
        return masterStallTimeout != null ? masterStallTimeout : failoverWait;
    }

    public FailoverSettings failoverSettings() {
        return new FailoverSettings(failoverWait, maxQueuedCommands, retry, idempotentCommands, masterStallTimeout());
    }

    MonitorSettings monitorSettings() {
        return new MonitorSettings(probeInterval, new ElectionPolicy(staleReplicaAfter))
                .withCalmPace(calmProbeInterval, calmAfter);
    }

    /** What the healer does (default: report only). */
    public HealerSettings healer() {
        return healer;
    }

    ProbeSettings probeSettings() {
        return new ProbeSettings(
                redisUri(), probeConnectTimeout, probeTimeout, clientOptions().getSslOptions());
    }

    /** How long new writes wait while Sentinel fails the master over (see the builder's method). */
    public Duration sentinelFailoverHold() {
        return sentinelFailoverHold;
    }

    /**
     * The Sentinels' own credentials (see the builder's {@code sentinelCredentials}), or empty when the Sentinels
     * ask for none.
     */
    public Optional<RedisCredentials> sentinelCredentials() {
        return sentinelPassword == null
                ? Optional.empty()
                : Optional.of(RedisCredentials.just(sentinelUsername, sentinelPassword.clone()));
    }

    /**
     * The Service in front of the Sentinels (see the builder's {@code sentinelService}), in the Redis Service's
     * namespace and address family, or empty when Sentinels are found through the pods' hello channel.
     */
    public Optional<ServiceRef> sentinelService() {
        return sentinelService == null
                ? Optional.empty()
                : Optional.of(new ServiceRef(sentinelService, namespace, sentinelServicePort, ipFamily));
    }

    /** Listening to Sentinels: the pods' credentials for their hello channel; the Sentinels' own for their events. */
    SentinelSettings sentinelSettings() {
        ProbeSettings probe = probeSettings();
        SentinelSettings settings = SentinelSettings.withoutSentinelAuth(probe.uriTemplate(), probe.sslOptions());
        if (sentinelPassword != null) {
            // A null user name authenticates with the password alone (Sentinel's requirepass).
            settings.sentinelTemplate()
                    .setCredentialsProvider(RedisCredentialsProvider.from(
                            () -> RedisCredentials.just(sentinelUsername, sentinelPassword)));
        }
        return settings.withFailoverHold(sentinelFailoverHold);
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    @Override
    public String toString() {
        // No credentials: RedisURI's own toString masks them, and only host and flags are shown here anyway.
        return "MooringOptions[" + serviceRef() + ", " + port + ", source=" + source.name() + ", failoverWait="
                + failoverWait + ", probeInterval=" + probeInterval + ", calmProbeInterval=" + calmProbeInterval
                + (sentinelService == null ? "" : ", sentinelService=" + sentinelService) + "]";
    }

    /** The port Sentinels listen on. */
    private static final ServicePort SENTINEL_PORT = ServicePort.number(26379);

    /** Builds {@link MooringOptions}. Only {@link #service(String)} is required. */
    public static final class Builder {
        private String service;
        private String namespace;
        private ServicePort port = ServicePort.DEFAULT;
        private IpFamilyPreference ipFamily = IpFamilyPreference.IPV4_PREFERRED;
        private EndpointSource source = EndpointSource.auto();
        private RedisURI redisUri;
        private ClientOptions clientOptions;
        private ClientResources clientResources;
        private Duration failoverWait = FailoverSettings.DEFAULT_FAILOVER_WAIT;
        private Duration startupWait;
        private int maxQueuedCommands = FailoverSettings.DEFAULT_MAX_QUEUED_COMMANDS;
        private RetryConfig retry = FailoverRetry.defaultConfig();
        private final Set<String> idempotentCommands = new LinkedHashSet<>();
        private Duration probeInterval = MonitorSettings.DEFAULT_PROBE_INTERVAL;
        private Duration calmProbeInterval; // null: the default, or probeInterval when that is longer
        private Duration calmAfter = MonitorSettings.DEFAULT_CALM_AFTER;
        private Duration probeTimeout = ProbeSettings.DEFAULT_TIMEOUT;
        private Duration probeConnectTimeout = ProbeSettings.DEFAULT_CONNECT_TIMEOUT;
        private Duration staleReplicaAfter = ElectionPolicy.defaults().linkDownStaleAfter();
        private Duration masterStallTimeout;
        private HealerSettings healer = HealerSettings.defaults();
        private Duration sentinelFailoverHold = SentinelSettings.DEFAULT_FAILOVER_HOLD;
        private String sentinelUsername;
        private char[] sentinelPassword;
        private String sentinelService;
        private ServicePort sentinelServicePort = SENTINEL_PORT;

        private Builder() {}

        /**
         * What to do about replication Kubernetes broke (stale replicas, a master that came back empty, split brain):
         * report it (the default), repair it, or nothing. See {@link HealerSettings}.
         */
        public Builder healer(HealerSettings healer) {
            this.healer = Require.nonNull(healer, "healer");
            return this;
        }

        /** The Kubernetes Service in front of the Redis pods (required), as Kubernetes names it: a DNS label. */
        public Builder service(String service) {
            this.service = Require.dnsLabel(service, "service");
            return this;
        }

        /**
         * The Service's namespace (default: the pod's own; outside a pod, that of the kubeconfig's current context;
         * else {@code default}; null for that default); a DNS label.
         */
        public Builder namespace(String namespace) {
            this.namespace = namespace == null ? null : Require.dnsLabel(namespace, "namespace");
            return this;
        }

        /** The Service port, by name or number (default: the port named {@code redis}). */
        public Builder port(String nameOrNumber) {
            this.port = ServicePort.parse(nameOrNumber);
            return this;
        }

        /** The Service port (default: the port named {@code redis}). */
        public Builder port(ServicePort port) {
            this.port = Require.nonNull(port, "port");
            return this;
        }

        /**
         * Which address family to reach the pods by (default {@link IpFamilyPreference#IPV4_PREFERRED}: the
         * Service's only family, IPv4 on a dual-stack cluster). One family per Service, so that each pod is one node:
         * the kubernetes source reads the EndpointSlices of that {@code addressType}, the dns source asks A or AAAA
         * records accordingly. {@code IPV6_PREFERRED} where the Redis pods are reached over IPv6 on a dual-stack
         * cluster; {@code IPV4_ONLY}/{@code IPV6_ONLY} to never use the other family.
         */
        public Builder ipFamily(IpFamilyPreference ipFamily) {
            this.ipFamily = Require.nonNull(ipFamily, "ipFamily");
            return this;
        }

        /** Where pods come from (default {@link EndpointSource#auto()}: Kubernetes API, else DNS). */
        public Builder source(EndpointSource source) {
            this.source = Require.nonNull(source, "source");
            return this;
        }

        /** Credentials, TLS, database, client name and command timeout, as a Lettuce {@link RedisURI}. */
        public Builder redisUri(RedisURI redisUri) {
            this.redisUri = Require.nonNull(redisUri, "redisUri");
            return this;
        }

        /**
         * Lettuce client options; Mooring keeps them but for reconnect behaviour (see
         * {@link MooringOptions#clientOptions()}). To change one thing, start from
         * {@link MooringOptions#defaultClientOptions()}.
         */
        public Builder clientOptions(ClientOptions clientOptions) {
            this.clientOptions = Require.nonNull(clientOptions, "clientOptions");
            return this;
        }

        /** Lettuce resources to share (event loops, timers); the application shuts them down, not Mooring. */
        public Builder clientResources(ClientResources clientResources) {
            this.clientResources = Require.nonNull(clientResources, "clientResources");
            return this;
        }

        /**
         * How long a command may wait for a master during a failover before it fails with {@link NoMasterException}
         * (default 30 s: a pod restart). A command also never waits longer than its own Lettuce timeout. Zero or
         * positive.
         */
        public Builder failoverWait(Duration failoverWait) {
            this.failoverWait = Require.zeroOrPositive(failoverWait, "failoverWait");
            return this;
        }

        /**
         * How long {@code connect()} waits for a first master (default, or null: the failover wait). Zero or
         * positive.
         */
        public Builder startupWait(Duration startupWait) {
            this.startupWait = startupWait == null ? null : Require.zeroOrPositive(startupWait, "startupWait");
            return this;
        }

        /** Commands one connection may hold while it has no master (default 100 000); at least 1. */
        public Builder maxQueuedCommands(int maxQueuedCommands) {
            this.maxQueuedCommands = Require.atLeast(maxQueuedCommands, 1, "maxQueuedCommands");
            return this;
        }

        /**
         * The policy for retrying commands rejected during a failover ({@code READONLY}, {@code LOADING},
         * {@code MASTERDOWN}); default {@link FailoverRetry#defaultConfig()}; null surfaces them at once.
         */
        public Builder retry(RetryConfig retry) {
            this.retry = retry;
            return this;
        }

        /**
         * Commands that may be sent again when a connection dies before their reply (their fate unknown), besides
         * the read-only ones: only commands that do no harm when applied twice, e.g. {@code SET} or {@code HSET}
         * of fixed values, {@code DEL}, {@code EXPIRE}.
         */
        public Builder idempotentCommands(String... commands) {
            for (String command : Require.nonNull(commands, "idempotentCommands")) {
                idempotentCommands.add(Require.nonNull(command, "idempotent command"));
            }
            return this;
        }

        /**
         * The fast pace (default 1 s; at least 10 ms): a probe round this often while anything is doubtful (no
         * master, a pod that does not answer or refuses the credentials, a replica not linked, a split brain, stale
         * replica or data at risk, a discovery problem, a Sentinel failover, a change or an event within
         * {@link #calmAfter(Duration)}). Events probe at once whatever the pace: endpoint changes, a lost connection,
         * {@code READONLY}, a command timeout, a Sentinel message, a probe connection the pod closed.
         */
        public Builder probeInterval(Duration probeInterval) {
            this.probeInterval = Require.atLeastMillis(probeInterval, 10, "probeInterval");
            return this;
        }

        /**
         * The calm pace (default 30 s, or {@code probeInterval} when that is longer; at least {@code probeInterval}):
         * while nothing is doubtful, one probe round at a random point between half of this and all of it after the
         * last round, so that each pod gets about {@code 2 × clients / (0.75 × calmProbeInterval)} probe commands per
         * second (Redis 7; 5 per probe before) instead of {@code 5 × clients / probeInterval} (1,000 idle clients: 87
         * instead of 4,748 per second, {@code ProbeLoad} in the benchmarks module). It bounds how late a change that no event reports is
         * seen: a master demoted or a replica promoted by hand ({@code REPLICAOF}) while connections stay up and the
         * application only reads, a master frozen while nobody sends it a command. Such a change is seen at most
         * {@code calmProbeInterval + probeInterval + probeTimeout} after it happened (a write to a demoted master is
         * refused with {@code READONLY}, a command to a frozen one unanswered for {@code probeTimeout} makes its connection
         * suspect it: both are events, seen at once). Set it
         * to {@code probeInterval} to probe at the fast pace always.
         */
        public Builder calmProbeInterval(Duration calmProbeInterval) {
            this.calmProbeInterval = Require.atLeastMillis(calmProbeInterval, 10, "calmProbeInterval");
            return this;
        }

        /**
         * How long the fast pace goes on after the topology changed or an event started a round (default 10 s; zero or
         * positive): the settling after a failover (replicas re-pointed, a restarted pod back) is watched closely.
         */
        public Builder calmAfter(Duration calmAfter) {
            this.calmAfter = Require.zeroOrPositive(calmAfter, "calmAfter");
            return this;
        }

        /**
         * How long one probe of one pod may take (default 1 s); positive. A command written to the master and
         * unanswered for as long makes its connection ask for a probe round at once (a frozen master is then held
         * against, whatever the probe pace); blocking commands ({@code BLPOP}, {@code XREAD}...) excepted.
         */
        public Builder probeTimeout(Duration probeTimeout) {
            this.probeTimeout = Require.positive(probeTimeout, "probeTimeout");
            return this;
        }

        /** How long opening a probe connection may take (default 500 ms); positive. */
        public Builder probeConnectTimeout(Duration probeConnectTimeout) {
            this.probeConnectTimeout = Require.positive(probeConnectTimeout, "probeConnectTimeout");
            return this;
        }

        /**
         * A replica whose link to the master has been down this long is reported stale (default 10 s); zero or
         * positive.
         */
        public Builder staleReplicaAfter(Duration staleReplicaAfter) {
            this.staleReplicaAfter = Require.zeroOrPositive(staleReplicaAfter, "staleReplicaAfter");
            return this;
        }

        /**
         * How long connections stay on a master that stopped answering (a GC pause, CPU throttling, a frozen node, a
         * network partition) while no other master is elected, counted from the first probe round that finds it not
         * answering (default, or null: the failover wait, so that a stall shorter than the failover wait costs no
         * error). Meanwhile new commands wait for it in their connection's order (each up to the failover wait, then
         * {@link NoMasterException}) instead of going into its socket, and those already written complete when it
         * answers. After it the connections are cut: written and unanswered commands fail with
         * {@link io.github.mooring.exceptions.CommandFateUnknownException}, the others wait on for a master. Another
         * master elected cuts them at once. Zero or positive; zero cuts at the first round that finds it not
         * answering.
         */
        public Builder masterStallTimeout(Duration masterStallTimeout) {
            this.masterStallTimeout = masterStallTimeout == null
                    ? null
                    : Require.zeroOrPositive(masterStallTimeout, "masterStallTimeout");
            return this;
        }

        /**
         * Where Sentinels manage the group: how long new writes wait while Sentinel fails the master over (from
         * {@code +odown} or {@code +try-failover} to its {@code +switch-master} or abort), instead of going to a master
         * Sentinel is about to replace, where they would be lost (default 5 s; a planned failover takes 1 to 2 s).
         * After the bound they go to the master anyway. Zero or positive; zero never holds.
         */
        public Builder sentinelFailoverHold(Duration sentinelFailoverHold) {
            this.sentinelFailoverHold = Require.zeroOrPositive(sentinelFailoverHold, "sentinelFailoverHold");
            return this;
        }

        /**
         * The credentials of the Sentinels themselves (their {@code requirepass}, or an ACL user with
         * {@code +subscribe} and {@code +psubscribe}), when they differ from none: Mooring subscribes to their events.
         * {@code username} may be null (password only). The pods' hello channel is read with the Redis credentials.
         */
        public Builder sentinelCredentials(String username, CharSequence password) {
            if (username != null) {
                Require.notBlank(username, "sentinelCredentials username");
            }
            Require.nonNull(password, "sentinelCredentials password");
            this.sentinelUsername = username;
            this.sentinelPassword = password.toString().toCharArray();
            return this;
        }

        /**
         * The Kubernetes Service in front of the Sentinels that manage the group (a DNS label, in the Redis Service's
         * namespace; null for none, the default), on port 26379. Where Sentinels run as a Deployment or StatefulSet of
         * their own behind a Service (as many Helm charts and operators run them), or announce addresses that
         * clients cannot reach ({@code sentinel announce-ip} behind NAT), Mooring then subscribes to the events of
         * exactly the Sentinels behind that Service, discovered with {@link #source(EndpointSource)} as the Redis
         * Service is, and follows them as they change (a Sentinel pod replaced with a new IP). Without it, Mooring
         * finds the Sentinels through the pods' {@code __sentinel__:hello} channel, at the addresses they announce.
         * Needs a source that discovers Services (not {@link EndpointSource#staticNodes}).
         */
        public Builder sentinelService(String name) {
            return sentinelService(name, SENTINEL_PORT);
        }

        /**
         * Like {@link #sentinelService(String)}, on another Service port, by name or number ({@code sentinel},
         * {@code 26379}).
         */
        public Builder sentinelService(String name, String port) {
            Require.notBlank(port, "sentinelService port");
            ServicePort parsed;
            try {
                parsed = ServicePort.parse(port);
            } catch (IllegalArgumentException e) {
                throw Require.invalid("sentinelService port", "a port name or a number 1..65535", port);
            }
            return sentinelService(name, parsed);
        }

        private Builder sentinelService(String name, ServicePort port) {
            this.sentinelService = name == null ? null : Require.dnsLabel(name, "sentinelService");
            this.sentinelServicePort = port;
            return this;
        }

        /** Builds the options; each setting was checked when it was set. */
        public MooringOptions build() {
            if (service == null) {
                throw Require.missing("service", "the name of the Kubernetes Service in front of the Redis pods");
            }
            if (sentinelService != null && source instanceof StaticSource) {
                throw Require.invalid(
                        "source",
                        "one that discovers Services (auto, kubernetes, dns) to find sentinelService '"
                                + sentinelService + "'; a static source lists the Redis nodes only",
                        source.name());
            }
            MooringOptions options = new MooringOptions(this);
            // The settings were checked one by one; constructing these checks them once more, together.
            options.serviceRef();
            options.failoverSettings();
            options.monitorSettings();
            options.probeSettings();
            return options;
        }
    }
}
