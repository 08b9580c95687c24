package io.github.mooring.cluster;

import io.github.mooring.internal.lettuce.Lettuce6Reset;
import io.lettuce.core.RedisChannelWriter;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.CommandWrapper;
import io.lettuce.core.protocol.ConnectionFacade;
import io.lettuce.core.protocol.RedisCommand;
import io.lettuce.core.resource.ClientResources;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The outermost writer of one cluster node connection. Lettuce's cluster writer hands it each command routed to the
 * node, first or after a {@code MOVED}/{@code ASK} redirect; it asks the command's {@link ClusterOrder} whether the
 * command may go now (every earlier command of its slot already handed to this connection), else parks it there until
 * it may; a command Lettuce routed to the node its slot's last {@code MOVED} came from goes where that redirect went.
 * Each command goes to Lettuce's node writer in a {@link NodeAttempt}, which the loss of the connection can
 * retire. {@link MooringClusterClient}'s connection listener tells it when its connection comes and goes.
 */
final class NodeGate implements RedisChannelWriter {

    private final RedisChannelWriter delegate;
    /** Whether what it hands on now may reach the node's wire (true until a loss says otherwise). */
    volatile boolean connected = true;
    /** The node's address as last connected, for failures. */
    volatile String address = "a cluster node";
    /** How often its connection was lost (ClusterHooksIT: Lettuce tells the client's listeners). */
    volatile int losses;
    /** The cluster connection whose commands it carries (all of one), once it carried one. */
    private volatile ClusterOrder order;

    NodeGate(RedisChannelWriter delegate) {
        this.delegate = delegate;
    }

    @Override
    public <K, V, T> RedisCommand<K, V, T> write(RedisCommand<K, V, T> command) {
        route(List.of(command));
        return command;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <K, V> Collection<RedisCommand<K, V, ?>> write(Collection<? extends RedisCommand<K, V, ?>> commands) {
        route(new ArrayList<>(commands));
        return (Collection<RedisCommand<K, V, ?>>) commands;
    }

    /** Units are a command, or an {@code ASKING} with the command it prefixes (they go, or wait, together). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private void route(List<? extends RedisCommand<?, ?, ?>> commands) {
        List<RedisCommand<?, ?, ?>> toSend = new ArrayList<>(commands.size());
        List<SlotCommand<?, ?, ?>> handed = new ArrayList<>(commands.size());
        for (int i = 0; i < commands.size(); i++) {
            RedisCommand<?, ?, ?> first = commands.get(i);
            boolean asking = first.getType() == CommandType.ASKING && i + 1 < commands.size();
            RedisCommand<?, ?, ?> command = asking ? commands.get(++i) : first;
            SlotCommand<?, ?, ?> slotCommand = CommandWrapper.unwrap((RedisCommand) command, SlotCommand.class);
            if (slotCommand == null) {
                if (asking) {
                    toSend.add(first);
                }
                toSend.add(command); // keyless, or not an application's command (topology refresh)
                continue;
            }
            // Lettuce re-routes what a closed node connection buffered: the same command, in a new ClusterCommand.
            NodeAttempt<?, ?, ?> earlier = CommandWrapper.unwrap((RedisCommand) command, NodeAttempt.class);
            RedisCommand ride = command;
            if (earlier != null) {
                earlier.retire();
                ride = earlier.ride();
            }
            NodeGate destination = slotCommand.order.destination(slotCommand, this, asking, earlier != null);
            if (destination != this) {
                destination.write(ride); // its slot's last MOVED went there: follow it at once
                continue;
            }
            NodeAttempt<?, ?, ?> attempt = new NodeAttempt<>(ride);
            List<RedisCommand<?, ?, ?>> unit = asking ? List.of(first, attempt) : List.of(attempt);
            order = slotCommand.order;
            if (slotCommand.order.arrive(slotCommand, this, attempt, unit)) {
                toSend.addAll(unit);
                handed.add(slotCommand);
            }
        }
        if (toSend.size() == 1) {
            delegate.write((RedisCommand) toSend.get(0));
        } else if (!toSend.isEmpty()) {
            delegate.write((Collection) toSend);
        }
        for (SlotCommand<?, ?, ?> slotCommand : handed) {
            slotCommand.order.handed(slotCommand);
        }
    }

    /** Hands a parked unit on, its turn come (no questions asked: {@link ClusterOrder} decided). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    void pass(List<RedisCommand<?, ?, ?>> unit) {
        if (unit.size() == 1) {
            delegate.write((RedisCommand) unit.get(0));
        } else {
            delegate.write((Collection) unit);
        }
    }

    /** The node connection is up (again), at {@code address}. */
    void onConnected(String address) {
        this.address = address;
        connected = true;
        ClusterOrder current = order;
        if (current != null) {
            current.nodeConnected(this);
        }
    }

    /**
     * The node connection went down: on its event loop, after Lettuce moved what was on the wire back to its buffer
     * and before it reconnects (the same Lettuce facts {@code FailoverWriter} relies on).
     */
    void onLost() {
        connected = false;
        losses++;
        ClusterOrder current = order;
        if (current != null) {
            current.nodeLost(this);
        }
    }

    /**
     * Lettuce 6.x's {@code RedisChannelWriter#reset()} (removed in Lettuce 7, hence no {@code @Override}): the
     * deprecated {@code StatefulConnection.reset()} calls it on this writer, which passes it on to Lettuce's own.
     */
    public void reset() {
        Lettuce6Reset.reset(delegate);
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public CompletableFuture<Void> closeAsync() {
        return delegate.closeAsync();
    }

    @Override
    public void setConnectionFacade(ConnectionFacade connection) {
        delegate.setConnectionFacade(connection);
    }

    @Override
    public void setAutoFlushCommands(boolean autoFlush) {
        delegate.setAutoFlushCommands(autoFlush);
    }

    @Override
    public void flushCommands() {
        delegate.flushCommands();
    }

    @Override
    public ClientResources getClientResources() {
        return delegate.getClientResources();
    }

    @Override
    public String toString() {
        return "NodeGate[" + address + (connected ? "" : ", down") + "]";
    }
}
