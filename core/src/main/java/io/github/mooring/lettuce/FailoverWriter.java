package io.github.mooring.lettuce;

import io.github.mooring.exceptions.CommandNotResentException;
import io.github.mooring.exceptions.FailoverQueueFullException;
import io.github.mooring.exceptions.TransactionAbortedException;
import io.github.mooring.internal.lettuce.Lettuce6Reset;
import io.github.mooring.internal.order.OrderRules;
import io.github.mooring.probe.ProbeResult;
import io.github.mooring.topology.Topology;
import io.github.resilience4j.retry.Retry;
import io.lettuce.core.RedisChannelWriter;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.ConnectionFacade;
import io.lettuce.core.protocol.ProtocolKeyword;
import io.lettuce.core.protocol.RedisCommand;
import io.lettuce.core.resource.ClientResources;
import io.netty.channel.EventLoop;
import io.netty.util.Timeout;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * The outermost {@link RedisChannelWriter} of a Mooring connection, and the keeper of its order: the connection's
 * commands are applied in the order the application issued them, through demotions, failovers, pod replacements and
 * retries.
 * <p>
 * Every command gets a number at admission and travels through Lettuce in an {@link Attempt}. While the connection
 * is up and nothing waits to be sent again, attempts go straight to Lettuce's writer chain: the only cost is the
 * admission lock this writer always took, and two small objects. When a command must be sent again (a node refused
 * it with {@code READONLY}, {@code LOADING} or {@code MASTERDOWN}; its connection was lost), the writer takes it back
 * into its <em>hold queue</em>, ordered by number, and <em>holds</em>: commands issued from then on join the queue,
 * unsent commands still in Lettuce's buffers are taken back into it, and the replies of commands already on the wire
 * behind it are judged by {@link OrderRules} (refused ones join the queue, reads are dropped and join it, one that
 * took effect pins the order). The queue is released in order, as one stream written on the channel's event loop,
 * once the connection is up, nothing is on the wire, the retry back-off has passed and the master has not moved
 * elsewhere; then the writer stops holding. It also holds while the connection is down and while it drains off a
 * demoted master. {@code src/docs/design.md} ("Order") explains each rule and the Lettuce facts behind it.
 * <p>
 * Lettuce facts this relies on (6.8 and 7.x): {@code CommandHandler} writes only commands that are not done, and
 * encodes a command on the channel's event loop right after deciding so; it decodes replies in order on that event
 * loop, asking the command for its output when the reply starts; on {@code channelInactive} it moves the commands on
 * the wire back to {@code DefaultEndpoint}'s buffer, which drains only commands that are not done, before
 * {@code ConnectionEventTrigger} tells the client's listeners (Mooring's {@code onDisconnected}) and before the
 * {@code ConnectionWatchdog} schedules a reconnect; {@code DefaultEndpoint} runs the connection facade's
 * {@code activated()} (re-subscriptions) before it flushes its buffer, and {@code onConnected} comes after both.
 */
final class FailoverWriter implements RedisChannelWriter {

    private final RedisChannelWriter delegate;
    private final MasterBinding binding;
    private final MooringRedisClient client;

    // The order. Guarded by `binding` (the lock admission takes), unless volatile.
    private long lastSeq;
    /** Admitted and not settled: held, on their way through Lettuce, or on the wire. */
    private final Set<FailoverCommand<?, ?, ?>> unsettled = ConcurrentHashMap.newKeySet();
    /** Commands waiting to be sent (again), by number. */
    private final NavigableMap<Long, FailoverCommand<?, ?, ?>> held = new TreeMap<>();
    /** New commands join the hold queue instead of going out. Until the first connect, too. */
    private volatile boolean holding = true;
    /** The number of the first held command, or {@code Long.MAX_VALUE}: replies of later commands come out of turn. */
    private volatile long holdFloor = Long.MAX_VALUE;
    /** Changes whenever a new reason to hold arises; a release in progress stops at a change. */
    private long holdEpoch;

    private boolean releasing;
    private long retryNotBeforeNanos = System.nanoTime();
    private boolean closed;
    /** A transaction whose MULTI went out and whose EXEC/DISCARD has not: what is written next runs inside it. */
    private volatile Transaction wireTransaction;
    /** The thread running Lettuce's activation of a new channel (re-subscriptions go out ahead of held commands). */
    private volatile Thread activating;

