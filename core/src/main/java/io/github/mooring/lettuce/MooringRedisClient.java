package io.github.mooring.lettuce;

import io.github.mooring.discovery.Endpoint;
import io.github.mooring.discovery.ServiceRef;
import io.github.mooring.exceptions.CommandFateUnknownException;
import io.github.mooring.exceptions.CredentialsRejectedException;
import io.github.mooring.internal.probe.NodeClient;
import io.github.mooring.internal.probe.ProbeFailure;
import io.github.mooring.internal.sentinel.SentinelView;
import io.github.mooring.internal.topology.TopologyMonitor;
import io.github.mooring.probe.ProbeResult;
import io.github.mooring.topology.NoMasterException;
import io.github.mooring.topology.Node;
import io.github.mooring.topology.Topology;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.lettuce.core.CommandListenerWriter;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisChannelWriter;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.StatefulRedisConnectionImpl;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.event.connection.ReconnectFailedEvent;
import io.lettuce.core.protocol.CommandExpiryWriter;
import io.lettuce.core.protocol.CommandHandler;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.DefaultEndpoint;
import io.lettuce.core.protocol.ProtocolKeyword;
import io.lettuce.core.protocol.PushHandler;
import io.lettuce.core.pubsub.PubSubEndpoint;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnectionImpl;
import io.lettuce.core.resource.ClientResources;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

/**
 * A Lettuce {@link RedisClient} whose connections always talk to the live master of a Service, whatever host and
 * port the {@link RedisURI} they are opened with names (its credentials, TLS, database and timeouts apply).
 * <p>
 * It uses the hooks Lettuce documents for subclasses: {@link #getSocketAddress(RedisURI)} gives every connect and
 * reconnect the address of the current master, and {@link #newStatefulRedisConnection} puts a writer in front of
 * Lettuce's own that keeps each connection's commands in the order they were issued, retries failover rejections in
 * their place, and refuses to send a command twice when its fate is unknown.
 * When the master changes, connections bound to the old one are disconnected at once so that Lettuce's watchdog
 * reconnects now, to the new master, instead of after a timeout.
 * <p>
 * Applications normally get one from {@link io.github.mooring.MooringClient}; frameworks that need a
 * {@link RedisClient} (Spring Data Redis) use it directly.
 */
public final class MooringRedisClient extends RedisClient {

    private static final Logger log = LoggerFactory.getLogger(MooringRedisClient.class);

    /**
     * The connection being created on this thread: Lettuce calls {@link #newStatefulRedisConnection} and then
     * {@link #getSocketAddress} for the same connection, on the caller's thread, one right after the other, and the
     * latter receives no reference to the connection. Covered by the tests that follow a master across reconnects.
     */
    private static final ThreadLocal<MasterBinding> CREATING = new ThreadLocal<>();

    private final TopologyMonitor monitor;
    private final FailoverSettings failover;
    private final CommandSafety safety;
    private final Retry retry;
    private final Map<RedisChannelHandler<?, ?>, MasterBinding> bindings = new ConcurrentHashMap<>();
    /** The refusal of Mooring's credentials that stands between writers and the master, or null. */
    private volatile ProbeResult credentialsRefusal;

    private volatile boolean closing;
    private final Disposable refusedReconnects;

