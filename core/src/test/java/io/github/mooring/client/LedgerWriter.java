package io.github.mooring.client;

import io.github.mooring.exceptions.CommandFateUnknownException;
import io.github.mooring.exceptions.MooringException;
import io.github.mooring.testkit.RedisPod;
import io.github.mooring.testkit.UnpausedFailover;
import io.github.mooring.testkit.WriteCheck;
import io.github.mooring.testkit.WriteLedger;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An application writing through one Mooring connection at a steady rate, each write numbered by a {@link WriteLedger}
 * (odd ones {@code RPUSH} its number to a list, even ones {@code SET} a key to it), so that the final master can be
 * checked against what the application was told. It counts the outcomes: acknowledged, fate unknown, failed (told not
 * applied), and every failure other than fate-unknown by type.
 */
abstract class LedgerWriter implements AutoCloseable {

    final WriteLedger ledger;
    final StatefulRedisConnection<String, String> connection;
    /** Writes a second it aims at. */
    final long targetOpsPerSecond;

    final AtomicLong acknowledged = new AtomicLong();
    final AtomicLong fateUnknown = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    /** Failures other than {@link CommandFateUnknownException}, by exception type. */
    final Map<String, AtomicLong> otherFailures = new ConcurrentHashMap<>();

    final List<Throwable> failureSamples = new CopyOnWriteArrayList<>();
    /**
     * Fate-unknown outcomes by the loss that caused them (the cause Mooring gives all of one loss; a timeout is its own):
     * {written and unanswered at that loss, as Mooring counted them then; fate-unknown outcomes seen from it}.
     */
    private final Map<Throwable, long[]> losses = Collections.synchronizedMap(new IdentityHashMap<>());

    private final AtomicLong settled = new AtomicLong();
    private final AtomicLong peakInFlight = new AtomicLong();
    private final AtomicLong lastAckNanos = new AtomicLong(System.nanoTime());
    private final AtomicLong longestGapNanos = new AtomicLong();
    private final ScheduledExecutorService timer;
    private volatile ScheduledFuture<?> task;
    private volatile long startedNanos;
    private volatile long markNanos;
    private final AtomicLong firstAckAfterMark = new AtomicLong();
    private volatile long stoppedNanos;

