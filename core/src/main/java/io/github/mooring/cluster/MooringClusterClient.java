package io.github.mooring.cluster;

import io.github.mooring.MooringOptions;
import io.github.mooring.discovery.EndpointWatch;
import io.github.mooring.exceptions.MooringException;
import io.github.mooring.healer.ClusterHealer;
import io.github.mooring.internal.cluster.ClusterEndpoints;
import io.github.mooring.internal.cluster.NodeAddresses;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
            ClusterEndpoints endpoints,
            EndpointWatch watch) {
        super(resources, seed);
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
            MooringClusterClient client = new MooringClusterClient(resources, ownResources, seed, endpoints, watch);
            client.setOptions(ClusterClientOptions.builder(options.clientOptions())
                    .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                            .enablePeriodicRefresh(Duration.ofSeconds(30))
                            .enableAllAdaptiveRefreshTriggers()
                            .build())
                    .build());
            endpoints.onChange(client::refreshNow);
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
        return chosen;
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
