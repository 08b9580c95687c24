package io.github.mooring.cluster;

import io.lettuce.core.protocol.CommandWrapper;
import io.lettuce.core.protocol.RedisCommand;
import java.util.List;

/**
 * An application's command to one slot, numbered in issue order, on its way through Lettuce's cluster writer. Lettuce
 * wraps it in its own {@code ClusterCommand} (which follows {@code MOVED} and {@code ASK}); its reply, or its failure,
 * reaches it only when Lettuce is done redirecting, and {@link ClusterOrder} decides what it means before the
 * application hears of it. Fields are guarded by the {@link ClusterOrder}'s lock.
 */
final class SlotCommand<K, V, T> extends CommandWrapper<K, V, T> {

    final ClusterOrder order;
    final long seq;
    final int slot;
    final long issuedAt = System.nanoTime();

    SlotRules.Place place = SlotRules.Place.ROUTING;
    /** The node connection it was last handed to, or parked at. */
    NodeGate node;
    /** What it rides in at that node connection (Lettuce drops it once retired). */
    NodeAttempt<?, ?, ?> attempt;
    /** Handed to a node connection that was connected: it may be on that node's wire. */
    boolean onWire;
    /** The commands to hand to {@link #node} once it may go: its {@code ASKING} and itself. */
    List<RedisCommand<?, ?, ?>> parkedUnit;
    /** The last refusal (or why it could not be routed), for the failure if it waits in vain. */
    String refusal;
    /** Answered to the application, or about to be: out of its slot's lane. */
    boolean settled;

    SlotCommand(RedisCommand<K, V, T> command, ClusterOrder order, long seq, int slot) {
        super(command);
        this.order = order;
        this.seq = seq;
        this.slot = slot;
    }

    /** Lettuce is done with it (redirects followed): {@link ClusterOrder#onReply} decides. */
    @Override
    public void complete() {
        order.onReply(this);
    }

    @Override
    public boolean completeExceptionally(Throwable failure) {
        return order.onFailure(this, failure);
    }

    @Override
    public void cancel() {
        order.onCancel(this);
    }

    void deliver() {
        super.complete();
    }

    boolean deliverFailure(Throwable failure) {
        return super.completeExceptionally(failure);
    }

    void deliverCancel() {
        super.cancel();
    }

    @Override
    public String toString() {
        return "SlotCommand[" + getType() + " #" + seq + " slot " + slot + " " + place + "]";
    }
}