    LedgerWriter(String name, StatefulRedisConnection<String, String> connection, long targetOpsPerSecond) {
        this.ledger = WriteLedger.named(name);
        this.connection = connection;
        this.targetOpsPerSecond = targetOpsPerSecond;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "writer-" + name);
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Starts writing: {@link #tick()} every {@code period}. */
    final void start(Duration period) {
        startedNanos = System.nanoTime();
        task = timer.scheduleAtFixedRate(
                () -> {
                    try {
                        tick();
                    } catch (RuntimeException e) {
                        sample(e); // the writer keeps going; the test sees the sample
                    }
                },
                0,
                period.toNanos(),
                TimeUnit.NANOSECONDS);
    }

    /** One period's writes. */
    abstract void tick();

    /** Records a write's outcome in the ledger and the counters. */
    final void settle(WriteLedger.Write write, Throwable failure) {
        if (failure == null) {
            ledger.acknowledged(write.seq());
            acknowledged.incrementAndGet();
            long now = System.nanoTime();
            longestGapNanos.accumulateAndGet(now - lastAckNanos.getAndSet(now), Math::max);
            long mark = markNanos;
            if (mark != 0 && now - mark >= 0) {
                firstAckAfterMark.compareAndSet(0, now);
            }
        } else {
            Throwable cause = unwrap(failure);
            if (cause instanceof CommandFateUnknownException unknown) {
                Throwable loss = unknown.getCause() != null ? unknown.getCause() : unknown;
                losses.computeIfAbsent(loss, l -> new long[] {unknown.unansweredAtLoss(), 0})[1]++;
                ledger.fateUnknown(write.seq());
                fateUnknown.incrementAndGet();
            } else {
                otherFailures
                        .computeIfAbsent(cause.getClass().getSimpleName(), k -> new AtomicLong())
                        .incrementAndGet();
                sample(cause);
                if (wasNotApplied(cause)) {
                    ledger.failed(write.seq());
                    failed.incrementAndGet();
                } else {
                    ledger.fateUnknown(write.seq());
                    fateUnknown.incrementAndGet();
                }
            }
        }
        settled.incrementAndGet();
    }

    /** Counts a write handed to the client; keeps the peak of writes waiting for their outcome. */
    final void issued() {
        long inFlight = ledger.issued() - settled.get();
        peakInFlight.accumulateAndGet(inFlight, Math::max);
    }

    /**
     * What the application may conclude from a failure: Mooring's exceptions other than fate-unknown say the command
     * was not applied (never sent, refused, its transaction discarded), as does an error reply; a timeout or a lost
     * connection leaves it open.
     */
    static boolean wasNotApplied(Throwable cause) {
        if (cause instanceof CommandFateUnknownException || cause instanceof RedisCommandTimeoutException) {
            return false;
        }
        return cause instanceof MooringException || cause instanceof RedisCommandExecutionException;
    }

    /**
     * The most writes whose fate can be unknown: what was written to the master and unanswered at each loss of the
     * connection, summed over the losses (as Mooring counted them at the moment of each loss).
     */
    long unansweredAtLosses() {
        synchronized (losses) {
            return losses.values().stream().mapToLong(loss -> loss[0]).sum();
        }
    }

    /** Losses that left more writes of unknown fate than were written and unanswered then: there must be none. */
    List<String> lossesWithMoreFateUnknownThanUnanswered() {
        synchronized (losses) {
            return losses.entrySet().stream()
                    .filter(loss -> loss.getValue()[1] > loss.getValue()[0])
                    .map(loss -> loss.getValue()[1] + " fate unknown from " + loss.getKey())
                    .toList();
        }
    }

    /** Writes still waiting for their outcome. */
    long pending() {
        return ledger.issued() - settled.get();
    }

    /** The most writes that waited for their outcome at once. */
    long peakInFlight() {
        return peakInFlight.get();
    }

    /** Marks a moment ({@link System#nanoTime()}): {@link #firstAckAfterMark()} is the first write acknowledged after it. */
    void mark(long nanos) {
        markNanos = nanos;
    }

    /** When the first write acknowledged after {@link #mark} was acknowledged, or 0. */
    long firstAckAfterMark() {
        return firstAckAfterMark.get();
    }

    Duration longestGap() {
        return Duration.ofNanos(longestGapNanos.get());
    }

    /** Reads the final master and checks the writer's history against it. */
    WriteCheck check(RedisPod finalMaster, UnpausedFailover... failovers) {
        return ledger.check(finalMaster, failovers);
    }

    /** Writes issued per second, from the start until {@link #stop()} (or now). */
    double opsPerSecond() {
        long end = stoppedNanos != 0 ? stoppedNanos : System.nanoTime();
        return ledger.issued() * 1e9 / Math.max(1, end - startedNanos);
    }

    /** Stops issuing; outstanding writes still complete. */
    void stop() {
        ScheduledFuture<?> running = task;
        if (running != null && running.cancel(false)) {
            stoppedNanos = System.nanoTime();
        }
    }

    private void sample(Throwable failure) {
        if (failureSamples.size() < 10) {
            failureSamples.add(failure);
        }
    }

    static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    @Override
    public void close() {
        stop();
        timer.shutdownNow();
    }

    @Override
    public String toString() {
        return ledger.name() + ": issued=" + ledger.issued() + " acked=" + acknowledged + " fateUnknown=" + fateUnknown
                + " failed=" + failed + " other=" + otherFailures + " pending=" + pending() + " peakInFlight="
                + peakInFlight() + " longestGap=" + longestGap().toMillis() + "ms";
    }
}
