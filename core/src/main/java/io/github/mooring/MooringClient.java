package io.github.mooring;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.mooring.discovery.AutoSource;
import io.github.mooring.discovery.KubernetesSource;
import io.github.mooring.exceptions.CommandFateUnknownException;
import io.github.mooring.exceptions.CredentialsRejectedException;
import io.github.mooring.exceptions.FailoverQueueFullException;
import io.github.mooring.exceptions.TransactionAbortedException;
import io.github.mooring.healer.Healer;
import io.github.mooring.healer.HealerListener;
import io.github.mooring.healer.HealerMode;
import io.github.mooring.internal.kubernetes.OwnKubernetesClients;
import io.github.mooring.internal.probe.RoleProber;
import io.github.mooring.internal.sentinel.PubSubSentinelFollower;
import io.github.mooring.internal.topology.TopologyMonitor;
import io.github.mooring.lettuce.MooringRedisClient;
import io.github.mooring.probe.ProbeResult;
import io.github.mooring.topology.NoMasterException;
import io.github.mooring.topology.Topology;
import io.github.mooring.topology.TopologyListener;
import io.github.resilience4j.retry.Retry;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Lettuce connections that always talk to the live master of a Redis replication group behind a Kubernetes Service.
 * The connections are ordinary Lettuce connections (sync, async, reactive, pub/sub); only how they are created
 * changes:
 *
 * <pre>{@code
 * MooringClient mooring = MooringClient.create(MooringOptions.builder().service("redis").build());
 * StatefulRedisConnection<String, String> connection = mooring.connect();
 * connection.sync().incr("visits");
 * }</pre>
 *
 * When the master pod is replaced, restarted, demoted or frozen, connections move to the new master by themselves.
 * Commands issued meanwhile wait (up to the failover wait) and complete, are retried when a node rejected them
 * because of the failover, or fail with an exception that says what happened:
 * {@link NoMasterException} (no master within the failover wait), {@link CommandFateUnknownException} (written to a
 * master that vanished before answering), {@link TransactionAbortedException}, {@link FailoverQueueFullException}.
 * <p>
 * One client per Service; thread-safe; {@link #close()} it when done.
 */
public final class MooringClient implements AutoCloseable {

    private final MooringOptions options;
    private final ClientResources resources;
    private final boolean ownResources;
    private final TopologyMonitor monitor;
    private final MooringRedisClient redisClient;
    private final Healer healer;
    private final OwnKubernetesClients.Handle ownLeaseClient; // null when the application's (or none)

    private MooringClient(MooringOptions options, TopologyListener... listeners) {
        this.options = options;
        this.ownResources = options.clientResources() == null;
        this.resources = ownResources ? DefaultClientResources.create() : options.clientResources();
        TopologyMonitor started = null;
        Healer startedHealer = null;
        this.ownLeaseClient = ownLeaseClient(options);
        KubernetesClient leaseClient = ownLeaseClient != null ? ownLeaseClient.client() : suppliedLeaseClient(options);
        try {
            HealerMode healerMode = Healer.effectiveMode(
                    options.healer(),
                    options.serviceRef(),
                    leaseClient,
                    options.source().name());
            // Only a client that may repair withholds an empty master from writers (the repair ends the wait).
            started = TopologyMonitor.start(
                    options.serviceRef(),
                    options.source(),
                    new RoleProber(options.probeSettings(), resources),
                    new PubSubSentinelFollower(
                            options.sentinelSettings(),
                            resources,
                            options.source(),
                            options.sentinelService().orElse(null),
                            options.serviceRef().namespace()),
                    options.monitorSettings().withWithholdMasterWhenDataAtRisk(healerMode == HealerMode.REPAIR),
                    resources.eventBus(),
                    listeners);
            this.monitor = started;
            this.redisClient = new MooringRedisClient(
                    resources, options.redisUri(), monitor, options.failoverSettings(), "mooring-" + options.service());
            redisClient.setOptions(options.clientOptions());
            if (healerMode != HealerMode.OFF) {
                startedHealer = Healer.start(
                        options.healer(),
                        options.serviceRef(),
                        monitor,
                        options.redisUri(),
                        options.clientOptions().getSslOptions(),
                        resources,
                        leaseClient,
                        healerMode);
            }
            this.healer = startedHealer;
        } catch (RuntimeException e) {
            if (startedHealer != null) {
                startedHealer.close();
            }
            if (started != null) {
                started.close();
            }
            if (ownLeaseClient != null) {
                ownLeaseClient.close();
            }
            if (ownResources) {
                resources.shutdown(0, 2, TimeUnit.SECONDS);
            }
            throw e;
        }
    }

    /** The application's client for the healer's Lease: the healer's own setting or the source's; null if none. */
    private static KubernetesClient suppliedLeaseClient(MooringOptions options) {
        if (!leaseNeeded(options)) {
            return null;
        }
        return options.healer().kubernetesClient() != null
                ? options.healer().kubernetesClient()
                : suppliedKubernetesClient(options);
    }

    /**
     * Mooring's own client for the healer's Lease, when the application supplies none: the one the kubernetes source
     * uses (same configuration, or the environment's), or in a pod the environment's; shared, not a second one.
     */
    private static OwnKubernetesClients.Handle ownLeaseClient(MooringOptions options) {
        if (!leaseNeeded(options) || suppliedLeaseClient(options) != null) {
            return null;
        }
        if (options.source() instanceof KubernetesSource kubernetes) {
            return OwnKubernetesClients.acquire(kubernetes.config());
        }
        return options.source() instanceof AutoSource && AutoSource.runningInCluster()
                ? OwnKubernetesClients.acquire(null)
                : null;
    }

    private static boolean leaseNeeded(MooringOptions options) {
        return options.healer().mode() == HealerMode.REPAIR && !options.healer().withoutLease();
    }

    private static KubernetesClient suppliedKubernetesClient(MooringOptions options) {
        if (options.source() instanceof KubernetesSource kubernetes) {
            return kubernetes.client();
        }
        if (options.source() instanceof AutoSource auto) {
            return auto.kubernetes().client();
        }
        return null;
    }

    /** Starts discovering and probing the Service; connections come from {@link #connect()}. */
    public static MooringClient create(MooringOptions options) {
        return new MooringClient(Objects.requireNonNull(options, "options"));
    }

    /** Like {@link #create(MooringOptions)}, with listeners that hear every event from the very first one. */
    public static MooringClient create(MooringOptions options, TopologyListener... listeners) {
        return new MooringClient(Objects.requireNonNull(options, "options"), listeners);
    }

    /** A connection with String keys and values, once there is a master (waits up to the startup wait). */
    public StatefulRedisConnection<String, String> connect() {
        return connect(StringCodec.UTF8);
    }

    /**
     * A connection with this codec, once there is a master.
     *
     * @throws NoMasterException when no master appears within the startup wait, or at once when discovery cannot
     *         work (Service not found, RBAC, DNS name unknown)
     * @throws CredentialsRejectedException at once when the master (or, while there is none, a pod) refuses the
     *         credentials of the {@code RedisURI}
     */
    public <K, V> StatefulRedisConnection<K, V> connect(RedisCodec<K, V> codec) {
        awaitMasterAcceptingCredentials();
        return redisClient.connect(codec, uri());
    }

    /** {@link #connect(RedisCodec)} without blocking. */
    public <K, V> CompletableFuture<StatefulRedisConnection<K, V>> connectAsync(RedisCodec<K, V> codec) {
        Duration wait = options.startupWait();
        return monitor.waiters()
                .whenMaster()
                .orTimeout(wait.toMillis(), TimeUnit.MILLISECONDS)
                .exceptionally(failure -> {
                    throw monitor.waiters().noMaster(monitor.topology(), wait);
                })
                .thenCompose(topology -> redisClient.connectAsync(codec, uri()).toCompletableFuture());
    }

    /** A pub/sub connection with String channels and messages; subscriptions follow the master. */
    public StatefulRedisPubSubConnection<String, String> connectPubSub() {
        return connectPubSub(StringCodec.UTF8);
    }

    public <K, V> StatefulRedisPubSubConnection<K, V> connectPubSub(RedisCodec<K, V> codec) {
        awaitMasterAcceptingCredentials();
        return redisClient.connectPubSub(codec, uri());
    }

    /** Waits for a master; a master that refuses the credentials would fail the connection's handshake: say why now. */
    private void awaitMasterAcceptingCredentials() {
        Topology topology = monitor.waiters().awaitMaster(options.startupWait());
        Optional<ProbeResult> refusal = topology.credentialsRefusal();
        if (refusal.isPresent()) {
            throw monitor.waiters().credentialsRejected(refusal.get(), "No connection was opened");
        }
    }

    /** The current topology: master, replicas, stale replicas, what each pod reported, from which source. */
    public Topology topology() {
        return monitor.topology();
    }

    /** Waits up to {@code timeout} for a master and returns the topology that has it. */
    public Topology awaitMaster(Duration timeout) {
        return monitor.waiters().awaitMaster(timeout);
    }

    /** Hears of master changes, split brains, stale replicas and discovery problems. */
    public void addListener(TopologyListener listener) {
        monitor.addListener(listener);
    }

    public void removeListener(TopologyListener listener) {
        monitor.removeListener(listener);
    }

    /**
     * Calls {@code observer} with every topology Mooring publishes (each probe round's, not only changes), on
     * Mooring's own thread, before listeners hear of a change: for gauges and histories that must not wait behind
     * slow listeners. It must not block.
     */
    public void observe(Consumer<Topology> observer) {
        monitor.observe(observer);
    }

    /** The healer (report or repair mode), or empty when it is off. */
    public Optional<Healer> healer() {
        return Optional.ofNullable(healer);
    }

    /** Hears of what the healer finds and does. */
    public void addHealerListener(HealerListener listener) {
        if (healer != null) {
            healer.addListener(listener);
        }
    }

    /** The resilience4j {@link Retry} used for failover rejections; its event publisher reports every retry. */
    public Retry retry() {
        return redisClient.retry();
    }

    /** The Lettuce client behind the connections, for frameworks that want a {@link io.lettuce.core.RedisClient}. */
    public MooringRedisClient redisClient() {
        return redisClient;
    }

    public MooringOptions options() {
        return options;
    }

    private RedisURI uri() {
        return options.redisUri();
    }

    /** Closes every connection, stops discovery and probing, and releases resources Mooring created. */
    public void shutdown() {
        try {
            if (healer != null) {
                healer.close();
            }
            redisClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        } finally {
            monitor.close();
            if (ownLeaseClient != null) {
                ownLeaseClient.close();
            }
            if (ownResources) {
                resources.shutdown(0, 2, TimeUnit.SECONDS);
            }
        }
    }

    @Override
    public void close() {
        shutdown();
    }

    @Override
    public String toString() {
        return "MooringClient[" + options.serviceRef() + ", " + monitor.topology() + "]";
    }
}
