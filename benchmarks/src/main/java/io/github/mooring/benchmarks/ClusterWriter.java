package io.github.mooring.benchmarks;

import io.github.mooring.exceptions.CommandFateUnknownException;
import io.github.mooring.testkit.WriteLedger;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An application writing to a Redis Cluster through one contender at 500 writes a second, round robin over its
 * lanes: each lane a {@link WriteLedger} whose keys share one hash tag, in a slot of one shard, so that every writer has
 * keys on every master. Synchronous (one call at a time: a call that blocks holds back the next, whatever its shard) or
 * asynchronous (no waiting, up to {@link #MAX_IN_FLIGHT} in flight: every call of an outage is in flight at once). It
 * keeps, per shard, the time of every acknowledgement, and every failure by kind; each write's outcome goes to its
 * lane's ledger for the end check.
 */
final class ClusterWriter {

    /** 500 writes a second per writer. */
    static final long INTERVAL_NANOS = 2_000_000;
    /** Never reached in a 20 s outage at 500/s: the application never waits for room. */
    static final int MAX_IN_FLIGHT = 20_000;

    /** One connection of a contender, as the application calls it. */
    interface Calls {
        /** Writes and waits; throws when the client reported a failure. */
        void write(WriteLedger.Write write) throws Exception;

        /** Writes without waiting. */
        CompletionStage<?> writeAsync(WriteLedger.Write write);
    }

    /** A ledger whose keys all live in a slot of {@code shard}. */
    record Lane(int shard, WriteLedger ledger) {}

    /** What the writer saw: acknowledgement times per shard (ascending), failure times and kinds. */
    record Record(long[][] ackTimesByShard, long[] failureTimes, Map<String, Integer> failureKinds) {}

    private final String name;
    private final Calls calls;
    private final boolean async;
    private final List<Lane> lanes;
    private final Thread thread;
    private final AtomicInteger inFlight = new AtomicInteger();
    // Guarded by this.
    private final long[][] ackTimes;
    private final int[] acks;
    private long[] failureTimes = new long[1_024];
    private int failures;
    private final Map<String, Integer> failureKinds = new LinkedHashMap<>();
    private long lastFailure;
    private volatile boolean running = true;

    ClusterWriter(String name, Calls calls, boolean async, List<Lane> lanes, int shards) {
        this.name = name;
        this.calls = calls;
        this.async = async;
        this.lanes = List.copyOf(lanes);
        this.ackTimes = new long[shards][4_096];
        this.acks = new int[shards];
        this.thread = new Thread(this::loop, "cluster-writer-" + name);
        thread.setDaemon(true);
    }

    String name() {
        return name;
    }

    List<Lane> lanes() {
        return lanes;
    }

    ClusterWriter start() {
        thread.start();
        return this;
    }

    private void loop() {
        long next = System.nanoTime();
        for (long i = 0; running; i++) {
            Lane lane = lanes.get((int) (i % lanes.size()));
            if (!async) {
                WriteLedger.Write write = lane.ledger().next();
                try {
                    calls.write(write);
                    settle(lane, write, null);
                } catch (Exception e) {
                    settle(lane, write, e);
                }
            } else if (inFlight.get() < MAX_IN_FLIGHT) {
                WriteLedger.Write write = lane.ledger().next();
                inFlight.incrementAndGet();
                CompletionStage<?> reply;
                try {
                    reply = calls.writeAsync(write);
                } catch (RuntimeException e) {
                    inFlight.decrementAndGet();
                    settle(lane, write, e);
                    reply = null;
                }
                if (reply != null) {
                    reply.whenComplete((ignored, failure) -> {
                        inFlight.decrementAndGet();
                        settle(lane, write, failure);
                    });
                }
            }
            next = TimedWriter.nextTick(next, INTERVAL_NANOS);
        }
    }

    private void settle(Lane lane, WriteLedger.Write write, Throwable failure) {
        long now = System.nanoTime();
        if (failure == null) {
            lane.ledger().acknowledged(write.seq());
            synchronized (this) {
                int shard = lane.shard();
                if (acks[shard] == ackTimes[shard].length) {
                    ackTimes[shard] = Arrays.copyOf(ackTimes[shard], acks[shard] * 2);
                }
                ackTimes[shard][acks[shard]++] = now;
            }
            return;
        }
        Throwable cause = unwrap(failure);
        if (fateUnknown(cause)) {
            lane.ledger().fateUnknown(write.seq());
        } else {
            lane.ledger().failed(write.seq());
        }
        synchronized (this) {
            if (failures == failureTimes.length) {
                failureTimes = Arrays.copyOf(failureTimes, failures * 2);
            }
            failureTimes[failures++] = now;
            failureKinds.merge(TimedWriter.kind(cause), 1, Integer::sum);
            lastFailure = now;
        }
    }

    /**
     * Whether the client said the write may have been applied (Mooring's {@code CommandFateUnknownException}); every
     * other failure told the application that the write failed, and the end check counts it if it was applied.
     */
    static boolean fateUnknown(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof CommandFateUnknownException) {
                return true;
            }
        }
        return false;
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /** The last acknowledgement on {@code shard}, or 0. */
    synchronized long lastAck(int shard) {
        return acks[shard] == 0 ? 0 : ackTimes[shard][acks[shard] - 1];
    }

    synchronized long lastFailure() {
        return lastFailure;
    }

    /** Stops issuing writes; the calls in flight keep completing. */
    void stop() {
        running = false;
        try {
            thread.join(70_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Writes still waiting for their outcome. */
    long pending() {
        return lanes.stream().mapToLong(lane -> lane.ledger().pending()).sum();
    }

    synchronized Record record() {
        long[][] byShard = new long[ackTimes.length][];
        for (int shard = 0; shard < ackTimes.length; shard++) {
            byShard[shard] = Arrays.copyOf(ackTimes[shard], acks[shard]);
        }
        return new Record(byShard, Arrays.copyOf(failureTimes, failures), new LinkedHashMap<>(failureKinds));
    }

    @Override
    public String toString() {
        return name;
    }
}
