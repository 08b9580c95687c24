package io.github.mooring.cluster;

import io.github.mooring.MooringOptions;
import io.github.mooring.discovery.Endpoint;
import io.github.mooring.discovery.EndpointWatch;
import io.github.mooring.discovery.ServiceRef;
import io.github.mooring.exceptions.CredentialsRejectedException;
import io.github.mooring.exceptions.MooringException;
import io.github.mooring.healer.ClusterHealer;
import io.github.mooring.internal.cluster.ClusterEndpoints;
import io.github.mooring.internal.cluster.CredentialRefusals;
import io.github.mooring.internal.cluster.NodeAddresses;
import io.github.mooring.internal.probe.ProbeFailure;
import io.github.mooring.internal.probe.ProbeSettings;
import io.github.mooring.internal.probe.RoleProber;
import io.github.mooring.internal.topology.TopologyEventLog;
import io.github.mooring.probe.ProbeResult;
import io.github.mooring.topology.Topology;
import io.github.mooring.topology.TopologyEvent;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisChannelWriter;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.StatefulRedisConnectionImpl;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterPushHandler;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.StatefulRedisClusterConnectionImpl;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode.NodeFlag;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.event.connection.ReconnectFailedEvent;
import io.lettuce.core.json.JsonParser;
import io.lettuce.core.protocol.ProtocolKeyword;
import io.lettuce.core.protocol.PushHandler;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;

/**
 * Lettuce's cluster client for a Redis Cluster behind a Kubernetes Service, following the Service's endpoints instead
 * of the node IPs it learnt: its connections are ordinary {@code StatefulRedisClusterConnection}s.
 *
 * <pre>{@code
 * MooringClusterClient cluster = MooringClusterClient.create(MooringOptions.builder().service("redis-cluster").build());
 * StatefulRedisClusterConnection<String, String> connection = cluster.connect();
 * connection.sync().incr("visits");
 * }</pre>
 *
 * What changes from a plain {@link RedisClusterClient}:
 * <ul>
 * <li>Topology refreshes ask the Service's current endpoints (ready or not, not terminating), never only the node
 * IPs Lettuce knew: after every pod was replaced, those are all dead.</li>
 * <li>An endpoint change (a pod replaced, restarted, ready) refreshes the topology at once, whatever Lettuce's adaptive
 * refresh rate limit; while a master that serves slots answers at no endpoint, the topology is refreshed every
 * 100 ms, so that its replica's promotion, or its return at a new IP, is seen within that.</li>
 * <li>A node is identified by its node ID: each endpoint's own line in its {@code CLUSTER NODES} ({@code myself},
 * what {@code CLUSTER MYID} answers) says which node answers at that pod IP, and the topology Lettuce uses lists the
 * node there, even while the other nodes' tables still hold the IP its pod had before.</li>
 * </ul>
 * The healer of {@link MooringOptions#healer()} runs beside it ({@link #healer()}: report mode by default; repair mode
 * re-forms a cluster whose pods were all replaced at once and re-adds an empty pod as a replica, see
 * {@link ClusterHealer}).
 * <p>
 * Lettuce's own options (redirects, periodic and adaptive refresh) apply as set with
 * {@link #setOptions(ClusterClientOptions)}; {@link #create} sets the options of {@link MooringOptions#clientOptions()}
 * with every adaptive trigger on and a periodic refresh each 30 s as a safety net.
 * <p>
 * Built on Lettuce's {@code RedisClusterClient} template methods {@code getTopologyRefreshSource()},
 * {@code useDynamicRefreshSources()} and {@code determinePartitions(..)}, present alike in Lettuce 6.8 and 7.x
 * ({@code ClusterHooksTest} fails if they change, {@code ClusterHooksIT} if what Lettuce passes them does). One client
 * per Service; thread-safe; {@link #shutdown()} it when done.
 */
public final class MooringClusterClient extends RedisClusterClient {

    private static final Logger log = LoggerFactory.getLogger("io.github.mooring.topology");
    private static final Duration SUSPECT_REFRESH = Duration.ofMillis(100);
    /** A refusal that fails commands is probed again when it is older than this: the secret may be right again. */
    private static final Duration RECHECK_REFUSAL = Duration.ofMillis(500);