    /**
     * Built by {@code MooringClient}, which owns the monitor; applications take it from
     * {@code MooringClient.redisClient()}.
     *
     * @param resources shared Lettuce resources (not shut down by this client)
     * @param uriTemplate credentials, TLS, database, client name and timeout for {@link #connect()} without a URI;
     *        its host is kept for TLS (SNI and hostname verification), its port is ignored
     * @param monitor the topology of the Service to follow
     * @param failover how connections behave during a failover
     * @param retryName name of the resilience4j {@link Retry} (its events tell what was retried)
     */
    public MooringRedisClient(
            ClientResources resources,
            RedisURI uriTemplate,
            TopologyMonitor monitor,
            FailoverSettings failover,
            String retryName) {
        super(Objects.requireNonNull(resources, "resources"), Objects.requireNonNull(uriTemplate, "uriTemplate"));
        this.monitor = Objects.requireNonNull(monitor, "monitor");
        this.failover = Objects.requireNonNull(failover, "failover");
        this.safety = new CommandSafety(failover.idempotentCommands());
        this.retry = Retry.of(retryName, failover.retry() != null ? failover.retry() : RetryConfig.ofDefaults());
        addListener(new ConnectionStates());
        monitor.observe(this::onTopology);
        monitor.sentinels().addListener(this::onSentinels);
        // Lettuce's watchdog reports a reconnect refused in the handshake (AUTH) on the event bus only.
        this.refusedReconnects = resources
                .eventBus()
                .get()
                .filter(ReconnectFailedEvent.class::isInstance)
                .cast(ReconnectFailedEvent.class)
                .filter(failed -> ProbeFailure.of(failed.getCause()).kind() == ProbeFailure.Kind.CREDENTIALS_REJECTED)
                .subscribe(this::onReconnectRefused);
    }

    /** A reconnect of one of this client's connections was refused for its credentials: let the probe find out. */
    private void onReconnectRefused(ReconnectFailedEvent failed) {
        if (failed.remoteAddress() instanceof InetSocketAddress inet && inet.getAddress() != null) {
            String address = Endpoint.address(inet);
            if (bindings.values().stream().anyMatch(binding -> address.equals(binding.boundAddress()))) {
                monitor.credentialsRefusedOnConnect(address);
            }
        }
    }

    /** The resilience4j {@link Retry} behind failover retries: subscribe to its event publisher to observe them. */
    public Retry retry() {
        return retry;
    }

    /** The monitor whose topology this client follows (the engine's: applications use {@code MooringClient}). */
    TopologyMonitor monitor() {
        return monitor;
    }

    FailoverSettings failover() {
        return failover;
    }

    ServiceRef service() {
        return monitor.service();
    }

    /**
     * How long a command written to the master may wait for its reply before the connection suspects the master
     * ({@link OverdueRules}): the probe timeout, the bar a probe holds the same node to. A round then runs at once,
     * and finds the node not answering after at most one more probe timeout.
     */
    Duration overdueReplyAfter() {
        return monitor.probeTimeout();
    }

    // ---------------------------------------------------------------- Lettuce hooks

    @Override
    protected <K, V> StatefulRedisConnectionImpl<K, V> newStatefulRedisConnection(
            RedisChannelWriter channelWriter, PushHandler pushHandler, RedisCodec<K, V> codec, Duration timeout) {
        MasterBinding binding = new MasterBinding(endpointOf(pushHandler));
        StatefulRedisConnectionImpl<K, V> connection = super.newStatefulRedisConnection(
                new FailoverWriter(channelWriter, binding, this), pushHandler, codec, timeout);
        passTimeoutOn(channelWriter, timeout);
        register(binding, connection);
        return connection;
    }

    @Override
    protected <K, V> StatefulRedisPubSubConnectionImpl<K, V> newStatefulRedisPubSubConnection(
            PubSubEndpoint<K, V> endpoint, RedisChannelWriter channelWriter, RedisCodec<K, V> codec, Duration timeout) {
        MasterBinding binding = new MasterBinding(endpoint);
        StatefulRedisPubSubConnectionImpl<K, V> connection = super.newStatefulRedisPubSubConnection(
                endpoint, new FailoverWriter(channelWriter, binding, this), codec, timeout);
        passTimeoutOn(channelWriter, timeout);
        register(binding, connection);
        return connection;
    }

