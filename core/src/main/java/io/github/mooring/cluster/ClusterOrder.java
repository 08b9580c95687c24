package io.github.mooring.cluster;

import io.github.mooring.exceptions.CommandFateUnknownException;
import io.github.mooring.exceptions.CommandNotResentException;
import io.github.mooring.exceptions.FailoverQueueFullException;
import io.github.mooring.exceptions.MooringException;
import io.github.mooring.internal.order.OrderRules;
import io.github.mooring.topology.NoMasterException;
import io.lettuce.core.RedisChannelWriter;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.ReadOnlyCommands;
import io.lettuce.core.protocol.RedisCommand;
import io.lettuce.core.resource.ClientResources;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The keeper of a cluster connection's order ({@link OrderedClusterConnection} hands it every command): each slot's commands are applied in the
 * order the application issued them, through {@code MOVED} and {@code ASK} redirects, a slot without a master, and
 * lost node connections; a command is never applied twice, nor reported failed though it may have been applied.
 * <p>
 * Every command with a key gets a number at admission and joins its slot's <em>lane</em> as a {@link SlotCommand};
 * Lettuce's cluster writer routes it as usual. When it reaches a node connection ({@link NodeGate}) it goes on only if
 * every earlier command of its slot is already on that connection ({@link SlotRules#maySend}); otherwise it parks there
 * until they are, or are answered. So a command redirected by {@code MOVED} to the slot's new master still goes there
 * before the later commands that Lettuce routes straight to it. Until a topology refresh tells Lettuce of the move, it
 * routes the slot's later commands to the old master; they follow the slot's last {@code MOVED} at once
 * ({@link SlotRules#destination}) instead of waiting there behind the earlier commands for a {@code MOVED} of their own.
 * <p>
 * A refusal ({@code CLUSTERDOWN}, ...) or a failure to route (the slot's master unreachable, no master known) is not a
 * failure yet: the command waits in its lane while a topology refresh looks for the slot's new master, up to
 * {@code failoverWait}; then it fails with {@link NoMasterException}, applied nowhere. Every
 * {@link SlotRules#RETRY_DELAY} the lane's first waiting command is routed again, alone; once a node takes it, the others
 * follow at once ({@link SlotRules#resend}). A command whose slot waits is not admitted beyond
 * {@code maxQueuedCommands}; {@code MULTI} and its kin are never admitted (a cluster connection has no transactions). What a refusal does to commands answered behind it, and what a lost node connection leaves, follow
 * {@link OrderRules}, as on a replication group's connection: written and unanswered writes fail with
 * {@link CommandFateUnknownException} and are never sent again (Lettuce would send them again after a reconnect).
 * <p>
 * Keyless commands pass through untouched. One lock per cluster connection guards the lanes; nothing is written to
 * Lettuce under it.
 */
final class ClusterOrder {

    /** A refusal asks for a topology refresh at most this often (each is a {@code CLUSTER NODES} to every pod). */
    private static final long REFRESH_AT_MOST_EVERY = TimeUnit.MILLISECONDS.toNanos(100);

    /** Lettuce's cluster writer: it routes each command by slot, and again after a redirect. */
    private final RedisChannelWriter router;

    private final MooringClusterClient client;
    private final Object lock = new Object();
    private final Map<Integer, LinkedHashMap<Long, SlotCommand<?, ?, ?>>> lanes = new HashMap<>();
    private final Set<Integer> retryScheduled = new HashSet<>();
    /** Per slot, how many of its commands in the lane were refused or taken back: it waits for a master. */
    private final Map<Integer, Integer> refusedInLane = new HashMap<>();
    /** The commands in all lanes: in flight, parked or waiting (what {@code maxQueuedCommands} bounds). */
    private int inLanes;
    /** Each slot's last {@code MOVED} redirect, by node connection ({@link SlotRules#destination}). */
    private final Map<Integer, SlotRules.Moved> moved = new HashMap<>();

    private long lastSeq;
    private volatile long lastRefreshAsked = System.nanoTime() - REFRESH_AT_MOST_EVERY;

    ClusterOrder(RedisChannelWriter router, MooringClusterClient client) {
        this.router = router;
        this.client = client;
    }

    // ---------------------------------------------------------------- admission

    /**
     * The command the connection hands to Lettuce's cluster writer: a {@link SlotCommand} if it has a key; null if it
     * was failed instead ({@link FailoverQueueFullException}: not queued, not sent).
     */
    <K, V, T> RedisCommand<K, V, T> admit(RedisCommand<K, V, T> command) {
        RuntimeException refused = transactionRefused(command);
        Integer slot = slotOf(command);
        if (refused == null && slot == null) {
            return command;
        }
        if (refused == null) {
            synchronized (lock) {
                refused = queueFull(command, slot);
                if (refused == null) {
                    return admit(command, slot);
                }
            }
        }
        command.completeExceptionally(refused);
        return null;
    }

    /** The same for a batch, numbered in its order; those failed ({@link #admit}) are left out. */
    <K, V> List<RedisCommand<K, V, ?>> admitAll(Collection<? extends RedisCommand<K, V, ?>> commands) {
        List<RedisCommand<K, V, ?>> admitted = new ArrayList<>(commands.size());
        Map<RedisCommand<K, V, ?>, RuntimeException> refused = new LinkedHashMap<>();
        synchronized (lock) {
            for (RedisCommand<K, V, ?> command : commands) {
                Integer slot = slotOf(command);
                RuntimeException full = transactionRefused(command);
                if (full == null && slot != null) {
                    full = queueFull(command, slot);
                }
                if (full != null) {
                    refused.put(command, full);
                } else {
                    admitted.add(slot == null ? command : admit(command, slot));
                }
            }
        }
        refused.forEach(RedisCommand::completeExceptionally);
        return admitted;
    }

    /**
     * {@code MULTI}, {@code EXEC}, {@code DISCARD}, {@code WATCH} and {@code UNWATCH} are failed, never sent. Lettuce's
     * cluster API has none of them (by design: a transaction lives on one node's connection), but its command objects
     * implement them; sent through a cluster connection, the keyless ones go to a node of Lettuce's choice while each
     * keyed command goes to its slot's master on another connection, so the "transaction's" commands are applied at
     * once, one by one, and {@code EXEC} answers for an empty transaction elsewhere.
     */
    private RuntimeException transactionRefused(RedisCommand<?, ?, ?> command) {
        if (!(command.getType() instanceof CommandType type) || !TRANSACTIONAL.contains(type)) {
            return null;
        }
        return new MooringException(type + " is not supported on a connection to the Redis Cluster behind "
                + client.service() + " and was not sent: Lettuce would send MULTI/EXEC/DISCARD to one node and each"
                + " keyed command to its slot's master on another connection, so the commands would be applied at"
                + " once, outside any transaction. For an atomic change of keys in one slot use a Lua script or a"
                + " function (EVAL, FCALL: routed, ordered and waited for by their keys like any command), or a"
                + " transaction on a node's own connection (getConnection(nodeId)), which Mooring does not carry"
                + " through a failover");
    }

    private static final Set<CommandType> TRANSACTIONAL = EnumSet.of(
            CommandType.MULTI, CommandType.EXEC, CommandType.DISCARD, CommandType.WATCH, CommandType.UNWATCH);

    /**
     * {@code MooringOptions.maxQueuedCommands}, as a replication group's connection applies it: a command whose slot
     * waits for a master is not queued once the connection holds that many commands. Under the lock.
     */
    private RuntimeException queueFull(RedisCommand<?, ?, ?> command, int slot) {
        if (inLanes < client.maxQueuedCommands() || !refusedInLane.containsKey(slot)) {
            return null;
        }
        return new FailoverQueueFullException(inLanes + " commands of a connection to the Redis Cluster behind "
                + client.service() + " already wait or are in flight, and slot " + slot + " has no master that takes"
                + " writes now; " + command.getType() + " was not queued (nor sent). The cap is "
                + client.maxQueuedCommands() + " (MooringOptions.maxQueuedCommands, mooring.max-queued-commands)");
    }

    /** Hands a command to Lettuce's routing, which may also refuse it by throwing (no master known for the slot). */
    private static void route(RedisChannelWriter writer, SlotCommand<?, ?, ?> command) {
        try {
            writer.write(command);
        } catch (RuntimeException notRouted) {
            command.completeExceptionally(notRouted);
        }
    }

    /** Under the lock. */
    private <K, V, T> SlotCommand<K, V, T> admit(RedisCommand<K, V, T> command, int slot) {
        SlotCommand<K, V, T> admitted = new SlotCommand<>(command, this, ++lastSeq, slot);
        lanes.computeIfAbsent(slot, ignored -> new LinkedHashMap<>()).put(admitted.seq, admitted);
        inLanes++;
        return admitted;
    }

    /** The slot Lettuce routes the command by (its first key), or null for a command it sends anywhere. */
    private static Integer slotOf(RedisCommand<?, ?, ?> command) {
        CommandArgs<?, ?> args = command.getArgs();
        if (args == null || command.getType() == CommandType.CLIENT) {
            return null;
        }
        ByteBuffer key = args.getFirstEncodedKey();
        return key == null ? null : SlotHash.getSlot(key);
    }

    // ---------------------------------------------------------------- at a node connection

    /**
     * The node connection a command that reached {@code node} goes to ({@link SlotRules#destination}): the one its
     * slot's last {@code MOVED} went to, while Lettuce still routes the slot to the node that sent it. A command that
     * comes by {@code MOVED} is noted as its slot's last redirect, and the first such redirect from a node asks for a
     * topology refresh, so that Lettuce routes the slot to its new master without waiting for its adaptive refresh's
     * rate limit.
     */
    NodeGate destination(SlotCommand<?, ?, ?> command, NodeGate node, boolean asking, boolean rerouted) {
        boolean newRedirect = false;
        NodeGate destination;
        synchronized (lock) {
            if (command.settled) {
                return node;
            }
            if (SlotRules.movedHere(command.place, command.node, node, asking, rerouted)) {
                SlotRules.Moved redirect = new SlotRules.Moved(command.node, node);
                newRedirect = !redirect.equals(moved.put(command.slot, redirect));
            }
            SlotRules.Moved last = moved.get(command.slot);
            boolean movedToIsUp = last != null && ((NodeGate) last.to()).connected;
            destination = (NodeGate) SlotRules.destination(command.place, asking, last, node, movedToIsUp);
        }
        if (newRedirect) {
            askForRefresh();
        }
        return destination;
    }

    /**
     * A command reached a node connection ({@code unit}: its {@code ASKING}, if any, and its attempt there): true when
     * it goes on now; otherwise it parks there (handed on by {@link #release}), waits for its slot's master (the
     * connection is down), or was answered already and is dropped.
     */
    boolean arrive(
            SlotCommand<?, ?, ?> command,
            NodeGate node,
            NodeAttempt<?, ?, ?> attempt,
            List<RedisCommand<?, ?, ?>> unit) {
        RuntimeException failure = null;
        synchronized (lock) {
            if (command.settled) {
                attempt.retire();
                return false;
            }
            if (!node.connected) {
                attempt.retire();
                failure = refused(command, "its node connection to " + node.address + " is down");
            } else {
                command.node = node;
                command.attempt = attempt;
                if (SlotRules.maySend(earlier(command), node)) {
                    command.place = SlotRules.Place.SENDING;
                    return true;
                }
                command.place = SlotRules.Place.PARKED;
                command.parkedUnit = unit;
                return false;
            }
        }
        if (failure != null) {
            command.deliverFailure(failure);
            release(command.slot);
        }
        return false;
    }

    /** The command went to Lettuce's node writer (on the thread that sent it): later ones may follow it there. */
    void handed(SlotCommand<?, ?, ?> command) {
        synchronized (lock) {
            markSent(command);
        }
        release(command.slot);
    }

    /** Under the lock. */
    private static void markSent(SlotCommand<?, ?, ?> command) {
        if (!command.settled && command.place == SlotRules.Place.SENDING) {
            command.place = SlotRules.Place.SENT;
            command.onWire = command.node.connected;
        }
    }

    /** Hands on, one by one and outside the lock, every parked command of the slot whose turn has come. */
    private void release(int slot) {
        while (true) {
            SlotCommand<?, ?, ?> next;
            List<RedisCommand<?, ?, ?>> unit;
            synchronized (lock) {
                next = nextToRelease(lanes.get(slot));
                if (next == null) {
                    return;
                }
                next.place = SlotRules.Place.SENDING;
                unit = next.parkedUnit;
                next.parkedUnit = null;
            }
            next.node.pass(unit);
            synchronized (lock) {
                markSent(next);
            }
        }
    }

    /** The first command of the lane not yet sent, if parked where all before it went. Under the lock. */
    private static SlotCommand<?, ?, ?> nextToRelease(LinkedHashMap<Long, SlotCommand<?, ?, ?>> lane) {
        if (lane == null) {
            return null;
        }
        List<SlotRules.Earlier> before = new ArrayList<>();
        for (SlotCommand<?, ?, ?> command : lane.values()) {
            if (command.place != SlotRules.Place.SENT) {
                boolean mayGo = command.place == SlotRules.Place.PARKED
                        && command.node.connected
                        && SlotRules.maySend(before, command.node);
                return mayGo ? command : null;
            }
            before.add(new SlotRules.Earlier(command.place, command.node));
        }
        return null;
    }

    /** The commands issued before {@code command} to its slot, in issue order. Under the lock. */
    private List<SlotRules.Earlier> earlier(SlotCommand<?, ?, ?> command) {
        List<SlotRules.Earlier> earlier = new ArrayList<>();
        for (SlotCommand<?, ?, ?> other : lanes.get(command.slot).values()) {
            if (other.seq >= command.seq) {
                break;
            }
            earlier.add(new SlotRules.Earlier(other.place, other.node));
        }
        return earlier;
    }

    // ---------------------------------------------------------------- replies

    /** Lettuce is done with the command (any redirect followed), with a reply or an error reply. */
    void onReply(SlotCommand<?, ?, ?> command) {
        String error = command.getOutput() == null ? null : command.getOutput().getError();
        boolean refused = SlotRules.isRefusal(error);
        boolean resent;
        List<SlotCommand<?, ?, ?>> overtaken = List.of();
        RuntimeException failure = null;
        boolean deliver = true;
        synchronized (lock) {
            if (command.settled) {
                return; // answered already (its fate decided at a loss, or its timeout)
            }
            resent = command.refusal != null;
            OrderRules.AfterReply outcome = OrderRules.afterReply(new OrderRules.Reply(
                    refused,
                    true,
                    false,
                    false,
                    error == null && !ReadOnlyCommands.isReadOnlyCommand(command.getType()),
                    behindWaiting(command)));
            switch (outcome) {
                case RETRY_IN_ORDER -> {
                    command.getOutput().setError((String) null);
                    failure = refused(command, error);
                    deliver = failure != null;
                }
                case DELIVER_AND_FAIL_HELD_BEFORE -> {
                    overtaken = waitingBefore(command);
                    overtaken.forEach(this::settle);
                    settle(command);
                }
                case DELIVER, RESEND_IN_ORDER -> settle(command);
            }
        }
        for (SlotCommand<?, ?, ?> earlier : overtaken) {
            earlier.deliverFailure(overtaken(earlier, command));
        }
        if (deliver) {
            if (failure != null) {
                command.deliverFailure(failure);
            } else {
                command.deliver();
            }
        }
        if (resent && !refused) {
            resend(command.slot, true); // the slot takes writes again: what waits behind it follows at once
        }
        release(command.slot);
    }

    /** Lettuce failed the command (or its timeout did). */
    boolean onFailure(SlotCommand<?, ?, ?> command, Throwable failure) {
        Throwable outcome = failure;
        List<SlotCommand<?, ?, ?>> overtaken = List.of();
        synchronized (lock) {
            if (command.settled) {
                return false; // its outcome is decided already (a loss, a timeout)
            }
            boolean onWire = command.place == SlotRules.Place.SENT && command.onWire;
            if (failure instanceof IOException && onWire) {
                // Lettuce fails the oldest command on the wire with the I/O error that broke the connection; the
                // connection's loss, next, decides its fate with the others on the wire, in order.
                return false;
            }
            if (failure instanceof RedisCommandTimeoutException) {
                if (onWire && !ReadOnlyCommands.isReadOnlyCommand(command.getType())) {
                    outcome = fateUnknownAfterTimeout(command, failure);
                    // It may still be applied: what waits before it can no longer go first (OrderRules.afterLoss).
                    overtaken = waitingBefore(command);
                    overtaken.forEach(this::settle);
                }
                settle(command);
            } else if (command.place == SlotRules.Place.ROUTING && !(failure instanceof CancellationException)) {
                // Lettuce could not route it (no master known for the slot, its node unreachable): not sent.
                outcome = refused(command, "Lettuce could not route it: " + failure);
                if (outcome == null) {
                    return false;
                }
            } else {
                settle(command);
            }
        }
        for (SlotCommand<?, ?, ?> earlier : overtaken) {
            earlier.deliverFailure(notResent(earlier, command, "it did not answer within its timeout"));
        }
        boolean completed = command.deliverFailure(outcome);
        release(command.slot);
        return completed;
    }

    void onCancel(SlotCommand<?, ?, ?> command) {
        synchronized (lock) {
            settle(command);
        }
        command.deliverCancel();
        release(command.slot);
    }

    /**
     * The command was not applied because its slot has no usable master now: it waits in its lane, routed again after
     * {@link SlotRules#RETRY_DELAY}, or fails when it has waited the failover wait (returned; it is settled then).
     * Under the lock.
     */
    private RuntimeException refused(SlotCommand<?, ?, ?> command, String why) {
        markRefused(command, why);
        RuntimeException rejected = client.credentialsRejected(command.slot, command.getType());
        if (rejected != null) { // waiting cannot cure it: the slot's master refuses the credentials (issue 15 §1)
            settle(command);
            return rejected;
        }
        Duration waited = Duration.ofNanos(System.nanoTime() - command.issuedAt);
        if (SlotRules.afterRefusal(waited, client.failoverWait()) == SlotRules.AfterRefusal.FAIL_NO_MASTER) {
            settle(command);
            return noMaster(command, waited);
        }
        command.place = SlotRules.Place.WAITING;
        command.node = null;
        command.attempt = null;
        scheduleRetry(command.slot);
        askForRefresh();
        return null;
    }

    private void scheduleRetry(int slot) {
        if (!retryScheduled.add(slot)) {
            return;
        }
        try {
            resources()
                    .eventExecutorGroup()
                    .schedule(() -> resend(slot, false), SlotRules.RETRY_DELAY.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException shuttingDown) {
            retryScheduled.remove(slot);
        }
    }

    /**
     * Routes the slot's waiting commands again, as {@link SlotRules#resend} says: after a refusal the first one alone,
     * once nothing of the slot whose answer decides is unanswered (a command issued after it still on a node's wire
     * would land ahead of it; a command sent again answers for the slot); all of them, in issue order (their arrival
     * at a node keeps it), once a command sent again was {@code taken}. Until then it looks again after
     * {@link SlotRules#RETRY_DELAY}.
     */
    private void resend(int slot, boolean taken) {
        List<SlotCommand<?, ?, ?>> again = new ArrayList<>();
        synchronized (lock) {
            if (!taken) {
                retryScheduled.remove(slot);
            }
            LinkedHashMap<Long, SlotCommand<?, ?, ?>> lane = lanes.get(slot);
            if (lane == null) {
                return;
            }
            boolean laterUnanswered = false;
            boolean resentUnanswered = false;
            for (SlotCommand<?, ?, ?> command : lane.values()) {
                if (command.place == SlotRules.Place.WAITING) {
                    again.add(command);
                    continue;
                }
                resentUnanswered |= command.refusal != null;
                laterUnanswered |= !again.isEmpty()
                        && (command.place == SlotRules.Place.SENT || command.place == SlotRules.Place.SENDING);
            }
            if (again.isEmpty()) {
                return;
            }
            switch (SlotRules.resend(laterUnanswered, resentUnanswered, taken)) {
                case NOT_YET -> {
                    scheduleRetry(slot);
                    return;
                }
                case FIRST -> again = List.of(again.get(0));
                case ALL -> {}
            }
            again.forEach(command -> command.place = SlotRules.Place.ROUTING);
        }
        for (SlotCommand<?, ?, ?> command : again) {
            route(router, command);
        }
    }

    private void askForRefresh() {
        long now = System.nanoTime();
        long last = lastRefreshAsked;
        if (now - last >= REFRESH_AT_MOST_EVERY) {
            lastRefreshAsked = now;
            client.refreshNow();
        }
    }

    /** Whether an earlier command of its slot waits to be sent again. Under the lock. */
    private boolean behindWaiting(SlotCommand<?, ?, ?> command) {
        return !waitingBefore(command).isEmpty();
    }

    private List<SlotCommand<?, ?, ?>> waitingBefore(SlotCommand<?, ?, ?> command) {
        List<SlotCommand<?, ?, ?>> waiting = new ArrayList<>();
        for (SlotCommand<?, ?, ?> other : lanes.get(command.slot).values()) {
            if (other.seq >= command.seq) {
                break;
            }
            if (other.place == SlotRules.Place.WAITING
                    || other.place == SlotRules.Place.ROUTING && other.refusal != null) {
                waiting.add(other);
            }
        }
        return waiting;
    }

    /** Out of its lane: the application hears of it next. Under the lock. */
    private void settle(SlotCommand<?, ?, ?> command) {
        if (command.settled) {
            return;
        }
        command.settled = true;
        if (command.attempt != null && command.place != SlotRules.Place.SENT) {
            command.attempt.retire(); // parked or being handed on: it must not go out any more
        }
        LinkedHashMap<Long, SlotCommand<?, ?, ?>> lane = lanes.get(command.slot);
        if (lane != null && lane.remove(command.seq) != null) {
            inLanes--;
            if (lane.isEmpty()) {
                lanes.remove(command.slot);
            }
        }
        if (command.refusal != null) {
            refusedInLane.computeIfPresent(command.slot, (slot, count) -> count == 1 ? null : count - 1);
            // It may have been the one sent again whose answer the others wait for: they look again.
            scheduleRetry(command.slot);
        }
    }

    /** The command was refused, or taken back from a lost connection, for the first time. Under the lock. */
    private void markRefused(SlotCommand<?, ?, ?> command, String why) {
        if (command.refusal == null) {
            refusedInLane.merge(command.slot, 1, Integer::sum);
        }
        command.refusal = why;
    }

    // ---------------------------------------------------------------- a lost node connection

    /**
     * A node connection went down (on its event loop, before Lettuce reconnects it): each slot's commands handed to
     * it meet {@link OrderRules#afterLoss}. What was written and unanswered and is not read-only has an unknown fate;
     * the rest is taken back from Lettuce and waits, in its lane, to be routed again.
     */
    void nodeLost(NodeGate node) {
        List<Runnable> outcomes = new ArrayList<>();
        List<Integer> touched = new ArrayList<>();
        synchronized (lock) {
            int unanswered = 0;
            Map<Integer, List<SlotCommand<?, ?, ?>>> lost = new LinkedHashMap<>();
            for (Map.Entry<Integer, LinkedHashMap<Long, SlotCommand<?, ?, ?>>> lane : lanes.entrySet()) {
                List<SlotCommand<?, ?, ?>> atNode = new ArrayList<>();
                boolean anyHere = false;
                for (SlotCommand<?, ?, ?> command : lane.getValue().values()) {
                    // SENDING: another thread is handing it over right now; Lettuce will find it retired
                    boolean here = command.node == node
                            && (command.place == SlotRules.Place.SENT
                                    || command.place == SlotRules.Place.SENDING
                                    || command.place == SlotRules.Place.PARKED);
                    if (here || command.place == SlotRules.Place.WAITING) {
                        // A waiting one too: issued before a write of unknown fate here, it can no longer go first.
                        atNode.add(command);
                        anyHere |= here;
                    }
                    if (here && command.place == SlotRules.Place.SENT && command.onWire) {
                        unanswered++;
                    }
                }
                if (anyHere) {
                    lost.put(lane.getKey(), atNode);
                }
            }
            for (Map.Entry<Integer, List<SlotCommand<?, ?, ?>>> lane : lost.entrySet()) {
                touched.add(lane.getKey());
                List<SlotCommand<?, ?, ?>> commands = lane.getValue();
                List<OrderRules.Lost> facts = new ArrayList<>(commands.size());
                SlotCommand<?, ?, ?> lastUnknown = null;
                for (SlotCommand<?, ?, ?> command : commands) {
                    boolean onWire = command.place == SlotRules.Place.SENT && command.onWire;
                    boolean mayResend = ReadOnlyCommands.isReadOnlyCommand(command.getType());
                    facts.add(new OrderRules.Lost(command.seq, onWire, mayResend));
                    if (onWire && !mayResend) {
                        lastUnknown = command;
                    }
                }
                List<OrderRules.AfterLoss> fates = OrderRules.afterLoss(facts);
                for (int i = 0; i < commands.size(); i++) {
                    SlotCommand<?, ?, ?> command = commands.get(i);
                    if (command.place == SlotRules.Place.WAITING
                            && fates.get(i) == OrderRules.AfterLoss.RESEND_IN_ORDER) {
                        continue; // waits as it did
                    }
                    if (command.attempt != null) {
                        command.attempt.retire();
                    }
                    switch (fates.get(i)) {
                        case RESEND_IN_ORDER -> {
                            command.place = SlotRules.Place.WAITING;
                            command.parkedUnit = null;
                            command.node = null;
                            command.attempt = null;
                            markRefused(command, "its node connection to " + node.address + " was lost");
                            scheduleRetry(lane.getKey());
                        }
                        case FATE_UNKNOWN -> {
                            settle(command);
                            RuntimeException unknown = fateUnknown(command, node, unanswered);
                            outcomes.add(() -> command.deliverFailure(unknown));
                        }
                        case NOT_RESENT -> {
                            settle(command);
                            RuntimeException notResent =
                                    notResent(command, lastUnknown, "its connection to " + node.address + " was lost");
                            outcomes.add(() -> command.deliverFailure(notResent));
                        }
                    }
                }
            }
        }
        outcomes.forEach(Runnable::run);
        touched.forEach(this::release);
    }

    /** The node connection is up again: what it still carries is flushed to the node now. */
    void nodeConnected(NodeGate node) {
        synchronized (lock) {
            for (LinkedHashMap<Long, SlotCommand<?, ?, ?>> lane : lanes.values()) {
                for (SlotCommand<?, ?, ?> command : lane.values()) {
                    if (command.node == node && command.place == SlotRules.Place.SENT) {
                        command.onWire = true;
                    }
                }
            }
        }
    }

    /**
     * The connection is closed: every command still in a lane and not on a node's wire (waiting, parked, routing) is
     * cancelled and never sent; what is on a wire is Lettuce's to cancel.
     */
    void cancelAll() {
        List<SlotCommand<?, ?, ?>> cancelled = new ArrayList<>();
        synchronized (lock) {
            for (LinkedHashMap<Long, SlotCommand<?, ?, ?>> lane : lanes.values()) {
                for (SlotCommand<?, ?, ?> command : lane.values()) {
                    if (command.place != SlotRules.Place.SENT && command.place != SlotRules.Place.SENDING) {
                        cancelled.add(command);
                    }
                }
            }
            cancelled.forEach(this::settle);
        }
        cancelled.forEach(SlotCommand::deliverCancel);
    }

    // ---------------------------------------------------------------- failures (one wording each)

    private NoMasterException noMaster(SlotCommand<?, ?, ?> command, Duration waited) {
        return new NoMasterException(
                command.getType() + " to slot " + command.slot + " of the Redis Cluster behind " + client.service()
                        + " waited " + waited.toMillis() + " ms for the slot's master and was not applied: "
                        + command.refusal + ". The failover wait is "
                        + client.failoverWait().toMillis()
                        + " ms (MooringOptions.failoverWait, mooring.failover-wait)",
                null);
    }

    private CommandFateUnknownException fateUnknown(SlotCommand<?, ?, ?> command, NodeGate node, int unanswered) {
        return new CommandFateUnknownException(
                command.getType().toString(),
                node.address,
                command.getType() + " was sent to " + node.address + " (a master of the Redis Cluster behind "
                        + client.service() + "), whose connection was lost before it answered: it may or may not have"
                        + " been applied (one of " + unanswered + " commands of the connection written and unanswered"
                        + " then). Mooring does not send it again (it is not read-only); read the data back or repeat"
                        + " it if that is safe",
                unanswered);
    }

    private CommandFateUnknownException fateUnknownAfterTimeout(SlotCommand<?, ?, ?> command, Throwable timeout) {
        String node = command.node != null ? command.node.address : "a cluster node";
        CommandFateUnknownException exception = new CommandFateUnknownException(
                command.getType().toString(),
                node,
                command.getType() + " was sent to " + node + " (a master of the Redis Cluster behind "
                        + client.service() + "), which did not answer within the command's timeout ("
                        + timeout.getMessage() + "): it may or may not have been applied, and may still be. Read the"
                        + " data back, or repeat it if that is safe");
        exception.initCause(timeout);
        return exception;
    }

    private CommandNotResentException notResent(
            SlotCommand<?, ?, ?> command, SlotCommand<?, ?, ?> later, String unknownBecause) {
        return new CommandNotResentException(
                command.getType().toString(),
                later.getType().toString(),
                command.getType() + " was not sent again: " + later.getType() + ", issued after it to the same slot"
                        + " of the Redis Cluster behind " + client.service() + ", may already have been applied (its"
                        + " fate is unknown: " + unknownBecause + "), so sending " + command.getType() + " now could"
                        + " apply the two out of order; it was not applied after that");
    }

    private CommandNotResentException overtaken(SlotCommand<?, ?, ?> earlier, SlotCommand<?, ?, ?> later) {
        return new CommandNotResentException(
                earlier.getType().toString(),
                later.getType().toString(),
                earlier.getType() + " was not sent again: the Redis Cluster behind " + client.service()
                        + " refused it (" + earlier.refusal + "), and " + later.getType() + ", issued after it to the"
                        + " same slot, has been applied since. Sending " + earlier.getType() + " now would apply the"
                        + " two out of order; it was not applied");
    }

    private ClientResources resources() {
        return router.getClientResources();
    }

    @Override
    public String toString() {
        synchronized (lock) {
            return "ClusterOrder[" + client.service() + ", " + lanes.size() + " slot(s) with commands in flight]";
        }
    }
}
