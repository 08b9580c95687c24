package io.github.mooring.cluster;

import io.github.mooring.testkit.RedisPod;
import io.github.mooring.testkit.WriteCheck;
import io.github.mooring.testkit.WriteLedger;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An application writing through one cluster connection at a steady rate, numbered by a {@link WriteLedger} (its keys
 * share one hash tag, so one slot), synchronously (one write at a time) or asynchronously (up to 500 in flight). It
 * keeps the time of every acknowledgement, to measure write gaps, and counts every failure as of unknown fate.
 */
final class ClusterLedgerWriter implements AutoCloseable {

    private static final int MAX_IN_FLIGHT = 500;

    final WriteLedger ledger;
    private final StatefulRedisClusterConnection<String, String> connection;
    private final boolean async;
    private final ScheduledExecutorService timer;
    private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
    final AtomicLong acknowledged = new AtomicLong();
    /** Failed writes: every one of unknown fate (see {@link #settle}). */
    final AtomicLong fateUnknown = new AtomicLong();

    final java.util.Map<String, AtomicLong> failures = new java.util.concurrent.ConcurrentHashMap<>();
    private long[] ackTimes = new long[4096];
    private int acks;

    ClusterLedgerWriter(
            String name, StatefulRedisClusterConnection<String, String> connection, boolean async, int opsPerSecond) {
        this.ledger = WriteLedger.named(name);
        this.connection = connection;
        this.async = async;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "writer-" + name);
            thread.setDaemon(true);
            return thread;
        });
        timer.scheduleAtFixedRate(this::tick, 0, 1_000_000_000L / opsPerSecond, TimeUnit.NANOSECONDS);
    }

    private void tick() {
        if (async && !inFlight.tryAcquire()) {
            return; // as many in flight as the application allows: it waits
        }
        WriteLedger.Write write = ledger.next();
        if (async) {
            var commands = connection.async();
            var reply = write.target() == WriteLedger.Target.LOG
                    ? commands.rpush(write.key(), write.value()).thenApply(ignored -> "OK")
                    : commands.set(write.key(), write.value());
            reply.whenComplete((ignored, failure) -> {
                inFlight.release();
                settle(write, failure);
            });
            return;
        }
        try {
            if (write.target() == WriteLedger.Target.LOG) {
                connection.sync().rpush(write.key(), write.value());
            } else {
                connection.sync().set(write.key(), write.value());
            }
            settle(write, null);
        } catch (RuntimeException e) {
            settle(write, e);
        }
    }

    private void settle(WriteLedger.Write write, Throwable failure) {
        if (failure == null) {
            ledger.acknowledged(write.seq());
            acknowledged.incrementAndGet();
            long now = System.nanoTime();
            synchronized (this) {
                if (acks == ackTimes.length) {
                    ackTimes = Arrays.copyOf(ackTimes, acks * 2);
                }
                ackTimes[acks++] = now;
            }
            return;
        }
        Throwable cause =
                failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        String message = String.valueOf(cause.getMessage());
        failures.computeIfAbsent(
                        cause.getClass().getSimpleName() + ": " + message.substring(0, Math.min(60, message.length())),
                        k -> new AtomicLong())
                .incrementAndGet();
        // Every failure is of unknown fate. Lettuce re-sends, after a reconnect or through another node connection,
        // the commands a lost node connection had written (at least once), and Mooring's cluster connections do not
        // yet number and judge them as MooringRedisClient's FailoverWriter does: an error reply (CLUSTERDOWN from the
        // node back at its new IP) to the second attempt says nothing of the first, which the killed master may have
        // applied (MooringClusterClientIT saw it: "applied though failed"). What the check still proves: nothing
        // acknowledged lost, nothing applied twice, issue order.
        ledger.fateUnknown(write.seq());
        fateUnknown.incrementAndGet();
    }

    /** The first acknowledgement at or after {@code nanoTime}, or -1. */
    synchronized long firstAckAfter(long nanoTime) {
        for (int i = 0; i < acks; i++) {
            if (ackTimes[i] >= nanoTime) {
                return ackTimes[i];
            }
        }
        return -1;
    }

    /** When the longest time without an acknowledgement between {@code from} and {@code to} ended. */
    synchronized long endOfLongestGap(long from, long to) {
        long previous = from;
        long longest = -1;
        long end = -1;
        for (int i = 0; i < acks; i++) {
            if (ackTimes[i] < from) {
                continue;
            }
            if (ackTimes[i] > to) {
                break;
            }
            if (ackTimes[i] - previous > longest) {
                longest = ackTimes[i] - previous;
                end = ackTimes[i];
            }
            previous = ackTimes[i];
        }
        return end;
    }

    /** The longest time without an acknowledgement between {@code from} and {@code to}. */
    synchronized Duration longestGap(long from, long to) {
        long previous = from;
        long longest = 0;
        for (int i = 0; i < acks; i++) {
            if (ackTimes[i] < from) {
                continue;
            }
            if (ackTimes[i] > to) {
                break;
            }
            longest = Math.max(longest, ackTimes[i] - previous);
            previous = ackTimes[i];
        }
        return Duration.ofNanos(Math.max(longest, to - previous));
    }

    void stop() {
        timer.shutdown();
    }

    /** Waits until every write issued has its outcome (at most {@code timeout}). */
    void awaitSettled(Duration timeout) throws InterruptedException {
        timer.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (acknowledged.get() + fateUnknown.get() < ledger.issued() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    WriteCheck check(RedisPod master) {
        return ledger.check(master);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }

    @Override
    public String toString() {
        return ledger.name() + (async ? " (async)" : " (sync)") + ": issued=" + ledger.issued() + " acked="
                + acknowledged + " failed=" + fateUnknown + " " + failures;
    }
}