    /**
     * Gives Lettuce's command timer the connection's timeout. {@code RedisChannelHandler.setTimeout} hands it to a
     * {@link CommandExpiryWriter} only when that is the connection's writer (or right behind a
     * {@link CommandListenerWriter}); behind the {@link FailoverWriter} it never arrives, and asynchronous commands
     * would never time out. {@code MasterStallIT} (a written command that times out) fails if this stops working.
     */
    private static void passTimeoutOn(RedisChannelWriter writer, Duration timeout) {
        RedisChannelWriter inner = writer instanceof CommandListenerWriter listener ? listener.getDelegate() : writer;
        if (inner instanceof CommandExpiryWriter expiry && timeout != null) {
            expiry.setTimeout(timeout);
        }
    }

    @Override
    protected Mono<SocketAddress> getSocketAddress(RedisURI redisURI) {
        MasterBinding binding = CREATING.get();
        CREATING.remove();
        if (binding == null) {
            // Not a connection of ours (e.g. a Sentinel connection): the current master, once there is one.
            return Mono.defer(() -> Mono.fromFuture(monitor.waiters().whenMaster())
                    .map(topology -> (SocketAddress) NodeClient.socketAddress(
                            topology.master().orElseThrow().endpoint(), redisURI)));
        }
        // Subscribed again by Lettuce's watchdog on every reconnect.
        return Mono.defer(() -> Mono.fromFuture(binding.nextAddress(monitor, redisURI)))
                // While shutting down, a pending reconnect just never happens (no warning about a closed monitor).
                .onErrorResume(failure -> closing ? Mono.never() : Mono.error(failure));
    }

    @Override
    public CompletableFuture<Void> shutdownAsync(long quietPeriod, long timeout, TimeUnit timeUnit) {
        closing = true;
        refusedReconnects.dispose();
        return super.shutdownAsync(quietPeriod, timeout, timeUnit);
    }

    private static DefaultEndpoint endpointOf(PushHandler pushHandler) {
        if (pushHandler instanceof DefaultEndpoint endpoint) {
            return endpoint;
        }
        throw new IllegalStateException(
                "Lettuce passed a " + pushHandler.getClass().getName()
                        + " where Mooring expects its DefaultEndpoint; this Lettuce version is not supported");
    }

    private void register(MasterBinding binding, RedisChannelHandler<?, ?> connection) {
        binding.connection = connection;
        bindings.put(connection, binding);
        CREATING.set(binding);
    }

    /** What Mooring knows about {@code connection}, or null: for tests of this package. */
    MasterBinding bindingOf(RedisChannelHandler<?, ?> connection) {
        return bindings.get(connection);
    }

    void forget(MasterBinding binding) {
        if (binding.connection != null) {
            bindings.remove(binding.connection);
        }
    }

    // ---------------------------------------------------------------- following the master

    /**
     * On the monitor's thread, for every topology: each connection's binding takes the topology's verdict on its node
     * ({@link BindingRules}): a node that stopped answering holds new commands, one that answers again releases them,
     * and connections are cut from a node that is no longer the master or has stalled for {@code masterStallTimeout}.
     */
    private void onTopology(Topology topology) {
        // Refused credentials are not "unreachable" (Topology.unreachable() never lists them): they cut no connection.
        ProbeResult refusal = topology.credentialsRefusal().orElse(null);
        credentialsRefusal = refusal;
        if (refusal != null) {
            for (MasterBinding binding : bindings.values()) {
                if (!binding.hasChannel() && binding.writer != null) {
                    binding.writer.failHeldForCredentials();
                }
            }
        }
        if (dataAtRiskRefusal(topology, CommandType.PING) != null) {
            for (MasterBinding binding : bindings.values()) {
                if (!binding.hasChannel() && binding.writer != null) {
                    binding.writer.failHeldForDataAtRisk(topology);
                }
            }
        }
        boolean masterElected = topology.hasMaster();
        long now = System.nanoTime();
        Set<String> announced = new HashSet<>();
        for (MasterBinding binding : bindings.values()) {
            String bound = binding.boundAddress();
            if (bound == null || !binding.hasChannel()) {
                continue;
            }
            BindingRules.Judgement judgement = BindingRules.judge(topology, bound);
            Duration stalledFor = binding.stalledFor(now);
            BindingRules.Transition transition = binding.onTopology(
                    judgement.verdict(),
                    masterElected,
                    binding.writer.awaitingReplies(),
                    failover.masterStallTimeout(),
                    now);
            String why = transition.action() == BindingRules.Action.CUT
                            && judgement.verdict() == BindingRules.Verdict.NOT_ANSWERING
                    ? "it has not answered for " + stalledFor.toMillis() + " ms (masterStallTimeout "
                            + failover.masterStallTimeout().toMillis() + " ms) and no other master is elected"
                    : judgement.why();
            carryOut(binding, transition, bound, why, announced.add(transition.action() + " " + bound));
        }
    }

