package io.github.mooring.benchmarks;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * A contender running in one {@link Setup}: the application instance the benchmark drives. Between repetitions it
 * must be able to write; one that cannot (still on a dead IP, or on a node that is now a replica) is recreated, as an
 * operator restarts an application that stopped working.
 */
final class Slot {

    /** A working contender writes at once; plain Lettuce gives up after its 1 s timeout, Redisson may block longer. */
    private static final long HEALTH_CHECK_MILLIS = 1_500;

    private final String id;
    private final String name;
    private final Setup setup;
    private final Callable<Contender> factory;
    private volatile Contender current;
    private int recreations;

    Slot(String id, String name, Setup setup, Callable<Contender> factory) {
        this.id = id;
        this.name = name;
        this.setup = setup;
        this.factory = factory;
    }

    /** Short id used in keys ({@code w:<id>:<seq>}). */
    String id() {
        return id;
    }

    String name() {
        return name;
    }

    Setup setup() {
        return setup;
    }

    /** The contender as it is now (created on first use). */
    synchronized Contender contender() throws Exception {
        if (current == null) {
            current = factory.call();
        }
        return current;
    }

    /** How many times it had to be recreated because it could not write after the group was restored. */
    synchronized int recreations() {
        return recreations;
    }

    /**
     * Makes sure a write succeeds now, recreating the contender up to {@code attempts} times. Returns false when it
     * still cannot write.
     */
    boolean ensureWritable(ExecutorService executor, int attempts) {
        for (int attempt = 0; attempt <= attempts; attempt++) {
            try {
                Contender contender = contender();
                Future<?> write = executor.submit(() -> {
                    contender.write("hc:" + id, "1");
                    return null;
                });
                try {
                    write.get(HEALTH_CHECK_MILLIS, TimeUnit.MILLISECONDS);
                    return true;
                } catch (Exception e) {
                    write.cancel(true);
                }
            } catch (Exception e) {
                // creation failed: try again
            }
            if (attempt < attempts) {
                recreate(executor);
                Benchmark.pause(Duration.ofMillis(200));
            }
        }
        return false;
    }

    /** Closes the current contender (in the background: a stuck one may take a while) and forgets it. */
    synchronized void recreate(ExecutorService executor) {
        Contender old = current;
        current = null;
        recreations++;
        if (old != null) {
            executor.submit(old::close);
        }
    }

    synchronized void close() {
        if (current != null) {
            try {
                current.close();
            } catch (RuntimeException e) {
                // closing at the end: nothing left to do
            }
            current = null;
        }
    }

    @Override
    public String toString() {
        return setup.key() + "/" + name;
    }
}
