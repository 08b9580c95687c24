package io.github.mooring.cluster;

import io.lettuce.core.RedisChannelWriter;
import io.lettuce.core.cluster.ClusterPushHandler;
import io.lettuce.core.cluster.StatefulRedisClusterConnectionImpl;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.json.JsonParser;
import io.lettuce.core.protocol.RedisCommand;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Lettuce's cluster connection, with each command numbered in its slot by a {@link ClusterOrder} before Lettuce's
 * cluster writer routes it. The hook is the connection's {@code dispatch}, not a writer in front of Lettuce's: Lettuce
 * casts the connection's writer to its own {@code ClusterDistributionChannelWriter} (6.8 and 7.x), so nothing may
 * stand in front of it. {@code ClusterHooksTest} fails if {@code dispatch} stops being overridable, {@code
 * ClusterHooksIT} if commands stop passing through it.
 */
final class OrderedClusterConnection<K, V> extends StatefulRedisClusterConnectionImpl<K, V> {

    final ClusterOrder order;

    OrderedClusterConnection(
            RedisChannelWriter writer,
            ClusterPushHandler pushHandler,
            RedisCodec<K, V> codec,
            Duration timeout,
            Supplier<JsonParser> parser,
            MooringClusterClient client) {
        super(writer, pushHandler, codec, timeout, parser);
        this.order = new ClusterOrder(writer, client);
    }

    @Override
    public <T> RedisCommand<K, V, T> dispatch(RedisCommand<K, V, T> command) {
        RedisCommand<K, V, T> admitted = order.admit(command);
        if (admitted == null) {
            return command; // failed, not queued: too many commands wait (maxQueuedCommands)
        }
        if (admitted == command) {
            return super.dispatch(command);
        }
        try {
            return super.dispatch(admitted);
        } catch (RuntimeException notRouted) {
            // Lettuce may refuse it by throwing (no master known for its slot): it waits in its lane instead
            admitted.completeExceptionally(notRouted);
            return admitted;
        }
    }

    @Override
    public Collection<RedisCommand<K, V, ?>> dispatch(Collection<? extends RedisCommand<K, V, ?>> commands) {
        List<RedisCommand<K, V, ?>> admitted = order.admitAll(commands);
        try {
            return super.dispatch(admitted);
        } catch (RuntimeException notRouted) {
            admitted.forEach(command -> command.completeExceptionally(notRouted));
            return admitted;
        }
    }

    /** Closed: what still waits or is parked in Mooring's hands is cancelled, as Lettuce cancels what it buffers. */
    @Override
    public void close() {
        super.close();
        order.cancelAll();
    }

    @Override
    public CompletableFuture<Void> closeAsync() {
        return super.closeAsync().whenComplete((ignored, failure) -> order.cancelAll());
    }
}