    private volatile boolean autoFlush = true;

    // Overdue replies (OverdueRules): one look scheduled at a time, on Lettuce's event executors.
    private final AtomicBoolean lookScheduled = new AtomicBoolean();
    private volatile long lastReplyAt = System.nanoTime();
    private volatile Long lastSuspicionAt;

    FailoverWriter(RedisChannelWriter delegate, MasterBinding binding, MooringRedisClient client) {
        this.delegate = delegate;
        this.binding = binding;
        this.client = client;
        binding.writer = this;
    }

    // ---------------------------------------------------------------- admission

    @Override
    public <K, V, T> RedisCommand<K, V, T> write(RedisCommand<K, V, T> command) {
        Attempt<K, V, T> attempt;
        synchronized (binding) {
            FailoverCommand<K, V, T> admitted = admit(command);
            if (admitted == null) {
                return command;
            }
            attempt = hold(admitted) ? null : admitted.newAttempt();
        }
        if (attempt == null) {
            return command;
        }
        RedisCommand<K, V, T> written = delegate.write(attempt);
        watchReplies();
        return written;
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public <K, V> Collection<RedisCommand<K, V, ?>> write(Collection<? extends RedisCommand<K, V, ?>> commands) {
        List<RedisCommand<K, V, ?>> result = new ArrayList<>(commands.size());
        List<RedisCommand<K, V, ?>> toSend = new ArrayList<>(commands.size());
        synchronized (binding) {
            for (RedisCommand<K, V, ?> command : commands) {
                FailoverCommand<K, V, ?> admitted = admit(command);
                if (admitted == null || hold(admitted)) {
                    result.add(command);
                } else {
                    Attempt attempt = admitted.newAttempt();
                    toSend.add(attempt);
                    result.add(attempt);
                }
            }
        }
        if (!toSend.isEmpty()) {
            delegate.write(toSend);
            watchReplies();
        }
        return result;
    }

    /** Numbers and tracks a command, or fails it and returns null. Under the lock. */
    private <K, V, T> FailoverCommand<K, V, T> admit(RedisCommand<K, V, T> command) {
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
        ProbeResult refusal = binding.hasChannel() ? null : client.credentialsRefusal();
        if (refusal != null) {
            // A new connection would have to authenticate with credentials the pod refuses: no point in waiting.
            command.completeExceptionally(client.credentialsRejected(refusal, command.getType()));
            return null;
        }
        RuntimeException dataAtRisk =
                binding.hasChannel() ? null : client.dataAtRiskRefusal(client.topology(), command.getType());
        if (dataAtRisk != null) {
            // The master is withheld for data at risk and the onDataAtRisk policy fails writes: not sent, at once.
            command.completeExceptionally(dataAtRisk);
            return null;
        }
        if (binding.waitsForMaster() && unsettled.size() >= client.failover().maxQueuedCommands()) {
            command.completeExceptionally(
                    new FailoverQueueFullException(client.failover().maxQueuedCommands()
                            + " commands already wait for a master of " + client.service() + "; " + command.getType()
                            + " was not queued. " + client.noMasterSummary()));
            return null;
        }
        Transaction transaction = binding.openTransaction;
        FailoverCommand.Role role = FailoverCommand.Role.NONE;
        if (begins) {
            transaction = new Transaction();
            role = FailoverCommand.Role.MULTI;
        } else if (transaction != null) {
            role = ends ? FailoverCommand.Role.END : FailoverCommand.Role.MEMBER;
        }
        FailoverCommand<K, V, T> admitted = new FailoverCommand<>(
                command, ++lastSeq, this, role, transaction, activating == Thread.currentThread());
        if (begins) {
            transaction.multi = admitted;
            binding.openTransaction = transaction;
            binding.abortedTransaction = null;
        } else if (ends && transaction != null) {
            transaction.end = admitted;
            binding.openTransaction = null;
        } else if (transaction != null) {
            transaction.members.add(admitted);
        }
        unsettled.add(admitted);
        return admitted;
    }

    /**
     * Puts an admitted command in the hold queue if the writer holds, or the binding takes no writes (stalled,
     * draining, cut: its state changes just before the writer is told to hold); false when it may go out now. Under
     * the lock.
     */
    private boolean hold(FailoverCommand<?, ?, ?> command) {
        if (command.activation || !holding && binding.acceptsWrites()) {
            return false;
        }
        queue(command);
        return true;
    }

    /** Adds a command to the hold queue: it waits for its turn. Under the lock. */
    private void queue(FailoverCommand<?, ?, ?> command) {
        held.put(command.seq, command);
        holdFloor = held.firstKey();
        holding = true;
        if (binding.waitsForMaster()) {
            command.startFailoverClock();
        }
    }

    // ---------------------------------------------------------------- replies

    /** Whether the reply about to be decoded for {@code command} is to be dropped (a read behind held commands). */
    boolean dropsReplyOf(FailoverCommand<?, ?, ?> command) {
        return holding
                && holdFloor < command.seq
                && command.transaction == null
                && !command.activation
                && CommandSafety.readOnly(command.getType());
    }

    /** A reply arrived, on the channel's event loop. */
    <K, V, T> void onReply(Attempt<K, V, T> attempt) {
        lastReplyAt = System.nanoTime();
        FailoverCommand<K, V, T> command = attempt.owner();
        String error = attempt.replyDropped() ? null : attempt.error();
        boolean rejected = error != null && FailoverRetry.isFailoverReply(error);
        if (!holding && !rejected && !attempt.replyDropped()) {
            settle(command, error == null);
            attempt.deliver();
            return;
        }
        replyOutOfTurn(attempt, error, rejected);
    }

    /** The rare path: a rejection, or any reply while commands are held. */
    private <K, V, T> void replyOutOfTurn(Attempt<K, V, T> attempt, String error, boolean rejected) {
        FailoverCommand<K, V, T> command = attempt.owner();
        List<FailoverCommand<?, ?, ?>> overtaken = List.of();
        long retryDelay = -1;
        boolean deliver = true;
        synchronized (binding) {
            OrderRules.AfterReply outcome = OrderRules.afterReply(new OrderRules.Reply(
                    rejected,
                    retries(),
                    command.transaction != null,
                    attempt.replyDropped(),
                    tookEffect(command, error),
                    holdFloor < command.seq && !command.activation));
            switch (outcome) {
                case RETRY_IN_ORDER -> {
                    retryDelay = command.retryDelay(error);
                    if (retryDelay >= 0) {
                        // The node refused it: applied nowhere, sent again in its place once the back-off is over.
                        command.refusal = error;
                        attempt.clearError();
                        takeBack(command);
                        takeBackUnwritten();
                        retryNotBeforeNanos = Math.max(
                                        retryNotBeforeNanos - System.nanoTime(),
                                        TimeUnit.MILLISECONDS.toNanos(retryDelay))
                                + System.nanoTime();
                        deliver = false;
                    } else {
                        settle(command, false); // the retry policy gave up: the rejection is the answer
                    }
                }
                case RESEND_IN_ORDER -> {
                    takeBack(command);
                    deliver = false;
                }
                case DELIVER_AND_FAIL_HELD_BEFORE -> {
                    overtaken = new ArrayList<>(held.headMap(command.seq).values());
                    overtaken.forEach(this::forget);
                    settle(command, error == null);
                }
                case DELIVER -> settle(command, error == null);
            }
        }
        if (rejected) {
            client.monitor().suspect(error + " from " + command.writtenTo());
        }
        for (FailoverCommand<?, ?, ?> earlier : overtaken) {
            earlier.fail(overtaken(earlier, command));
        }
        if (deliver) {
            attempt.deliver();
        }
        if (retryDelay >= 0) {
            client.getResources().eventExecutorGroup().schedule(this::release, retryDelay, TimeUnit.MILLISECONDS);
        }
        release();
    }

    /**
     * Whether executing the command changed data or the connection's state. Inside a transaction only a successful
     * EXEC does: MULTI opens it, the commands are merely queued, DISCARD drops them.
     */
    private static boolean tookEffect(FailoverCommand<?, ?, ?> command, String error) {
        return switch (command.role) {
            case MULTI, MEMBER -> false;
            case END -> error == null && CommandSafety.is(command.getType(), "EXEC");
            case NONE -> CommandSafety.tookEffect(command.getType(), error);
        };
    }

    /** A failure instead of a reply (Lettuce's, or the command's timeout). */
    <K, V, T> boolean onFailure(Attempt<K, V, T> attempt, Throwable failure) {
        FailoverCommand<K, V, T> command = attempt.owner();
        if (failure instanceof IOException && attempt.written() && !command.isDone()) {
            // Lettuce fails the oldest command on the wire with the I/O error that broke the connection
            // ("Connection reset by peer"). The channel closes next: the connection-loss rules settle it with the
            // others on the wire, in order.
            return false;
        }
        if (failure instanceof RedisCommandTimeoutException) {
            client.monitor().suspect("command timeout on " + command.writtenTo());
            if (command.onWire()) {
                // Written and unanswered: it may yet be applied. The application hears so now; the command stays on
                // the wire until its reply or the connection's loss, and keeps earlier ones from being sent again.
                return attempt.failNow(client.fateUnknownAfterTimeout(command, failure));
            }
        }
        synchronized (binding) {
            settle(command, false);
        }
        return attempt.failNow(failure);
    }

    /** Lettuce cancels the attempt (the connection is closed or reset). */
    <K, V, T> void onCancel(Attempt<K, V, T> attempt) {
        synchronized (binding) {
            settle(attempt.owner(), false);
        }
        attempt.cancelNow();
    }

    /** On the channel's event loop, as the attempt is encoded. */
    void onWritten(FailoverCommand<?, ?, ?> command) {
        command.wrote(binding.boundAddress());
        if (command.role == FailoverCommand.Role.MULTI) {
            wireTransaction = command.transaction;
        } else if (command.role == FailoverCommand.Role.END) {
            wireTransaction = null;
        }
    }

    /** The command is done with, as far as the order goes. Under the lock (or on the event loop for replies). */
    private void settle(FailoverCommand<?, ?, ?> command, boolean succeeded) {
        unsettled.remove(command);
        command.stopFailoverClock();
        if (succeeded) {
            command.retrySucceeded();
        }
    }

    /** Removes a command from the hold queue and from tracking: it is about to fail. Under the lock. */
    private void forget(FailoverCommand<?, ?, ?> command) {
        if (held.remove(command.seq) != null) {
            holdFloor = held.isEmpty() ? Long.MAX_VALUE : held.firstKey();
        }
        command.takeBack();
        settle(command, false);
    }

    /** Takes a command back into the hold queue, to be sent again in its place. Under the lock. */
    private void takeBack(FailoverCommand<?, ?, ?> command) {
        command.takeBack();
        holdEpoch++;
        queue(command);
    }

    /**
     * Takes back every command handed to Lettuce but not yet written: they are issued after what is now held, and
     * would otherwise go out ahead of it (from Lettuce's buffers, a pipelining application's unflushed batch, or the
     * event loop's queue). Only on the channel's event loop, where they would be written, or while no channel is up.
     */
    private void takeBackUnwritten() {
        for (FailoverCommand<?, ?, ?> command : unsettled) {
            Attempt<?, ?, ?> attempt = command.attempt();
            if (attempt != null && !attempt.written() && !attempt.retired()) {
                if (command.isDone()) {
                    forget(command); // the application gave up on it (timeout, cancel)
                } else {
                    takeBack(command);
                }
            }
        }
    }

    private CommandNotResentException overtaken(FailoverCommand<?, ?, ?> earlier, FailoverCommand<?, ?, ?> later) {
        String why = earlier.refusal != null
                ? earlier.writtenTo() + " (of " + client.service() + ") refused it (" + earlier.refusal + ")"
                : "its reply came from a node that had refused an earlier command";
        return new CommandNotResentException(
                earlier.getType().toString(),
                later.getType().toString(),
                earlier.getType() + " was not sent again: " + why + ", and " + later.getType() + ", issued after it on"
                        + " the same connection, has been applied since. Sending " + earlier.getType() + " now would"
                        + " apply the two out of order; " + notApplied(earlier));
    }

    private CommandNotResentException mayHaveOvertaken(
            FailoverCommand<?, ?, ?> earlier, FailoverCommand<?, ?, ?> later, String node) {
        return new CommandNotResentException(
                earlier.getType().toString(),
                later.getType().toString(),
                earlier.getType() + " was not sent again after the connection to " + node + " (master of "
                        + client.service() + ") was lost: " + later.getType() + ", issued after it on the same"
                        + " connection, may already have been applied (its fate is unknown), so sending "
                        + earlier.getType() + " now could apply the two out of order; " + notApplied(earlier));
    }

    private static String notApplied(FailoverCommand<?, ?, ?> command) {
        return CommandSafety.readOnly(command.getType())
                ? "its reply was not delivered."
                : command.getType() + " was not applied.";
    }

    // ---------------------------------------------------------------- holding and releasing

    /** The monitor moves the connection off a demoted master: new commands wait while replies to the rest arrive. */
    void beginDrain() {
        hold();
    }

    /**
     * Sentinel is failing the master over: new commands wait (in order, as when the connection is lost) for its
     * switch, its abort or the hold's bound; replies to what is in flight arrive as usual.
     */
    void holdForSentinel() {
        hold();
    }

    /**
     * The master stopped answering while no other master is elected: new commands wait (in order, up to the failover
     * wait) instead of going into a socket nobody reads; those written complete when it answers again, or have an
     * unknown fate if the connection is cut.
     */
    void holdWhileStalled() {
        hold();
    }

    private void hold() {
        synchronized (binding) {
            holding = true;
            holdEpoch++;
        }
    }

    /** Whether a command written to the channel still waits for its reply. */
    boolean awaitingReplies() {
        for (FailoverCommand<?, ?, ?> command : unsettled) {
            if (command.onWire()) {
                return true;
            }
        }
        return false;
    }

    /** The channel is up again (after Lettuce's activation and buffer flush): the hold queue may go out. */
    void onConnected() {
        release();
    }

    /**
     * Sends the hold queue in order, if nothing stands in the way, and stops holding once it is empty. Commands issued
     * meanwhile join the queue and go out with the next batch.
     * <p>
     * Runs on the channel's event loop (it hops there from any other thread): written there, the batch is encoded
     * before the call returns, so nothing written later, from an application thread (queued behind it) or from a
     * callback on the event loop (after it), can overtake it. For the same reason the batch never waits in Lettuce's
     * command buffer for a flush: with the application's auto-flush off, an application thread flushing that buffer
     * would queue the batch behind whatever the event loop writes next.
     */
    void release() {
        EventLoop loop = binding.eventLoop;
        if (loop != null && !loop.inEventLoop()) {
            try {
                loop.execute(this::release);
            } catch (RejectedExecutionException shuttingDown) {
                // the client is shutting down: nothing more goes out
            }
            return;
        }
        long episode = -1;
        while (true) {
            List<RedisCommand<?, ?, ?>> batch = new ArrayList<>();
            boolean disconnect = false;
            synchronized (binding) {
                if (episode < 0) {
                    if (releasing || !holding || !mayRelease()) {
                        return;
                    }
                    if (transactionInTheWay()) {
                        disconnect = true;
                    } else {
                        releasing = true;
                        episode = holdEpoch;
                    }
                } else if (episode != holdEpoch || !binding.acceptsWrites() || closed) {
                    releasing = false; // a new reason to hold: it releases again when it is over
                    return;
                }
                if (!disconnect) {
                    while (!held.isEmpty()) {
                        FailoverCommand<?, ?, ?> next = held.pollFirstEntry().getValue();
                        if (next.isDone()) {
                            settle(next, false);
                        } else {
                            batch.add(next.newAttempt());
                        }
                    }
                    holdFloor = Long.MAX_VALUE;
                    if (batch.isEmpty()) {
                        holding = false;
                        releasing = false;
                        return;
                    }
                }
            }
            if (disconnect) {
                // Redis discards the open transaction with the connection; the held commands go to the next one.
                binding.cutForTransaction();
                binding.endpoint.disconnect();
                return;
            }
            try {
                writeFlushed(batch);
            } catch (RuntimeException | Error e) {
                synchronized (binding) {
                    releasing = false;
                }
                throw e;
            }
        }
    }

    /** Writes a batch straight to the channel, whatever the application's auto-flush setting. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private void writeFlushed(List<RedisCommand<?, ?, ?>> batch) {
        boolean buffering = !autoFlush;
        if (buffering) {
            delegate.setAutoFlushCommands(true);
        }
        try {
            delegate.write((Collection) batch);
            watchReplies();
        } finally {
            if (buffering) {
                delegate.setAutoFlushCommands(autoFlush);
                delegate.flushCommands();
            }
        }
    }

    /** Whether the hold queue may go out now. Under the lock. */
    private boolean mayRelease() {
        return binding.acceptsWrites()
                && !closed
                && System.nanoTime() - retryNotBeforeNanos >= 0
                && !awaitingReplies()
                && !client.masterIsElsewhere(binding.boundAddress())
                && !client.sentinelsHold(binding.boundAddress());
    }

    /**
     * A MULTI went out and its EXEC did not, while commands issued before the MULTI wait: written now, they would run
     * inside the transaction. The transaction cannot go first either (it was issued after them). Under the lock.
     */
    private boolean transactionInTheWay() {
        Transaction open = wireTransaction;
        return open != null && !held.isEmpty() && held.firstKey() < open.multi.seq;
    }

    // ---------------------------------------------------------------- overdue replies

    /**
     * Commands went out: unless a look is already scheduled, one is, a threshold later. One per connection at a time,
     * on Lettuce's event executors: no thread of its own, no timer per command.
     */
    private void watchReplies() {
        if (!lookScheduled.get() && lookScheduled.compareAndSet(false, true)) {
            scheduleLook(client.overdueReplyAfter().toNanos());
        }
    }

    private void scheduleLook(long delayNanos) {
        try {
            client.getResources().eventExecutorGroup().schedule(this::lookAtReplies, delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException shuttingDown) {
            lookScheduled.set(false); // the client is shutting down: nothing more to watch
        }
    }

    /**
     * Looks at what awaits a reply ({@link OverdueRules}): a reply overdue by the threshold makes the monitor probe
     * now, so that a frozen master is found in about two probe timeouts, however calm the monitor was, and the stall
     * rules ({@link BindingRules}) hold new commands instead of pushing them into its socket.
     */
    private void lookAtReplies() {
        // Cleared first: a write from now on schedules its own look, or this one sees it (it is tracked before).
        lookScheduled.set(false);
        boolean inFlight = false;
        Attempt<?, ?, ?> oldest = null;
        for (FailoverCommand<?, ?, ?> command : unsettled) {
            Attempt<?, ?, ?> attempt = command.attempt();
            if (attempt == null || attempt.retired()) {
                continue; // held: it goes out through a write, which schedules a look
            }
            inFlight = true;
            if (attempt.written() && (oldest == null || attempt.writtenAt() - oldest.writtenAt() < 0)) {
                oldest = attempt;
            }
        }
        long now = System.nanoTime();
        OverdueRules.Look look = new OverdueRules.Look(
                inFlight,
                oldest != null ? oldest.writtenAt() : null,
                oldest != null && CommandSafety.blocking(oldest.owner().getType()),
                lastReplyAt,
                lastSuspicionAt,
                now,
                client.overdueReplyAfter().toNanos());
        OverdueRules.Decision decision = OverdueRules.look(look);
        if (decision.verdict() == OverdueRules.Verdict.SUSPECT) {
            lastSuspicionAt = now;
            client.monitor()
                    .suspect("no reply from " + binding.boundAddress() + " for "
                            + TimeUnit.NANOSECONDS.toMillis(look.silence()) + " ms");
        }
        if (decision.verdict() != OverdueRules.Verdict.STOP && lookScheduled.compareAndSet(false, true)) {
            scheduleLook(decision.nextLookIn());
        }
    }

    // ---------------------------------------------------------------- a lost connection

    /**
     * The channel went down (on its event loop, after Lettuce moved what was on the wire back to its buffer, before
     * any reconnect): decides every command's fate by {@link OrderRules#afterLoss}, takes every attempt back from
     * Lettuce, and holds the rest for the next master, in order.
     */
    void onConnectionLost(String node) {
        List<Runnable> outcomes = new ArrayList<>();
        synchronized (binding) {
            holding = true;
            holdEpoch++;
            wireTransaction = null;
            List<FailoverCommand<?, ?, ?>> inOrder = new ArrayList<>(unsettled);
            inOrder.sort(Comparator.comparingLong(command -> command.seq));
            // Only these can have been applied: every fate-unknown command of this loss is one of them.
            int unanswered =
                    (int) inOrder.stream().filter(FailoverCommand::onWire).count();
            RedisConnectionException loss = new RedisConnectionException("the connection to " + node + " (master of "
                    + client.service() + ") was lost with " + unanswered + " command(s) written and unanswered");
            Set<Transaction> settledTransactions = settleTransactions(node, unanswered, loss, outcomes);
            List<OrderRules.Lost> facts = new ArrayList<>();
            List<FailoverCommand<?, ?, ?>> subjects = new ArrayList<>();
            for (FailoverCommand<?, ?, ?> command : inOrder) {
                boolean onWire = command.onWire();
                boolean mayResend = client.mayResend(command.getType());
                boolean gone = command.isDone() || settledTransactions.contains(command.transaction);
                if (gone) {
                    // Already answered to the application (a timeout, a cancel, its transaction). What was on the wire
                    // may still have been applied: it keeps the commands before it from being sent again.
                    boolean unknown = onWire && (!mayResend || command.transaction != null);
                    forget(command);
                    if (unknown) {
                        facts.add(new OrderRules.Lost(command.seq, true, false));
                        subjects.add(null);
                    }
                    continue;
                }
                facts.add(new OrderRules.Lost(command.seq, onWire, mayResend));
                subjects.add(command);
            }
            FailoverCommand<?, ?, ?> lastUnknown = null;
            List<OrderRules.AfterLoss> fates = OrderRules.afterLoss(facts);
            for (int i = 0; i < fates.size(); i++) {
                FailoverCommand<?, ?, ?> command = subjects.get(i);
                if (command != null && fates.get(i) == OrderRules.AfterLoss.FATE_UNKNOWN) {
                    lastUnknown = command;
                }
            }
            for (int i = 0; i < fates.size(); i++) {
                FailoverCommand<?, ?, ?> command = subjects.get(i);
                if (command == null) {
                    continue;
                }
                switch (fates.get(i)) {
                    case RESEND_IN_ORDER -> {
                        command.takeBack();
                        queue(command);
                    }
                    case FATE_UNKNOWN -> {
                        forget(command);
                        RuntimeException unknown = client.fateUnknown(
                                command, node, command.getType().toString(), unanswered, loss);
                        outcomes.add(() -> command.fail(unknown));
                    }
                    case NOT_RESENT -> {
                        forget(command);
                        FailoverCommand<?, ?, ?> later = lastUnknown != null ? lastUnknown : command;
                        RuntimeException notResent = mayHaveOvertaken(command, later, node);
                        outcomes.add(() -> command.fail(notResent));
                    }
                }
            }
        }
        outcomes.forEach(Runnable::run);
    }

    /**
     * A transaction whose MULTI reached the server is gone with the connection: Redis discarded it, unless its EXEC
     * was written too (then nobody knows). A transaction still wholly queued is sent intact to the next master.
     * Returns the transactions settled here; their failures are added to {@code outcomes}. Under the lock.
     */
    private Set<Transaction> settleTransactions(
            String node, int unanswered, RedisConnectionException loss, List<Runnable> outcomes) {
        Set<Transaction> touched = new LinkedHashSet<>();
        if (binding.openTransaction != null) {
            touched.add(binding.openTransaction);
        }
        for (FailoverCommand<?, ?, ?> command : unsettled) {
            if (command.transaction != null && !command.isDone()) {
                touched.add(command.transaction);
            }
        }
        Set<Transaction> settled = new HashSet<>();
        for (Transaction transaction : touched) {
            if (transaction.multi == null || !transaction.multi.written()) {
                continue;
            }
            settled.add(transaction);
            FailoverCommand<?, ?, ?> end = transaction.end;
            RuntimeException failure;
            if (end != null && end.written()) {
                failure = client.fateUnknown(end, node, "the transaction's EXEC", unanswered, loss);
            } else {
                failure = new TransactionAbortedException("the connection to " + node + " (master of "
                        + client.service() + ") was lost in the middle of a MULTI transaction; Redis discarded it and"
                        + " none of its commands was applied: run the transaction again");
                if (binding.openTransaction == transaction) {
                    // The application has not sent EXEC/DISCARD yet: what it sends until then fails too.
                    binding.openTransaction = null;
                    binding.abortedTransaction = transaction;
                }
            }
            outcomes.add(() -> transaction.fail(failure));
        }
        return settled;
    }

    // ---------------------------------------------------------------- collaborators

    boolean retries() {
        return client.failover().retry() != null;
    }

    Retry.AsyncContext<Object> newRetryContext() {
        return client.retry().asyncContext();
    }

    Timeout scheduleFailoverDeadline(FailoverCommand<?, ?, ?> command) {
        long wait = client.failover().failoverWait().toNanos();
        return client.getResources()
                .timer()
                .newTimeout(timeout -> onFailoverDeadline(command), wait, TimeUnit.NANOSECONDS);
    }

    /**
     * The pod writes would go to refuses the credentials, and this connection must authenticate anew to reach it:
     * every held command fails now (none was sent), rather than after the failover wait. A connected one keeps going.
     */
    void failHeldForCredentials() {
        ProbeResult refusal = client.credentialsRefusal();
        if (refusal != null) {
            failHeld(type -> client.credentialsRejected(refusal, type));
        }
    }

    /**
     * The master is withheld for data at risk and the {@code onDataAtRisk} policy fails writes: every held command
     * fails now (none was sent), rather than after the failover wait.
     */
    void failHeldForDataAtRisk(Topology topology) {
        if (client.dataAtRiskRefusal(topology, CommandType.PING) != null) {
            failHeld(type -> client.dataAtRiskRefusal(topology, type));
        }
    }

    private void failHeld(Function<ProtocolKeyword, RuntimeException> failure) {
        List<FailoverCommand<?, ?, ?>> failed;
        synchronized (binding) {
            if (binding.hasChannel()) {
                return;
            }
            failed = new ArrayList<>(held.values());
            failed.forEach(this::forget);
        }
        for (FailoverCommand<?, ?, ?> command : failed) {
            command.fail(failure.apply(command.getType()));
        }
    }

    /** A held command waited the whole failover wait for a master: it fails, if it still waits. */
    private void onFailoverDeadline(FailoverCommand<?, ?, ?> command) {
        synchronized (binding) {
            if (held.get(command.seq) != command) {
                return; // on its way to a master
            }
            forget(command);
        }
        command.fail(client.noMasterFor(command));
    }

    // ---------------------------------------------------------------- the rest of RedisChannelWriter

    @Override
    public void close() {
        client.forget(binding);
        cancelHeld(true);
        delegate.close();
    }

    @Override
    public CompletableFuture<Void> closeAsync() {
        client.forget(binding);
        cancelHeld(true);
        return delegate.closeAsync();
    }

    /**
     * Lettuce 6.x's {@code RedisChannelWriter#reset()} (removed in Lettuce 7, hence no {@code @Override}): the
     * deprecated {@code StatefulConnection.reset()} calls it on this writer, which passes it on to Lettuce's own.
     */
    public void reset() {
        Lettuce6Reset.reset(delegate);
        cancelHeld(false);
    }

    /** The connection is closed or reset: held commands are cancelled, as Lettuce cancels what it buffers. */
    private void cancelHeld(boolean closing) {
        List<FailoverCommand<?, ?, ?>> cancelled;
        synchronized (binding) {
            closed |= closing;
            cancelled = new ArrayList<>(held.values());
            cancelled.forEach(this::forget);
        }
        cancelled.forEach(command -> command.command.cancel());
    }

    @Override
    public void setConnectionFacade(ConnectionFacade connection) {
        delegate.setConnectionFacade(new ActivationAware(connection));
    }

    @Override
    public void setAutoFlushCommands(boolean autoFlush) {
        this.autoFlush = autoFlush;
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

    /**
     * Tells the writer which commands Lettuce issues while it activates a new channel ({@code DefaultEndpoint} calls
     * the facade's {@code activated()} before it flushes its buffer): a pub/sub connection's re-subscriptions go out
     * ahead of the held commands, as they go ahead of Lettuce's buffer, so that an {@code UNSUBSCRIBE} issued while
     * disconnected still comes after them. {@code MooringClientIT} fails if Lettuce stops activating through it.
     */
    private final class ActivationAware implements ConnectionFacade {

        private final ConnectionFacade connection;

        ActivationAware(ConnectionFacade connection) {
            this.connection = connection;
        }

        @Override
        public void activated() {
            activating = Thread.currentThread();
            try {
                connection.activated();
            } finally {
                activating = null;
            }
        }

        @Override
        public void deactivated() {
            connection.deactivated();
        }

        /** Declared by Lettuce 6 and never called on an endpoint's facade there (6.8.2); gone in Lettuce 7. */
        public void reset() {
            // nothing to forward: the connection resets its state itself through RedisChannelHandler.reset()
        }
    }

    @Override
    public String toString() {
        return "FailoverWriter[" + binding.boundAddress() + (holding ? ", holding " + held.size() : "") + "]";
    }
}