    /** Carries out a binding's transition; {@code first}: the first of this kind for this node in this topology. */
    private void carryOut(
            MasterBinding binding, BindingRules.Transition transition, String bound, String why, boolean first) {
        switch (transition.action()) {
            case NONE -> {}
            case HOLD -> {
                if (first) {
                    log.info(
                            "{}: the master {} stopped answering ({}) and no other master is elected: new commands wait"
                                    + " for it, in order, up to the failover wait ({} ms); its connections are cut after"
                                    + " {} ms (masterStallTimeout)",
                            service(),
                            bound,
                            why,
                            failover.failoverWait().toMillis(),
                            failover.masterStallTimeout().toMillis());
                }
                binding.writer.holdWhileStalled();
            }
            case RELEASE -> {
                if (first) {
                    log.info(
                            "{}: the master {} answers again; the commands that waited for it go out",
                            service(),
                            bound);
                }
                binding.writer.release();
            }
            case DRAIN -> {
                // A demoted master answers what is in flight (READONLY, which is retried, or the result): let those
                // replies arrive instead of cutting them off and reporting their fate as unknown.
                log.info(
                        "{}: moving a connection off {}: {}; letting the commands in flight finish first",
                        service(),
                        bound,
                        why);
                binding.writer.beginDrain();
                drainThenDisconnect(binding, System.nanoTime() + DRAIN_TIMEOUT.toNanos());
            }
            case CUT -> {
                log.info("{}: moving a connection off {}: {}", service(), bound, why);
                binding.endpoint.disconnect();
            }
        }
    }

    /** The most a demoted master's connection waits for replies before it is cut. */
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(1);

    private void drainThenDisconnect(MasterBinding binding, long deadlineNanos) {
        getResources()
                .eventExecutorGroup()
                .schedule(
                        () -> {
                            if (binding.state() != BindingRules.State.DRAINING) {
                                return;
                            }
                            if (!binding.writer.awaitingReplies() || System.nanoTime() - deadlineNanos > 0) {
                                carryOut(
                                        binding,
                                        binding.drainOver(),
                                        binding.boundAddress(),
                                        "the replies in flight arrived, or the drain's bound passed",
                                        false);
                            } else {
                                drainThenDisconnect(binding, deadlineNanos);
                            }
                        },
                        5,
                        TimeUnit.MILLISECONDS);
    }

    /** The connection's channel went down: settle the fate of what was in flight, before Lettuce re-sends it. */
    private void onDisconnected(MasterBinding binding) {
        binding.lost();
        String node = binding.boundAddress();
        log.debug("{}: connection to {} lost: {}", service(), node, binding.writer);
        binding.writer.onConnectionLost(node);
        monitor.suspect("connection to " + node + " lost");
    }

