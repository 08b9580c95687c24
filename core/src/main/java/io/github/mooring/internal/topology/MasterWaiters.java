package io.github.mooring.internal.topology;

import io.github.mooring.topology.NoMasterException;
import io.github.mooring.topology.Topology;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Who waits for a master, and for which one: any master, or one found by a probe round started after a given
 * moment (a connection just lost must not be handed the master it lost, from a topology older than the loss).
 */
final class MasterWaiters {

    /** A future for a master from a round started at or after {@code afterNanos}, or from any round. */
    private record Waiter(boolean fresh, long afterNanos, CompletableFuture<Topology> future) {
        boolean satisfiedBy(long roundStartedNanos) {
            return !fresh || roundStartedNanos - afterNanos >= 0;
        }
    }

    private final List<Waiter> waiters = new ArrayList<>(); // guarded by this
    private Throwable closed; // guarded by this

    /** Completes with the next published topology that has a master. */
    synchronized CompletableFuture<Topology> any() {
        return add(new Waiter(false, 0, new CompletableFuture<>()));
    }

    /** Completes with the first topology with a master from a round started at or after {@code afterNanos}. */
    synchronized CompletableFuture<Topology> fresh(long afterNanos) {
        return add(new Waiter(true, afterNanos, new CompletableFuture<>()));
    }

    private CompletableFuture<Topology> add(Waiter waiter) {
        if (closed != null) {
            waiter.future().completeExceptionally(closed);
        } else {
            waiters.add(waiter);
        }
        return waiter.future();
    }

    /** Hands {@code topology} (published by a round started at {@code roundStartedNanos}) to those it satisfies. */
    void publish(Topology topology, long roundStartedNanos) {
        if (!topology.hasMaster()) {
            return;
        }
        List<CompletableFuture<Topology>> ready = new ArrayList<>();
        synchronized (this) {
            for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
                Waiter waiter = it.next();
                if (waiter.satisfiedBy(roundStartedNanos)) {
                    it.remove();
                    ready.add(waiter.future());
                }
            }
        }
        ready.forEach(future -> future.complete(topology)); // outside the lock: completions run callbacks
    }

    /**
     * Blocks until {@code master} completes, up to {@code timeout}. Every 100 ms it asks {@code giveUp} whether waiting
     * is pointless (a discovery problem waiting cannot cure); {@code timedOut} is thrown when time runs out.
     */
    Topology await(
            CompletableFuture<Topology> master,
            Duration timeout,
            Supplier<? extends RuntimeException> giveUp,
            Supplier<NoMasterException> timedOut) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            RuntimeException pointless = master.isDone() ? null : giveUp.get();
            if (pointless != null) {
                throw pointless;
            }
            long left = deadline - System.nanoTime();
            try {
                return master.get(
                        Math.max(0, Math.min(left, TimeUnit.MILLISECONDS.toNanos(100))), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                if (left <= 0) {
                    throw timedOut.get();
                }
            } catch (ExecutionException e) {
                throw e.getCause() instanceof NoMasterException closed ? closed : timedOut.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw timedOut.get();
            }
        }
    }

    /** Fails every waiter, now and later. */
    void close(Throwable why) {
        List<Waiter> left;
        synchronized (this) {
            closed = why;
            left = new ArrayList<>(waiters);
            waiters.clear();
        }
        left.forEach(waiter -> waiter.future().completeExceptionally(why));
    }
}
