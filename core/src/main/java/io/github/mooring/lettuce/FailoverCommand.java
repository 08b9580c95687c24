package io.github.mooring.lettuce;

import io.github.resilience4j.retry.Retry;
import io.lettuce.core.internal.ExceptionFactory;
import io.lettuce.core.protocol.ProtocolKeyword;
import io.lettuce.core.protocol.RedisCommand;
import io.netty.util.Timeout;

/**
 * An application's command as its Mooring connection tracks it: its place in the connection's issue order, its part
 * in a transaction, its retries, and the {@link Attempt} that currently carries it through Lettuce (none while it
 * waits in the writer's hold queue). It completes the application's command exactly once.
 */
final class FailoverCommand<K, V, T> {

    /** Its part in a {@code MULTI} transaction. */
    enum Role {
        NONE,
        MULTI,
        MEMBER,
        END
    }

    /** The application's command. */
    final RedisCommand<K, V, T> command;
    /** Its number in the connection's issue order. */
    final long seq;

    final FailoverWriter writer;
    final Role role;
    /** The transaction it opens, belongs to or ends; null outside transactions. */
    final Transaction transaction;
    /** Issued by Lettuce while it activates a new channel (re-subscriptions): goes ahead of held commands. */
    final boolean activation;

    /** The attempt carrying it now, or null while it is held. Written under the writer's lock. */
    private volatile Attempt<K, V, T> attempt;

    private volatile String writtenTo;
    /** The last failover rejection it got (for messages). */
    volatile String refusal;

    private Retry.AsyncContext<Object> retryContext; // the channel's event loop only
    private volatile Timeout failoverClock;

    FailoverCommand(
            RedisCommand<K, V, T> command,
            long seq,
            FailoverWriter writer,
            Role role,
            Transaction transaction,
            boolean activation) {
        this.command = command;
        this.seq = seq;
        this.writer = writer;
        this.role = role;
        this.transaction = transaction;
        this.activation = activation;
    }

    ProtocolKeyword getType() {
        return command.getType();
    }

    boolean isDone() {
        return command.isDone();
    }

    Attempt<K, V, T> attempt() {
        return attempt;
    }

    /** A fresh attempt to send it (the previous one, if any, is retired). Under the writer's lock. */
    Attempt<K, V, T> newAttempt() {
        Attempt<K, V, T> next = new Attempt<>(this);
        attempt = next;
        return next;
    }

    /** Takes it back from Lettuce into the hold queue: the current attempt is dead. Under the writer's lock. */
    void takeBack() {
        Attempt<K, V, T> current = attempt;
        if (current != null) {
            current.retire();
        }
        attempt = null;
    }

    /** Whether its current attempt was written to the channel and its reply has not been handled. */
    boolean onWire() {
        Attempt<K, V, T> current = attempt;
        return current != null && current.written() && !current.retired();
    }

    /** Whether it ever reached a channel through its current attempt (for transactions: the server saw it). */
    boolean written() {
        Attempt<K, V, T> current = attempt;
        return current != null && current.written();
    }

    /** {@code host:port} it was last written to. */
    String writtenTo() {
        return writtenTo;
    }

    void wrote(String address) {
        writtenTo = address;
    }

    /** The delay before it may be sent again after a rejection, or -1 when the retry policy gives up. */
    long retryDelay(String rejection) {
        if (retryContext == null) {
            retryContext = writer.newRetryContext();
        }
        return retryContext.onError(ExceptionFactory.createExecutionException(rejection));
    }

    /** Tells the retry policy that a retried command succeeded. */
    void retrySucceeded() {
        if (retryContext != null) {
            retryContext.onComplete();
        }
    }

    /** While no master is known, it waits at most the failover wait, then fails with the reason. */
    void startFailoverClock() {
        if (failoverClock == null && !isDone()) {
            failoverClock = writer.scheduleFailoverDeadline(this);
        }
    }

    void stopFailoverClock() {
        Timeout clock = failoverClock;
        if (clock != null) {
            clock.cancel();
        }
    }

    /** Completes the application's command with a failure. */
    void fail(Throwable failure) {
        command.completeExceptionally(failure);
    }

    @Override
    public String toString() {
        Attempt<K, V, T> current = attempt;
        return "FailoverCommand[" + getType() + " #" + seq
                + (current == null ? ", held" : current.written() ? ", written to " + writtenTo : ", queued") + "]";
    }
}
