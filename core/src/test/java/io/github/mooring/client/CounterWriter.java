package io.github.mooring.client;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.github.mooring.CommandFateUnknownException;
import io.lettuce.core.api.StatefulRedisConnection;

/**
 * An application that INCRs one key at a fixed rate through the async API, the way a service writes under load,
 * and counts what it was told: acknowledged, fate unknown, and every other failure by type.
 */
final class CounterWriter implements AutoCloseable {

    final String key;
    final AtomicLong issued = new AtomicLong();
    final AtomicLong acknowledged = new AtomicLong();
    final AtomicLong fateUnknown = new AtomicLong();
    final Map<String, AtomicLong> otherFailures = new ConcurrentHashMap<>();
    final List<Throwable> failureSamples = new CopyOnWriteArrayList<>();
    final AtomicLong lastAckNanos = new AtomicLong();
    final AtomicLong longestGapNanos = new AtomicLong();
    private final StatefulRedisConnection<String, String> connection;
    private final ScheduledExecutorService timer;
    private final ScheduledFuture<?> task;

    CounterWriter(StatefulRedisConnection<String, String> connection, String key, int opsPerSecond) {
        this.connection = connection;
        this.key = key;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "counter-writer");
            t.setDaemon(true);
            return t;
        });
        long periodMicros = 1_000_000L / opsPerSecond;
        lastAckNanos.set(System.nanoTime());
        this.task = timer.scheduleAtFixedRate(this::issue, 0, periodMicros, TimeUnit.MICROSECONDS);
    }

    private void issue() {
        issued.incrementAndGet();
        connection.async().incr(key).whenComplete((value, failure) -> {
            if (failure == null) {
                long now = System.nanoTime();
                long last = lastAckNanos.getAndSet(now);
                longestGapNanos.accumulateAndGet(now - last, Math::max);
                acknowledged.incrementAndGet();
            } else if (unwrap(failure) instanceof CommandFateUnknownException) {
                fateUnknown.incrementAndGet();
            } else {
                Throwable cause = unwrap(failure);
                otherFailures.computeIfAbsent(cause.getClass().getSimpleName(), k -> new AtomicLong()).incrementAndGet();
                if (failureSamples.size() < 10) {
                    failureSamples.add(cause);
                }
            }
        });
    }

    long pending() {
        return issued.get() - acknowledged.get() - fateUnknown.get()
                - otherFailures.values().stream().mapToLong(AtomicLong::get).sum();
    }

    long failures() {
        return otherFailures.values().stream().mapToLong(AtomicLong::get).sum();
    }

    /** Stops issuing; outstanding commands still complete. */
    void stop() {
        task.cancel(false);
    }

    Duration longestGap() {
        return Duration.ofNanos(longestGapNanos.get());
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof java.util.concurrent.CompletionException
                || t instanceof java.util.concurrent.ExecutionException) && t.getCause() != null) {
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
        return "issued=" + issued + " acked=" + acknowledged + " fateUnknown=" + fateUnknown + " other=" + otherFailures
                + " pending=" + pending() + " longestGap=" + longestGap().toMillis() + "ms";
    }
}