    private final String service;
    private final ServiceRef serviceRef;
    private final Duration failoverWait;
    private final int maxQueuedCommands;
    private final RoleProber prober;
    private final CredentialRefusals refusals = new CredentialRefusals();
    private final Disposable refusedReconnects;
    private final ClusterEndpoints endpoints;
    private final EndpointWatch watch;
    private final ClientResources resources;
    private final boolean ownResources;
    private final AtomicBoolean refreshing = new AtomicBoolean();
    private volatile boolean refreshAgain;
    private volatile boolean masterUnanswered;
    private volatile boolean closed;
    private volatile ClusterHealer healer;

    private MooringClusterClient(
            ClientResources resources,
            boolean ownResources,
            List<RedisURI> seed,
            MooringOptions options,
            ClusterEndpoints endpoints,
            EndpointWatch watch) {
        super(resources, seed);
        this.service = options.serviceRef().toString();
        this.serviceRef = options.serviceRef();
        this.failoverWait = options.failoverWait();
        this.maxQueuedCommands = options.maxQueuedCommands();
        this.prober = new RoleProber(
                new ProbeSettings(
                        options.redisUri(),
                        options.probeConnectTimeout(),
                        options.probeTimeout(),
                        options.clientOptions().getSslOptions()),
                resources);
        // Lettuce's watchdog reports a node connection's reconnect refused in its handshake (AUTH) on the bus only.
        this.refusedReconnects = resources
                .eventBus()
                .get()
                .filter(ReconnectFailedEvent.class::isInstance)
                .cast(ReconnectFailedEvent.class)
                .filter(failed -> ProbeFailure.credentialsRefusal(failed.getCause()) != null)
                .subscribe(failed -> {
                    if (failed.remoteAddress() instanceof InetSocketAddress inet && inet.getAddress() != null) {
                        String address = Endpoint.address(inet);
                        endpoints.endpoints().stream()
                                .filter(endpoint -> endpoint.address().equals(address))
                                .findFirst()
                                .ifPresent(endpoint -> probeCredentials(List.of(endpoint)));
                    }
                });
        this.resources = resources;
        this.ownResources = ownResources;
        this.endpoints = endpoints;
        this.watch = watch;
    }

