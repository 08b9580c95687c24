package io.github.mooring.benchmarks;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.LockSupport;

/**
 * Writes through one contender at a steady pace (one {@code SET} every {@link #INTERVAL_NANOS}, one call at a time,
 * as an application thread would), each to a key of its own ({@code w:<slot>:<seq>}), and keeps the timeline: when
 * each write was acknowledged, and every failure by kind. Keys are unique so that afterwards each acknowledged write
 * can be looked for on the node that ended up master.
 */
final class TimedWriter {

    /** 500 writes per second per contender, as in the client's own failover tests. */
    static final long INTERVAL_NANOS = 2_000_000;

    private final Slot slot;
    private final Contender contender;
    private final Thread thread;
    private long[] ackTimes = new long[16_384];
    private long[] ackSeqs = new long[16_384];
    private int acks;
    private long[] failureTimes = new long[1_024];
    private int failures;
    private final Map<String, Integer> failureKinds = new LinkedHashMap<>();
    private volatile long lastAck;
    private volatile long lastFailure;
    private volatile boolean running = true;
    private boolean closed;

    TimedWriter(Slot slot) throws Exception {
        this.slot = slot;
        this.contender = slot.contender();
        this.thread = new Thread(this::loop, "writer-" + slot);
        thread.setDaemon(true);
    }

    TimedWriter start() {
        thread.start();
        return this;
    }

    Slot slot() {
        return slot;
    }

    static String key(Slot slot, long seq) {
        return "w:" + slot.id() + ":" + seq;
    }

    static String keyPattern(Slot slot) {
        return "w:" + slot.id() + ":*";
    }

    private void loop() {
        long seq = 0;
        long next = System.nanoTime();
        while (running) {
            long current = seq++;
            try {
                contender.write(key(slot, current), "v");
                acked(current, System.nanoTime());
            } catch (Exception e) {
                failed(e, System.nanoTime());
            }
            next = nextTick(next, INTERVAL_NANOS);
        }
    }

    /**
     * Waits for the tick after {@code tick} of a steady pace, and returns it; after a call that blocked past it, the
     * pace resumes from now instead of bursting to catch up.
     */
    static long nextTick(long tick, long intervalNanos) {
        long next = tick + intervalNanos;
        long now = System.nanoTime();
        if (next < now - intervalNanos) {
            return now; // fell behind (a call blocked): resume the pace, do not burst
        }
        if (next > now) {
            LockSupport.parkNanos(next - now);
        }
        return next;
    }

    private synchronized void acked(long seq, long nanos) {
        if (closed) {
            return;
        }
        if (acks == ackTimes.length) {
            ackTimes = Arrays.copyOf(ackTimes, acks * 2);
            ackSeqs = Arrays.copyOf(ackSeqs, acks * 2);
        }
        ackTimes[acks] = nanos;
        ackSeqs[acks] = seq;
        acks++;
        lastAck = nanos;
    }

    private synchronized void failed(Exception e, long nanos) {
        if (closed) {
            return;
        }
        if (failures == failureTimes.length) {
            failureTimes = Arrays.copyOf(failureTimes, failures * 2);
        }
        failureTimes[failures++] = nanos;
        failureKinds.merge(kind(e), 1, Integer::sum);
        lastFailure = nanos;
    }

    /** The exception's class, and for Redis error replies their code (READONLY, LOADING, ...). */
    static String kind(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null
                && cause.getCause() != cause
                && (cause instanceof ExecutionException
                        || cause.getClass().getSimpleName().equals("RedisException"))) {
            cause = cause.getCause();
        }
        String message = String.valueOf(cause.getMessage());
        String code = message.isEmpty() ? "" : message.split("[\\s:]", 2)[0];
        if (!code.isEmpty() && code.equals(code.toUpperCase(Locale.ROOT)) && code.matches("[A-Z]{4,}")) {
            return cause.getClass().getSimpleName() + " " + code;
        }
        return cause.getClass().getSimpleName();
    }

    long lastAck() {
        return lastAck;
    }

    long lastFailure() {
        return lastFailure;
    }

    /**
     * Stops writing and freezes the record. A call still blocked in the contender (a long client timeout) is left to
     * finish in the background; whatever it returns is not recorded.
     */
    Record stop(long waitMillis) {
        running = false;
        try {
            thread.join(waitMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            closed = true;
            return new Record(
                    Arrays.copyOf(ackTimes, acks),
                    Arrays.copyOf(ackSeqs, acks),
                    Arrays.copyOf(failureTimes, failures),
                    new LinkedHashMap<>(failureKinds));
        }
    }

    /** What one writer saw: acknowledgement times (ascending) with their sequence numbers, and failures. */
    record Record(long[] ackTimes, long[] ackSeqs, long[] failureTimes, Map<String, Integer> failureKinds) {

        /** Index of the last acknowledgement at or before {@code nanos}, or -1. */
        int lastAckIndexAtOrBefore(long nanos) {
            int index = Arrays.binarySearch(ackTimes, nanos);
            if (index >= 0) {
                while (index + 1 < ackTimes.length && ackTimes[index + 1] == nanos) {
                    index++;
                }
                return index;
            }
            return -index - 2;
        }

        int failuresBetween(long from, long to) {
            int count = 0;
            for (long time : failureTimes) {
                if (time >= from && time <= to) {
                    count++;
                }
            }
            return count;
        }
    }
}
