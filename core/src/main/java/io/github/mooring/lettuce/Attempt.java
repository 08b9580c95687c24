package io.github.mooring.lettuce;

import io.lettuce.core.output.CommandOutput;
import io.lettuce.core.output.VoidOutput;
import io.lettuce.core.protocol.CommandWrapper;
import io.netty.buffer.ByteBuf;

/**
 * One attempt to send a {@link FailoverCommand}: what Mooring hands to Lettuce's writer chain, a {@link CommandWrapper}
 * as Lettuce's cluster commands are. When Mooring takes a command back to send it again later, the attempt is
 * retired: it counts as done, so Lettuce's buffers skip it ({@code DefaultEndpoint} drains only commands that are not
 * done, {@code CommandHandler} writes only those), and a new attempt carries the command when its turn comes. A
 * retired attempt is never on the wire: only attempts not yet written are retired while a channel is up, on its event
 * loop, where they would be written.
 */
final class Attempt<K, V, T> extends CommandWrapper<K, V, T> {

    private final FailoverCommand<K, V, T> owner;
    private volatile boolean written;
    /** {@link System#nanoTime()} when it was encoded: how long its reply is awaited. */
    private volatile long writtenAt;

    private volatile boolean retired;
    /** Decided when the reply is about to be decoded: null for the command's own output. Event loop only. */
    private CommandOutput<K, V, T> replySink;

    private boolean replyRouted;

    Attempt(FailoverCommand<K, V, T> owner) {
        super(owner.command);
        this.owner = owner;
    }

    FailoverCommand<K, V, T> owner() {
        return owner;
    }

    @Override
    public void encode(ByteBuf buf) {
        // Encoding happens on the way into the socket, on the channel's event loop: the server may see it from here on.
        writtenAt = System.nanoTime();
        written = true;
        owner.writer.onWritten(owner);
        super.encode(buf);
    }

    boolean written() {
        return written;
    }

    /** When it was written ({@link System#nanoTime()}); meaningful once {@link #written()}. */
    long writtenAt() {
        return writtenAt;
    }

    boolean retired() {
        return retired;
    }

    void retire() {
        retired = true;
    }

    @Override
    public boolean isDone() {
        return retired || super.isDone();
    }

    /**
     * Lettuce decodes the reply into this output. Replies come in order, so when the first look after encoding comes,
     * every earlier reply has arrived: a read whose earlier commands now wait to be sent again gets its reply decoded
     * into nothing, and is sent again after them.
     */
    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public CommandOutput<K, V, T> getOutput() {
        if (!replyRouted && written) {
            replyRouted = true;
            if (owner.writer.dropsReplyOf(owner)) {
                replySink = (CommandOutput) new VoidOutput<K, V>();
            }
        }
        CommandOutput<K, V, T> sink = replySink;
        return sink != null ? sink : super.getOutput();
    }

    /** Whether the reply was decoded into nothing (see {@link #getOutput()}). */
    boolean replyDropped() {
        return replySink != null;
    }

    /** The error reply decoded into the command's own output, or null. */
    String error() {
        CommandOutput<K, V, T> output = super.getOutput();
        return output != null ? output.getError() : null;
    }

    /** Forgets a failover rejection so that the command's output is clean for its next attempt. */
    void clearError() {
        super.getOutput().setError((String) null);
    }

    @Override
    public void complete() {
        if (!retired) {
            owner.writer.onReply(this);
        }
    }

    @Override
    public boolean completeExceptionally(Throwable throwable) {
        return !retired && owner.writer.onFailure(this, throwable);
    }

    @Override
    public void cancel() {
        if (!retired) {
            owner.writer.onCancel(this);
        }
    }

    /** Completes the application's command with the reply. */
    void deliver() {
        super.complete();
    }

    boolean failNow(Throwable throwable) {
        return super.completeExceptionally(throwable);
    }

    void cancelNow() {
        super.cancel();
    }

    @Override
    public String toString() {
        return "Attempt[" + owner + (retired ? ", retired" : "") + "]";
    }
}
