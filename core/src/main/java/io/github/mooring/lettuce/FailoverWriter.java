package io.github.mooring.lettuce;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.github.mooring.FailoverQueueFullException;
import io.github.mooring.TransactionAbortedException;
import io.github.resilience4j.retry.Retry;
import io.lettuce.core.RedisChannelWriter;
import io.lettuce.core.protocol.ConnectionFacade;
import io.lettuce.core.protocol.RedisCommand;
import io.lettuce.core.resource.ClientResources;
import io.netty.util.Timeout;

/**
 * The outermost {@link RedisChannelWriter} of a Mooring connection: wraps every command in a
 * {@link FailoverCommand}, keeps track of the ones in flight and of open transactions, and bounds how many may wait
 * for a master. Everything else is Lettuce's own writer chain underneath.
 */
final class FailoverWriter implements RedisChannelWriter {

    private final RedisChannelWriter delegate;
    private final MasterBinding binding;
    private final MooringRedisClient client;
    private final java.util.Queue<RedisCommand<?, ?, ?>> held = new java.util.concurrent.ConcurrentLinkedQueue<>();

    FailoverWriter(RedisChannelWriter delegate, MasterBinding binding, MooringRedisClient client) {
        this.delegate = delegate;
        this.binding = binding;
        this.client = client;
        binding.writer = this;
    }

    MasterBinding binding() {
        return binding;
    }

    @Override
    public <K, V, T> RedisCommand<K, V, T> write(RedisCommand<K, V, T> command) {
        FailoverCommand<K, V, T> wrapped = admit(command);
        if (wrapped == null) {
            return command;
        }
        return send(wrapped);
    }

    @Override
    public <K, V> Collection<RedisCommand<K, V, ?>> write(Collection<? extends RedisCommand<K, V, ?>> commands) {
        List<RedisCommand<K, V, ?>> admitted = new ArrayList<>(commands.size());
        for (RedisCommand<K, V, ?> command : commands) {
            FailoverCommand<K, V, ?> wrapped = admit(command);
            if (wrapped != null) {
                admitted.add(wrapped);
            }
        }
        if (admitted.isEmpty()) {
            return List.of();
        }
        if (binding.draining) {
            admitted.forEach(this::send);
            return admitted;
        }
        return delegate.write(admitted);
    }

    /**
     * Writes a command, or holds it while the connection drains off a demoted master (its replies to what is already
     * in flight are on their way; new commands belong on the next master).
     */
    private <K, V, T> RedisCommand<K, V, T> send(RedisCommand<K, V, T> command) {
        if (!binding.draining) {
            return delegate.write(command);
        }
        held.add(command);
        if (!binding.draining) {
            releaseHeld(); // the drain ended while this one was being held
        }
        return command;
    }

    /** Hands held commands to Lettuce, which buffers them until the connection to the next master is up. */
    void releaseHeld() {
        RedisCommand<?, ?, ?> command;
        while ((command = held.poll()) != null) {
            if (!command.isDone()) {
                delegate.write(command);
            }
        }
    }

    /** Wraps and tracks a command, or fails it and returns null. */
    private <K, V, T> FailoverCommand<K, V, T> admit(RedisCommand<K, V, T> command) {
        if (command instanceof FailoverCommand<K, V, T> again) {
            return again; // a retry of our own
        }
        Transaction transaction;
        synchronized (binding) {
            boolean begins = CommandSafety.is(command.getType(), "MULTI");
            boolean ends = CommandSafety.is(command.getType(), "EXEC") || CommandSafety.is(command.getType(), "DISCARD");
            Transaction aborted = binding.abortedTransaction;
            if (aborted != null && !begins) {
                if (ends) {
                    binding.abortedTransaction = null;
                }
                command.completeExceptionally(new TransactionAbortedException("the connection to the master of "
                        + client.service() + " was lost in the middle of a MULTI transaction; Redis discarded it and"
                        + " none of its commands was applied: run the transaction again"));
                return null;
            }
            if (!binding.connected && binding.inFlight.size() >= client.failover().maxQueuedCommands()) {
                command.completeExceptionally(new FailoverQueueFullException(client.failover().maxQueuedCommands()
                        + " commands already wait for a master of " + client.service() + "; " + command.getType()
                        + " was not queued. " + client.noMasterSummary()));
                return null;
            }
            transaction = binding.openTransaction;
            FailoverCommand<K, V, T> wrapped = new FailoverCommand<>(command, this);
            if (begins) {
                wrapped.transaction = new Transaction(wrapped);
                binding.openTransaction = wrapped.transaction;
                binding.abortedTransaction = null;
            } else if (transaction != null) {
                wrapped.transaction = transaction;
                if (ends) {
                    transaction.end = wrapped;
                    binding.openTransaction = null;
                } else {
                    transaction.members.add(wrapped);
                }
            }
            binding.inFlight.add(wrapped);
            if (!binding.connected) {
                wrapped.startFailoverClock();
            }
            return wrapped;
        }
    }

    boolean mayResend(io.lettuce.core.protocol.ProtocolKeyword type) {
        return client.mayResend(type);
    }

    RuntimeException fateUnknown(FailoverCommand<?, ?, ?> command, Throwable cause) {
        return client.fateUnknown(command, command.writtenTo(), command.getType().toString(), cause);
    }

    /** Sends a command again through this connection: Lettuce buffers it until the channel is up. */
    void resendNow(FailoverCommand<?, ?, ?> command) {
        send(command);
    }

    boolean retries() {
        return client.failover().retry() != null;
    }

    Retry.AsyncContext<Object> newRetryContext() {
        return client.retry().asyncContext();
    }

    void suspect(String why) {
        client.monitor().suspect(why);
    }

    /** Sends a rejected command again after {@code delayMillis}, through the same connection. */
    void resendLater(FailoverCommand<?, ?, ?> command, long delayMillis) {
        client.getResources().eventExecutorGroup().schedule(() -> {
            if (!command.isDone()) {
                send(command);
            }
        }, delayMillis, TimeUnit.MILLISECONDS);
    }

    Timeout scheduleFailoverDeadline(FailoverCommand<?, ?, ?> command) {
        long wait = client.failover().failoverWait().toNanos();
        return client.getResources().timer().newTimeout(timeout -> {
            if (!command.isDone() && !command.written()) {
                command.completeExceptionally(client.noMasterFor(command));
            }
        }, wait, TimeUnit.NANOSECONDS);
    }

    @Override
    public void close() {
        client.forget(binding);
        delegate.close();
    }

    @Override
    public CompletableFuture<Void> closeAsync() {
        client.forget(binding);
        return delegate.closeAsync();
    }

    @Override
    public void reset() {
        delegate.reset();
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
}