    /**
     * The event loop of the binding's channel, found among the client's channels ({@code AbstractRedisClient.channels},
     * to which Lettuce's {@code ChannelGroupListener} adds every channel as it becomes active) by the endpoint its
     * {@code CommandHandler} serves. Null if Lettuce stops keeping channels there; {@code OrderThroughRejectionsIT}
     * fails then.
     */
    EventLoop eventLoopOf(MasterBinding binding) {
        for (Channel channel : channels) {
            CommandHandler handler = channel.pipeline().get(CommandHandler.class);
            if (handler != null && handler.getEndpoint() == binding.endpoint && channel.isActive()) {
                return channel.eventLoop();
            }
        }
        log.warn(
                "{}: no channel found for a connection: Lettuce no longer lists it among the client's channels; held"
                        + " commands are released from whichever thread releases them",
                service());
        return null;
    }

    /** Whether the topology names a master other than {@code address}: a connection bound there is being moved. */
    // ---------------------------------------------------------------- Sentinel failovers

    /** When the hold for a Sentinel failover ends at the latest ({@link System#nanoTime()}), or 0 while none runs. */
    private volatile long sentinelHoldDeadline;

    /** Sentinels are failing the master over: hold new writes until they switch, abort, or the bound passes. */
    private void onSentinels(SentinelView view, boolean moved) {
        Duration bound = monitor.sentinels().failoverHold();
        if (view.failoverInProgress() && sentinelHoldDeadline == 0 && !bound.isZero()) {
            long deadline = (System.nanoTime() + bound.toNanos()) | 1; // never 0
            sentinelHoldDeadline = deadline;
            log.info(
                    "{}: Sentinel is failing over {} ({}): new writes wait up to {} for the new master",
                    service(),
                    view.master(),
                    view.failover(),
                    bound);
            for (MasterBinding binding : bindings.values()) {
                if (view.master().equals(binding.boundAddress())) {
                    binding.writer.holdForSentinel();
                }
            }
            getResources()
                    .eventExecutorGroup()
                    .schedule(
                            () -> endSentinelHold(deadline, "the hold's bound (" + bound + ") passed"),
                            bound.toNanos(),
                            TimeUnit.NANOSECONDS);
        } else if (!view.failoverInProgress() && sentinelHoldDeadline != 0) {
            endSentinelHold(
                    sentinelHoldDeadline,
                    moved ? "Sentinel switched to " + view.master() : "the failover ended without a switch");
        } else if (moved) {
            // Writes held on a connection because the Sentinels named another pod (sentinelsHold) may go now: e.g. the
            // probes found the promoted replica before the Sentinels named it, and no failover hold ran (none heard).
            bindings.values().forEach(binding -> binding.writer.release());
        }
    }

    private void endSentinelHold(long deadline, String why) {
        if (sentinelHoldDeadline != deadline) {
            return; // that hold is over already
        }
        sentinelHoldDeadline = 0;
        log.info("{}: writes held for a Sentinel failover go out: {}", service(), why);
        bindings.values().forEach(binding -> binding.writer.release());
    }

    /**
     * Whether the Sentinels say writes must not go to {@code address} now: they name another pod of the group as
     * master (the round that moves the connection is under way, or an old master is back at its IP), or they are
     * failing it over and the hold's bound has not passed.
     */
    boolean sentinelsHold(String address) {
        long deadline = sentinelHoldDeadline;
        List<String> probed = monitor.topology().reports().stream()
                .map(r -> r.endpoint().address())
                .toList();
        return monitor.sentinels()
                        .view()
                        .holdsWritesTo(address, probed, deadline != 0 && System.nanoTime() - deadline < 0)
                != null;
    }

    boolean masterIsElsewhere(String address) {
        return monitor.topology()
                .master()
                .map(master -> !master.address().equals(address))
                .orElse(false);
    }

    boolean mayResend(ProtocolKeyword type) {
        return safety.mayResend(type);
    }

