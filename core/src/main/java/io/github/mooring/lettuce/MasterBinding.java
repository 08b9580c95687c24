package io.github.mooring.lettuce;

import io.github.mooring.internal.probe.NodeClient;
import io.github.mooring.internal.topology.TopologyMonitor;
import io.github.mooring.topology.Topology;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisURI;
import io.lettuce.core.protocol.DefaultEndpoint;
import io.netty.channel.EventLoop;
import java.net.SocketAddress;
import java.util.concurrent.CompletableFuture;

/**
 * What Mooring knows about one Lettuce connection: the Lettuce endpoint to disconnect, the master address it was
 * last given, and whether its channel is up. Its {@link FailoverWriter} keeps the commands on their way through it.
 */
final class MasterBinding {

    final DefaultEndpoint endpoint;
    volatile RedisChannelHandler<?, ?> connection;
    volatile FailoverWriter writer;
    /** Leaving a demoted master: waiting for the replies to what is in flight before disconnecting. */
    volatile boolean draining;

    /** {@code host:port} the connection was last pointed at. */
    volatile String boundAddress;

    volatile boolean connected;
    /** Set when Mooring dropped the channel itself because the master moved: the next address needs no re-probe. */
    volatile boolean movedByMooring;

    volatile long disconnectedAtNanos;
    /** The event loop of the connection's current channel: where its writer releases held commands. */
    volatile EventLoop eventLoop;

    // Transactions: guarded by this (the writer's lock).
    Transaction openTransaction;
    Transaction abortedTransaction;

    private boolean firstAddressGiven;

    MasterBinding(DefaultEndpoint endpoint) {
        this.endpoint = endpoint;
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
        CompletableFuture<Topology> master =
                !reconnect || movedByMooring ? monitor.whenMaster() : monitor.whenFreshMaster(disconnectedAtNanos);
        return master.thenApply(topology -> {
            var node = topology.master().orElseThrow();
            boundAddress = node.address();
            movedByMooring = false;
            return NodeClient.socketAddress(node.endpoint(), uri);
        });
    }
}