    /**
     * Starts following {@code options}' Service and returns once its endpoints are known (up to
     * {@link MooringOptions#startupWait()}); connects nothing yet.
     *
     * @throws MooringException when no endpoint was found within the startup wait (naming the source's last problem)
     */
    public static MooringClusterClient create(MooringOptions options) {
        boolean ownResources = options.clientResources() == null;
        ClientResources resources = ownResources ? DefaultClientResources.create() : options.clientResources();
        ClusterEndpoints endpoints = new ClusterEndpoints(options.redisUri());
        EndpointWatch watch = null;
        try {
            watch = options.source().watch(options.serviceRef(), endpoints);
            List<RedisURI> seed = endpoints.awaitSources(options.startupWait());
            if (seed.isEmpty()) {
                throw new MooringException("no endpoint of " + options.serviceRef() + " within the startup wait ("
                        + options.startupWait() + ", mooring.startup-wait) from the " + watch.sourceName()
                        + " source"
                        + endpoints
                                .lastProblem()
                                .map(p -> ": " + p.getMessage())
                                .orElse(""));
            }
            MooringClusterClient client =
                    new MooringClusterClient(resources, ownResources, seed, options, endpoints, watch);
            client.setOptions(ClusterClientOptions.builder(options.clientOptions())
                    .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                            .enablePeriodicRefresh(Duration.ofSeconds(30))
                            .enableAdaptiveRefreshTrigger(ClusterTopologyRefreshOptions.RefreshTrigger.values())
                            .build())
                    .build());
            endpoints.onChange(client::refreshNow);
            client.addListener(new NodeConnections());
            client.healer = ClusterHealerWiring.start(options, resources);
            return client;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close(watch, resources, ownResources);
            throw new MooringException("interrupted while waiting for the endpoints of " + options.serviceRef(), e);
        } catch (RuntimeException e) {
            close(watch, resources, ownResources);
            throw e;
        }
    }

    /**
     * The cluster healer {@link MooringOptions#healer()} asks for (report mode by default), or empty when it is off.
     * Listen to it with {@link ClusterHealer#addListener}.
     */
    public Optional<ClusterHealer> healer() {
        return Optional.ofNullable(healer);
    }

    /** The Service's current endpoints, not the node IPs Lettuce learnt (see the class comment). */
    @Override
    protected Iterable<RedisURI> getTopologyRefreshSource() {
        List<RedisURI> sources = endpoints.sources();
        return sources.isEmpty() ? super.getTopologyRefreshSource() : sources;
    }

    /**
     * Off: the Service lists every node, so Lettuce need not connect to the addresses nodes list for each other (which
     * may be IPs of pods long gone: each a connect timeout) nor fall back to its seed.
     */
    @Override
    protected boolean useDynamicRefreshSources() {
        return false;
    }

    /** Lettuce's choice of view, with every node at the address its node ID answered at. */
    @Override
    protected Partitions determinePartitions(Partitions current, Map<RedisURI, Partitions> topologyViews) {
        Partitions chosen = super.determinePartitions(current, topologyViews);
        Map<String, RedisURI> answeredAt = NodeAddresses.answeredAt(topologyViews);
        for (NodeAddresses.Moved moved : NodeAddresses.rewrite(chosen, answeredAt)) {
            log.debug(
                    "cluster node {} answers at {}; the cluster's tables still list {}",
                    moved.nodeId(),
                    moved.to(),
                    moved.from());
        }
        masterUnanswered = NodeAddresses.aMasterAnswersNowhere(chosen, answeredAt);
        checkCredentialsOfSilentEndpoints(topologyViews.keySet());
        return chosen;
    }

    /**
     * Every topology load (initial, periodic, adaptive, asked for) goes through here, in 6.8 and 7.x
     * ({@code ClusterHooksTest}): when no endpoint gave a view, {@link #determinePartitions} is not called, so the
     * endpoints are probed here, to tell refused credentials from pods that are down.
     */
    @Override
    protected CompletableFuture<Partitions> loadPartitionsAsync() {
        return super.loadPartitionsAsync().whenComplete((loaded, failure) -> {
            if (failure != null) {
                checkCredentialsOfSilentEndpoints(List.of());
            }
        });
    }

    // ---------------------------------------------------------------- credentials

    /**
     * The endpoints that gave the refresh a view authenticated; each endpoint that gave none is probed as the
     * replication client probes a pod ({@link RoleProber}), which tells a refusal of the credentials from a pod that is
     * down.
     */
    private void checkCredentialsOfSilentEndpoints(Iterable<RedisURI> answered) {
        Set<String> gaveAView = new HashSet<>();
        for (RedisURI uri : answered) {
            String address = Endpoint.address(uri.getHost(), uri.getPort());
            gaveAView.add(address);
            refusals.accepted(address);
        }
        List<Endpoint> silent = endpoints.endpoints().stream()
                .filter(endpoint -> !gaveAView.contains(endpoint.address()))
                .toList();
        if (!silent.isEmpty()) {
            probeCredentials(silent);
        }
    }

    /**
     * Probes {@code pods}; a pod that starts refusing the credentials raises {@link TopologyEvent.CredentialsRejected}
     * (on Lettuce's event bus, and a WARN line), once. A refusal cuts nothing and changes no topology.
     */
    private CompletableFuture<Void> probeCredentials(List<Endpoint> pods) {
        if (closed) {
            return CompletableFuture.completedFuture(null);
        }
        return prober.probe(pods).thenAccept(results -> {
            for (ProbeResult result : results) {
                refusals.record(result).ifPresent(this::announceRefusal);
            }
        });
    }

    private void announceRefusal(ProbeResult refusal) {
        TopologyEvent event = new TopologyEvent.CredentialsRejected(
                Topology.initial(service), refusal.endpoint(), refusal.rejectedUser(), refusal.failure());
        TopologyEventLog.log(log, serviceRef, event);
        resources.eventBus().publish(event);
    }

    /**
     * The pods that refuse the {@code RedisURI}'s credentials now (each a probe's result: pod, user and the server's
     * reply, never the secret). Connections already authenticated to them keep working; commands that need a new
     * connection to one fail at once with {@link CredentialsRejectedException}.
     */
    public List<ProbeResult> credentialsRejected() {
        return refusals.all();
    }

    /**
     * The failure for {@code command} to {@code slot}, which could not be sent on a connection to the slot's master,
     * when that master refuses the credentials: at once, rather than after the failover wait; null when it does not.
     */
    CredentialsRejectedException credentialsRejected(int slot, ProtocolKeyword command) {
        RedisClusterNode master = getPartitions().getMasterBySlot(slot);
        RedisURI uri = master == null ? null : master.getUri();
        if (uri == null) {
            return null;
        }
        Optional<ProbeResult> standing = refusals.at(Endpoint.address(uri.getHost(), uri.getPort()));
        standing.filter(refusal -> refusal.probedAt().isBefore(Instant.now().minus(RECHECK_REFUSAL)))
                .ifPresent(refusal -> probeCredentials(List.of(refusal.endpoint()))); // accepting again by now?
        return standing.map(refusal -> CredentialsRejectedException.refusedBy(
                        refusal.endpoint().displayName(),
                        ", master of slot " + slot + " of the Redis Cluster behind " + service,
                        refusal.rejectedUser(),
                        refusal.failure(),
                        command + " was not sent"))
                .orElse(null);
    }

    /**
     * Every cluster connection is an {@link OrderedClusterConnection}: its {@link ClusterOrder} keeps each slot's
     * commands in issue order and lets a command wait for its slot's master. Lettuce builds every cluster connection
     * through this method, in 6.8 and 7.x ({@code ClusterHooksTest}), as this one does (a plain
     * {@code StatefulRedisClusterConnectionImpl} with the same arguments).
     */
    @Override
    protected <V, K> StatefulRedisClusterConnectionImpl<K, V> newStatefulRedisClusterConnection(
            RedisChannelWriter channelWriter,
            ClusterPushHandler pushHandler,
            RedisCodec<K, V> codec,
            Duration timeout,
            Supplier<JsonParser> parser) {
        return new OrderedClusterConnection<>(channelWriter, pushHandler, codec, timeout, parser, this);
    }

    /**
     * Every node connection's writer is a {@link NodeGate}: a command reaches the node only when the commands issued
     * before it to its slot are there already. Lettuce builds every node connection through this method, in 6.8 and
     * 7.x ({@code ClusterHooksTest}); {@code NodeConnections} tells the gate when its connection comes and goes.
     */
    @Override
    protected <K, V> StatefulRedisConnectionImpl<K, V> newStatefulRedisConnection(
            RedisChannelWriter channelWriter,
            PushHandler pushHandler,
            RedisCodec<K, V> codec,
            Duration timeout,
            Supplier<JsonParser> parser) {
        return super.newStatefulRedisConnection(new NodeGate(channelWriter), pushHandler, codec, timeout, parser);
    }

    /**
     * Lettuce tells a client's listeners of each of its connections going up or down; a node connection's loss comes
     * on its event loop after Lettuce took back what was on the wire and before it reconnects.
     */
    private static final class NodeConnections implements RedisConnectionStateListener {

        @Override
        public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress address) {
            if (connection.getChannelWriter() instanceof NodeGate gate) {
                gate.onConnected(
                        address instanceof InetSocketAddress inet ? Endpoint.address(inet) : String.valueOf(address));
            }
        }

        @Override
        public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
            if (connection.getChannelWriter() instanceof NodeGate gate) {
                gate.onLost();
            }
        }
    }

    @Override
    public <K, V> StatefulRedisClusterConnection<K, V> connect(RedisCodec<K, V> codec) {
        StatefulRedisClusterConnection<K, V> connection;
        try {
            connection = super.connect(codec);
        } catch (RedisConnectionException e) {
            throw refusedAtConnect(e);
        }
        connectToEveryNode(connection);
        return connection;
    }

    /**
     * Lettuce could not connect (no node gave it the cluster's topology): when the pods refuse the credentials, a
     * {@link CredentialsRejectedException} that says so, naming pod and user; otherwise Lettuce's failure.
     */
    private RuntimeException refusedAtConnect(RedisConnectionException failure) {
        try {
            probeCredentials(endpoints.endpoints()).get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return failure;
        } catch (ExecutionException | TimeoutException e) {
            return failure;
        }
        List<ProbeResult> refused = refusals.all();
        if (refused.isEmpty()) {
            return failure;
        }
        ProbeResult refusal = refused.get(0);
        CredentialsRejectedException rejected = CredentialsRejectedException.refusedBy(
                refusal.endpoint().displayName(),
                " of the Redis Cluster behind " + service,
                refusal.rejectedUser(),
                refusal.failure(),
                "No connection was opened");
        rejected.addSuppressed(failure);
        return rejected;
    }

    @Override
    public <K, V> CompletableFuture<StatefulRedisClusterConnection<K, V>> connectAsync(RedisCodec<K, V> codec) {
        return super.connectAsync(codec).thenApply(connection -> {
            connectToEveryNode(connection);
            return connection;
        });
    }

    /** After every topology refresh: a node that appeared (a replica, a pod back) is connected to now. */
    @Override
    protected void updatePartitionsInConnections() {
        super.updatePartitionsInConnections();
        forEachClusterConnection(this::connectToEveryNode);
    }

    /**
     * Opens, ahead of need, the write connections Lettuce will want when a replica becomes master: the one it routes
     * a slot's commands by (by node ID) and the one a {@code MOVED} redirect goes to (by address). Lettuce opens them
     * only when the first command needs them, so the first writes after a {@code CLUSTER FAILOVER} or a promotion
     * waited for a connect and a handshake. Costs one or two idle connections per replica.
     */
    private void connectToEveryNode(StatefulRedisClusterConnection<?, ?> connection) {
        if (closed || !connection.isOpen()) {
            return;
        }
        for (RedisClusterNode node : getPartitions()) {
            RedisURI uri = node.getUri();
            if (uri == null
                    || node.getNodeId() == null
                    || node.is(NodeFlag.FAIL)
                    || node.is(NodeFlag.EVENTUAL_FAIL)
                    || node.is(NodeFlag.NOADDR)
                    || node.is(NodeFlag.HANDSHAKE)) {
                continue;
            }
            connection.getConnectionAsync(node.getNodeId()).whenComplete(MooringClusterClient::connectedAhead);
            connection
                    .getConnectionAsync(uri.getHost(), uri.getPort())
                    .whenComplete(MooringClusterClient::connectedAhead);
        }
    }

    private static void connectedAhead(Object connection, Throwable failure) {
        if (failure != null) {
            log.debug("cluster node not connected ahead of need: {}", failure.toString());
        }
    }

    String service() {
        return service;
    }

    Duration failoverWait() {
        return failoverWait;
    }

    int maxQueuedCommands() {
        return maxQueuedCommands;
    }

    /**
     * Refreshes the topology now; one refresh at a time, and one more when asked during one. Repeats every 100 ms while
     * a master that serves slots answers at no endpoint.
     */
    void refreshNow() {
        refreshAgain = true;
        if (closed || !refreshing.compareAndSet(false, true)) {
            return;
        }
        refreshAgain = false;
        CompletableFuture<Void> refresh;
        try {
            refresh = refreshPartitionsAsync().toCompletableFuture();
        } catch (RuntimeException e) {
            refresh = CompletableFuture.failedFuture(e);
        }
        refresh.whenComplete((ignored, failure) -> {
            if (failure != null) {
                log.debug("cluster topology refresh failed: {}", failure.toString());
            }
            refreshing.set(false);
            if (refreshAgain) {
                refreshNow();
            } else if (masterUnanswered && !closed) {
                resources
                        .eventExecutorGroup()
                        .schedule(this::refreshNow, SUSPECT_REFRESH.toMillis(), TimeUnit.MILLISECONDS);
            }
        });
    }

    @Override
    public CompletableFuture<Void> shutdownAsync(long quietPeriod, long timeout, TimeUnit timeUnit) {
        closed = true;
        if (healer != null) {
            healer.close();
        }
        refusedReconnects.dispose();
        prober.close();
        watch.close();
        CompletableFuture<Void> shutdown = super.shutdownAsync(quietPeriod, timeout, timeUnit);
        if (!ownResources) {
            return shutdown;
        }
        return shutdown.thenCompose(ignored -> {
            CompletableFuture<Void> done = new CompletableFuture<>();
            resources.shutdown(quietPeriod, timeout, timeUnit).addListener(future -> done.complete(null));
            return done;
        });
    }

    private static void close(EndpointWatch watch, ClientResources resources, boolean ownResources) {
        if (watch != null) {
            watch.close();
        }
        if (ownResources) {
            resources.shutdown(0, 2, TimeUnit.SECONDS);
        }
    }
}