    /**
     * The failure for a command written to a connection that was lost before its reply. {@code loss} is the cause
     * shared by every command of that loss; {@code unanswered}: how many were written and unanswered then.
     */
    CommandFateUnknownException fateUnknown(
            FailoverCommand<?, ?, ?> command, String node, String what, int unanswered, Throwable loss) {
        CommandFateUnknownException exception = new CommandFateUnknownException(
                command.getType().toString(),
                node,
                command.getType() + " was sent to " + node + " (master of " + service() + "), which went away before"
                        + " answering: " + what + " may or may not have been applied (one of " + unanswered
                        + " commands of the connection written and unanswered then). Mooring does not send it again"
                        + " (it is not read-only or marked idempotent); read the data back or repeat it if that is safe",
                unanswered);
        exception.initCause(loss);
        return exception;
    }

    /** The failure for a command written to the master that got no reply within its Lettuce timeout. */
    CommandFateUnknownException fateUnknownAfterTimeout(FailoverCommand<?, ?, ?> command, Throwable timeout) {
        String node = command.writtenTo();
        CommandFateUnknownException exception = new CommandFateUnknownException(
                command.getType().toString(),
                node,
                command.getType() + " was sent to " + node + " (master of " + service() + "), which did not answer"
                        + " within the command's timeout (" + timeout.getMessage() + "): it may or may not have been"
                        + " applied, and may still be. Read the data back, or repeat it if that is safe; a longer"
                        + " command timeout (RedisURI) rides out longer stalls");
        exception.initCause(timeout);
        return exception;
    }

    /** The failure for a command that waited the whole failover wait for a master. */
    NoMasterException noMasterFor(FailoverCommand<?, ?, ?> command) {
        Topology topology = monitor.topology();
        NoMasterException cause = monitor.waiters().noMaster(topology, failover.failoverWait());
        return new NoMasterException(
                command.getType() + " waited " + failover.failoverWait().toMillis()
                        + " ms (the failover wait) and was never sent: " + cause.getMessage(),
                topology,
                cause.getCause());
    }

    /** The refusal of Mooring's credentials that stands between writers and the master, or null. */
    /**
     * The failure for {@code command} while {@code topology} withholds its master for data at risk and the
     * {@code onDataAtRisk} policy fails writes, or null.
     */
    RuntimeException dataAtRiskRefusal(Topology topology, ProtocolKeyword command) {
        return monitor.dataAtRisk().refusal(topology, command + " was not sent").orElse(null);
    }

    Topology topology() {
        return monitor.topology();
    }

    ProbeResult credentialsRefusal() {
        return credentialsRefusal;
    }

    /** The failure for a command that needed a new connection to a pod that refuses the credentials. */
    CredentialsRejectedException credentialsRejected(ProbeResult refusal, ProtocolKeyword command) {
        return monitor.waiters().credentialsRejected(refusal, command + " was not sent");
    }

    String noMasterSummary() {
        return monitor.topology()
                .noMasterReason()
                .map(reason -> "No master: " + reason)
                .orElse("");
    }

    private final class ConnectionStates implements RedisConnectionStateListener {
        @Override
        public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress socketAddress) {
            MasterBinding binding = bindings.get(connection);
            if (binding != null) {
                String address = socketAddress instanceof InetSocketAddress inet
                        ? Endpoint.address(inet) // the form the topology's addresses have
                        : binding.boundAddress();
                // The master may have moved while this connection was being opened: the topology change that said
                // so found it not yet connected and left it alone.
                String master = monitor.topology().master().map(Node::address).orElse(null);
                boolean masterElsewhere = master != null && !master.equals(address);
                if (binding.connected(address, masterElsewhere).action() == BindingRules.Action.CUT) {
                    log.info(
                            "{}: a connection reached {} after the master moved to {}; moving it",
                            service(),
                            address,
                            master);
                    binding.endpoint.disconnect();
                } else {
                    binding.eventLoop = eventLoopOf(binding);
                    binding.writer.onConnected();
                }
            }
        }

        @Override
        public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
            MasterBinding binding = bindings.get(connection);
            if (binding != null) {
                onDisconnected(binding);
            }
        }
    }

    @Override
    public String toString() {
        return "MooringRedisClient[" + service() + ", " + bindings.size() + " connection(s)]";
    }
}
