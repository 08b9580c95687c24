package io.github.mooring.client;

import io.github.mooring.testkit.WriteLedger;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An asynchronous, pipelining application: every {@code period} it issues a burst of writes through the async API
 * with auto-flush off and flushes them at once, so that a whole burst is in flight together (Lettuce's
 * {@code setAutoFlushCommands(false)} batching). {@link #bursts} sends 250 every 100 ms: 2,500 writes a second, 250 in
 * flight at each burst, and thousands waiting while there is no master. {@link #stream} sends 10 every 4 ms, the same
 * rate as a near-continuous stream, so that some writes are always on their way whenever a failover strikes.
 */
final class PipelinedLedgerWriter extends LedgerWriter {

    static final int BURST = 250;
    /** Bursts stop while this many writes wait (a long outage must not exhaust the failover queue). */
    private static final int MAX_WAITING = 50_000;

    private final RedisAsyncCommands<String, String> async;
    private final int burst;
    private final AtomicReference<Runnable> beforeFlush = new AtomicReference<>();

    /** Bursts of {@value #BURST} every 100 ms. */
    static PipelinedLedgerWriter bursts(String name, StatefulRedisConnection<String, String> connection) {
        return new PipelinedLedgerWriter(name, connection, BURST, Duration.ofMillis(100));
    }

    /** 10 writes every 4 ms. */
    static PipelinedLedgerWriter stream(String name, StatefulRedisConnection<String, String> connection) {
        return new PipelinedLedgerWriter(name, connection, 10, Duration.ofMillis(4));
    }

    private PipelinedLedgerWriter(
            String name, StatefulRedisConnection<String, String> connection, int burst, Duration period) {
        super(name, connection, burst * 1_000_000_000L / period.toNanos());
        this.burst = burst;
        this.async = connection.async();
        connection.setAutoFlushCommands(false);
        start(period);
    }

    /**
     * Runs {@code action} on the writer's thread between issuing its next burst and flushing it, so that the burst is
     * on its way while {@code action} (a failover) happens; completes when it ran.
     */
    CompletableFuture<Void> beforeNextFlush(Runnable action) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Runnable hook = () -> {
            try {
                action.run();
                done.complete(null);
            } catch (RuntimeException | Error e) {
                done.completeExceptionally(e);
            }
        };
        if (!beforeFlush.compareAndSet(null, hook)) {
            throw new IllegalStateException("an action already waits for the next flush");
        }
        return done;
    }

    @Override
    void tick() {
        if (pending() <= MAX_WAITING) {
            for (int i = 0; i < burst; i++) {
                WriteLedger.Write write = ledger.next();
                RedisFuture<?> future = write.target() == WriteLedger.Target.LOG
                        ? async.rpush(write.key(), write.value())
                        : async.set(write.key(), write.value());
                issued();
                future.whenComplete((value, failure) -> settle(write, failure));
            }
        }
        Runnable hook = beforeFlush.getAndSet(null);
        if (hook != null) {
            hook.run();
        }
        connection.flushCommands();
    }
}
