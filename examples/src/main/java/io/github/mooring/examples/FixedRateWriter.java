package io.github.mooring.examples;

import io.github.mooring.exceptions.CommandFateUnknownException;
import io.github.mooring.exceptions.FailoverQueueFullException;
import io.github.mooring.topology.NoMasterException;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One INCR every 1/rate seconds through one connection, whether or not the earlier ones have answered: the way
 * requests keep arriving at a web application during a failover. Records how every write ended and when.
 */
final class FixedRateWriter {

    /** Writes that ended in one second of the progress display. */
    record Second(int ok, int failed, int fateUnknown) {}

    /** A master change the demo made: the new master could take writes from {@code at} until {@code until}. */
    record MasterChange(long at, long until) {}

    private final String name;
    private final String key;
    private final RedisAsyncCommands<String, String> commands;
    private final ScheduledExecutorService ticker;

    // Guarded by this.
    private final List<Long> acknowledged = new ArrayList<>(); // System.nanoTime() of each successful reply
    private final Map<String, Integer> failures = new LinkedHashMap<>();
    private int attempted;
    private int succeeded;
    private int failed;
    private int fateUnknown;
    private int inFlight;
    private long slowestNanos;
    private Second current = new Second(0, 0, 0);

    FixedRateWriter(String name, String key, RedisAsyncCommands<String, String> commands) {
        this.name = name;
        this.key = key;
        this.commands = commands;
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "demo-writer-" + key);
            thread.setDaemon(true);
            return thread;
        });
    }

    String name() {
        return name;
    }

    String key() {
        return key;
    }

    /** Starts writing {@code rate} times a second. */
    void start(int rate) {
        ticker.scheduleAtFixedRate(this::writeOnce, 0, 1_000_000_000L / rate, TimeUnit.NANOSECONDS);
    }

    /** Stops starting writes; the ones in flight still end (see {@link #awaitInFlight}). */
    void stop() {
        ticker.shutdownNow();
        try {
            ticker.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits until every write started has ended, or {@code timeout}; returns whether they all did. */
    synchronized boolean awaitInFlight(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (inFlight > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }

    /** The writes that ended since the last call. */
    synchronized Second takeSecond() {
        Second second = current;
        current = new Second(0, 0, 0);
        return second;
    }

    private void writeOnce() {
        long sent = System.nanoTime();
        synchronized (this) {
            attempted++;
            inFlight++;
        }
        CompletionStage<Long> reply;
        try {
            reply = commands.incr(key);
        } catch (RuntimeException e) { // a client may refuse a command at once instead of failing its future
            reply = CompletableFuture.failedFuture(e);
        }
        reply.whenComplete((value, error) -> ended(sent, error));
    }

    private synchronized void ended(long sent, Throwable error) {
        long now = System.nanoTime();
        inFlight--;
        if (error == null) {
            succeeded++;
            acknowledged.add(now);
            slowestNanos = Math.max(slowestNanos, now - sent);
            current = new Second(current.ok() + 1, current.failed(), current.fateUnknown());
        } else if (unwrap(error) instanceof CommandFateUnknownException) {
            fateUnknown++;
            current = new Second(current.ok(), current.failed(), current.fateUnknown() + 1);
        } else {
            failed++;
            failures.merge(kind(unwrap(error)), 1, Integer::sum);
            current = new Second(current.ok(), current.failed() + 1, current.fateUnknown());
        }
        if (inFlight == 0) {
            notifyAll();
        }
    }

    /**
     * What this writer achieved between {@code start} and {@code end} ({@link System#nanoTime()}).
     *
     * @param changes the master changes the demo made, to count how many this writer followed: a change counts
     *        when a write succeeded after it and before the next disruption (a success can only come from the
     *        master: replicas answer READONLY)
     */
    synchronized WriterStats stats(long start, long end, List<MasterChange> changes, boolean reportsFateUnknown) {
        List<Long> acks = new ArrayList<>(acknowledged);
        Collections.sort(acks); // replies are recorded from several threads
        long longestGap = 0;
        boolean gapToEnd = false;
        long previous = start;
        for (long ack : acks) {
            if (ack - previous > longestGap) {
                longestGap = ack - previous;
            }
            previous = Math.max(previous, ack);
        }
        if (end - previous > longestGap) {
            longestGap = end - previous;
            gapToEnd = true;
        }
        int followed = 0;
        for (MasterChange change : changes) {
            if (acks.stream().anyMatch(ack -> ack > change.at() && ack <= change.until())) {
                followed++;
            }
        }
        return new WriterStats(
                name,
                attempted,
                succeeded,
                failed,
                reportsFateUnknown ? OptionalInt.of(fateUnknown) : OptionalInt.empty(),
                Duration.ofNanos(longestGap),
                gapToEnd,
                Duration.ofNanos(slowestNanos),
                followed,
                changes.size(),
                new LinkedHashMap<>(failures));
    }

    private static Throwable unwrap(Throwable error) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /** A short name for a kind of failure, for the summary. */
    static String kind(Throwable error) {
        String message = String.valueOf(error.getMessage());
        if (error instanceof RedisCommandTimeoutException) {
            return "timed out";
        }
        if (error instanceof RedisCommandExecutionException) {
            String word = message.split(" ", 2)[0];
            return word.equals("READONLY") ? "READONLY (written to a replica)" : "error " + word;
        }
        if (error instanceof NoMasterException) {
            return "no master";
        }
        if (error instanceof FailoverQueueFullException) {
            return "failover queue full";
        }
        if (error instanceof RedisConnectionException) {
            return "connection failed";
        }
        if (error instanceof IOException) {
            return "connection lost (" + error.getClass().getSimpleName() + ")"; // e.g. reset while the write was out
        }
        return error.getClass().getSimpleName();
    }
}
