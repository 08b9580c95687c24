package io.github.mooring.lettuce;

import io.github.mooring.internal.probe.NodeClient;
import io.github.mooring.internal.topology.TopologyMonitor;
import io.github.mooring.lettuce.BindingRules.State;
import io.github.mooring.lettuce.BindingRules.Transition;
import io.github.mooring.lettuce.BindingRules.Verdict;
import io.github.mooring.topology.Topology;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisURI;
import io.lettuce.core.protocol.DefaultEndpoint;
import io.netty.channel.EventLoop;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * What Mooring knows about one Lettuce connection: the Lettuce endpoint to disconnect, the master address it was
 * last given, and where it stands towards that master ({@link BindingRules.State}). The state changes only through
 * {@link BindingRules}' transitions, under this object's lock (also the lock of its {@link FailoverWriter}, which
 * keeps the commands on their way through it); the caller carries out the transition's action.
 */
final class MasterBinding {

    final DefaultEndpoint endpoint;
    volatile RedisChannelHandler<?, ?> connection;
    volatile FailoverWriter writer;
    /** The event loop of the connection's current channel: where its writer releases held commands. */
    volatile EventLoop eventLoop;

    // Transactions: guarded by this (the writer's lock).
    Transaction openTransaction;
    Transaction abortedTransaction;

    private volatile State state = State.CONNECTING;
    /** {@code host:port} the connection was last pointed at. */
    private volatile String boundAddress;
    /** Set when Mooring dropped the channel itself because the master moved: the next address needs no re-probe. */
    private volatile boolean movedByMooring;

    private volatile long disconnectedAtNanos;
    /** When the bound node was first found not answering ({@link System#nanoTime()}); guarded by this. */
    private long stalledSinceNanos;

    private boolean firstAddressGiven;

    MasterBinding(DefaultEndpoint endpoint) {
        this.endpoint = endpoint;
    }

    State state() {
        return state;
    }

    String boundAddress() {
        return boundAddress;
    }

    /** Whether a channel is up (it may be on its way down after a cut). */
    boolean hasChannel() {
        State now = state;
        return now != State.CONNECTING;
    }

    /** Whether commands may go out on the channel now. */
    boolean acceptsWrites() {
        return state == State.BOUND;
    }

    /** Whether held commands wait for a master (bounded by the failover wait and the queue's size). */
    boolean waitsForMaster() {
        State now = state;
        return now == State.CONNECTING || now == State.STALLED;
    }

    /** The channel is up, to {@code address}. */
    synchronized Transition connected(String address, boolean masterElsewhere) {
        if (address != null) {
            boundAddress = address;
        }
        return enter(BindingRules.afterConnect(masterElsewhere), true);
    }

    /** The channel went down. */
    synchronized Transition lost() {
        disconnectedAtNanos = System.nanoTime();
        return enter(BindingRules.afterLoss(), false);
    }

    /**
     * A topology's verdict on the bound node.
     *
     * @param masterElected a master was elected (elsewhere): a cut moves the connection there without a fresh probe
     */
    synchronized Transition onTopology(
            Verdict verdict, boolean masterElected, boolean awaitingReplies, Duration stallTimeout, long nowNanos) {
        boolean stalled = state == State.STALLED;
        long since = stalled ? stalledSinceNanos : nowNanos;
        boolean tooLong = nowNanos - since >= stallTimeout.toNanos();
        Transition transition = BindingRules.afterTopology(state, verdict, awaitingReplies, tooLong);
        if (transition.next() == State.STALLED && !stalled) {
            stalledSinceNanos = nowNanos;
        }
        return enter(transition, masterElected);
    }

    /** How long the bound node has not answered, while stalled. */
    synchronized Duration stalledFor(long nowNanos) {
        return state == State.STALLED ? Duration.ofNanos(nowNanos - stalledSinceNanos) : Duration.ZERO;
    }

    /** A drain is over (nothing awaited, or its deadline passed). */
    synchronized Transition drainOver() {
        return enter(BindingRules.afterDrain(state), true);
    }

    /** The writer drops the channel itself (a transaction stands in the way of held commands). */
    synchronized void cutForTransaction() {
        enter(new Transition(State.CUT, BindingRules.Action.CUT), true);
    }

    private Transition enter(Transition transition, boolean moved) {
        state = transition.next();
        if (transition.action() == BindingRules.Action.CUT || transition.action() == BindingRules.Action.DRAIN) {
            movedByMooring = moved;
        }
        return transition;
    }

    /**
     * The address Lettuce should connect to now: the current master for the first connect, or a master from a
     * fresh probe round after the connection was lost (the topology from before the loss may name the dead pod).
     */
    CompletableFuture<SocketAddress> nextAddress(TopologyMonitor monitor, RedisURI uri) {
        boolean reconnect;
        synchronized (this) {
            reconnect = firstAddressGiven;
            firstAddressGiven = true;
        }
        CompletableFuture<Topology> master = !reconnect || movedByMooring
                ? monitor.waiters().whenMaster()
                : monitor.waiters().whenFreshMaster(disconnectedAtNanos);
        return master.thenApply(topology -> {
            var node = topology.master().orElseThrow();
            boundAddress = node.address();
            movedByMooring = false;
            return NodeClient.socketAddress(node.endpoint(), uri);
        });
    }

    @Override
    public String toString() {
        return "MasterBinding[" + boundAddress + ", " + state + "]";
    }
}
