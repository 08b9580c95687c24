package io.github.mooring.cluster;

import io.lettuce.core.protocol.CommandWrapper;
import io.lettuce.core.protocol.RedisCommand;

/**
 * A command as handed to one node connection: Lettuce's {@code ClusterCommand} around a {@link SlotCommand}. Once
 * {@linkplain #retire() retired} (its node connection was lost and {@link ClusterOrder} decided its fate, or routes it
 * again) it reads as done and cancelled, so that Lettuce neither sends it again after a reconnect ({@code
 * DefaultEndpoint} flushes only commands that are not done) nor re-routes it when the connection closes ({@code
 * ClusterNodeEndpoint} skips cancelled ones), and nothing Lettuce does to it reaches the application any more.
 */
final class NodeAttempt<K, V, T> extends CommandWrapper<K, V, T> {

    private volatile boolean retired;

    NodeAttempt(RedisCommand<K, V, T> ride) {
        super(ride);
    }

    /** The command Lettuce routes (its {@code ClusterCommand}). */
    RedisCommand<K, V, T> ride() {
        return command;
    }

    void retire() {
        retired = true;
    }

    boolean retired() {
        return retired;
    }

    @Override
    public boolean isDone() {
        return retired || super.isDone();
    }

    @Override
    public boolean isCancelled() {
        return retired || super.isCancelled();
    }

    @Override
    public void complete() {
        if (!retired) {
            super.complete();
        }
    }

    @Override
    public boolean completeExceptionally(Throwable failure) {
        return !retired && super.completeExceptionally(failure);
    }

    @Override
    public void cancel() {
        if (!retired) {
            super.cancel();
        }
    }
}
