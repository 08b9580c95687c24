package io.github.mooring.benchmarks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes through one contender as fast as one caller can, one write at a time, and keeps the timeline: when each
 * successful write was acknowledged, and every failure by kind.
 */
final class TimedWriter implements AutoCloseable {

    private final Contender contender;
    private final String key;
    private final Thread thread;
    private final List<Long> successes = new ArrayList<>(); // System.nanoTime() of each acknowledgement
    private final Map<String, Integer> failures = new LinkedHashMap<>();
    private volatile boolean running = true;

    TimedWriter(Contender contender, String key) {
        this.contender = contender;
        this.key = key;
        this.thread = new Thread(this::loop, "writer-" + contender.name());
        thread.setDaemon(true);
        thread.start();
    }

    private void loop() {
        long sequence = 0;
        while (running) {
            try {
                contender.write(key, Long.toString(sequence++));
                long now = System.nanoTime();
                synchronized (this) {
                    successes.add(now);
                }
            } catch (Exception e) {
                synchronized (this) {
                    failures.merge(e.getClass().getSimpleName(), 1, Integer::sum);
                }
                pauseAfterFailure();
            }
        }
    }

    /** A failing call may return at once (connection refused); do not spin. */
    private static void pauseAfterFailure() {
        try {
            Thread.sleep(5);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    String name() {
        return contender.name();
    }

    /** The last acknowledgement at or before {@code nanos}, or -1. */
    synchronized long lastSuccessBefore(long nanos) {
        for (int i = successes.size() - 1; i >= 0; i--) {
            if (successes.get(i) <= nanos) {
                return successes.get(i);
            }
        }
        return -1;
    }

    /** The first acknowledgement after {@code nanos}, or -1. */
    synchronized long firstSuccessAfter(long nanos) {
        for (long success : successes) {
            if (success > nanos) {
                return success;
            }
        }
        return -1;
    }

    synchronized List<Long> successes() {
        return new ArrayList<>(successes);
    }

    synchronized Map<String, Integer> failures() {
        return new LinkedHashMap<>(failures);
    }

    synchronized int failureCount() {
        return failures.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** Stops writing; the contender stays open (it may be shared by the next round). */
    void stopWithoutClosing() {
        running = false;
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stopWithoutClosing();
        contender.close();
    }
}
