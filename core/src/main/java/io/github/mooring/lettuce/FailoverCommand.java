package io.github.mooring.lettuce;

import java.io.IOException;

import io.github.resilience4j.retry.Retry;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.internal.ExceptionFactory;
import io.lettuce.core.protocol.CommandWrapper;
import io.lettuce.core.protocol.RedisCommand;
import io.netty.buffer.ByteBuf;
import io.netty.util.Timeout;

/**
 * A command on its way through a Mooring connection. It knows whether it has been written to a channel (then its
 * fate is unknown if the channel dies before the reply), and it is sent again, instead of completing, when a node
 * rejects it because of a failover, as long as the retry policy allows (the way Lettuce's cluster commands follow
 * {@code MOVED}).
 */
final class FailoverCommand<K, V, T> extends CommandWrapper<K, V, T> {

    private final FailoverWriter writer;
    /** The transaction this command opens, belongs to or ends; null outside transactions. */
    volatile Transaction transaction;
    private volatile boolean written;
    private volatile String writtenTo;
    private volatile Retry.AsyncContext<Object> retryContext;
    private volatile Timeout failoverClock;

    FailoverCommand(RedisCommand<K, V, T> command, FailoverWriter writer) {
        super(command);
        this.writer = writer;
    }

    @Override
    public void encode(ByteBuf buf) {
        // Encoding happens on the way into the socket: from here on the server may see the command.
        written = true;
        writtenTo = writer.binding().boundAddress;
        super.encode(buf);
    }

    boolean written() {
        return written;
    }

    String writtenTo() {
        return writtenTo;
    }

    /** Lettuce will send it again on the next channel: it has not reached any server through that one. */
    void markUnwritten() {
        written = false;
    }

    @Override
    public void complete() {
        String error = getOutput() != null ? getOutput().getError() : null;
        if (error != null && FailoverRetry.isFailoverReply(error) && transaction == null && writer.retries()) {
            writer.suspect(error + " from " + writtenTo);
            if (retryContext == null) {
                retryContext = writer.newRetryContext();
            }
            long delay = retryContext.onError(ExceptionFactory.createExecutionException(error));
            if (delay >= 0) {
                // The node refused it: not applied anywhere, so sending it again is safe.
                getOutput().setError((String) null);
                written = false;
                writer.resendLater(this, delay);
                return;
            }
        } else if (retryContext != null && error == null) {
            retryContext.onComplete();
        }
        finish();
        super.complete();
    }

    @Override
    public boolean completeExceptionally(Throwable throwable) {
        Throwable outcome = throwable;
        if (throwable instanceof IOException && !isDone()) {
            // Lettuce fails the oldest command in flight with the I/O error that broke the connection
            // ("Connection reset by peer"). It was written: its fate is unknown, like the others in flight.
            if (written && transaction == null && writer.mayResend(getType())) {
                written = false;
                writer.resendNow(this); // buffered until the connection to the (new) master is up
                return false;
            }
            if (written) {
                outcome = writer.fateUnknown(this, throwable);
            }
        }
        if (throwable instanceof RedisCommandTimeoutException) {
            writer.suspect("command timeout on " + writtenTo);
        }
        finish();
        return super.completeExceptionally(outcome);
    }

    @Override
    public void cancel() {
        finish();
        super.cancel();
    }

    /** While no master is known, the command waits at most the failover wait, then fails with the reason. */
    void startFailoverClock() {
        if (failoverClock == null && !isDone()) {
            failoverClock = writer.scheduleFailoverDeadline(this);
        }
    }

    private void finish() {
        Timeout clock = failoverClock;
        if (clock != null) {
            clock.cancel();
        }
        writer.binding().inFlight.remove(this);
    }

    @Override
    public String toString() {
        return "FailoverCommand[" + getType() + (written ? ", written to " + writtenTo : ", queued") + "]";
    }
}
