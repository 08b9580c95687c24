package io.github.mooring.internal.topology;

import io.github.mooring.discovery.ServiceRef;
import io.github.mooring.topology.TopologyEvent;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When the monitor's probe rounds run. Everything happens on one thread, the coordinator: never two rounds at once;
 * triggers that arrive during a round merge into one round right after it ({@link TopologyStep.Pending}); and a
 * periodic round every interval, an interval the monitor chooses (shorter while there is no master).
 */
final class RoundScheduler implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TopologyMonitor.LOG_CATEGORY);

    private final ServiceRef service;
    private final ScheduledExecutorService coordinator;
    private final Supplier<Duration> periodicInterval;
    private final Predicate<TopologyStep.Pending> roundStarter;
    private volatile ScheduledFuture<?> periodic;
    private volatile boolean closed;

    // Confined to the coordinator thread.
    private TopologyStep.Pending pending;
    private boolean roundRunning;

    /**
     * @param roundStarter starts a round for the pending triggers, on the coordinator; false when it cannot start one
     *        yet (the triggers stay pending)
     */
    RoundScheduler(
            ServiceRef service, Supplier<Duration> periodicInterval, Predicate<TopologyStep.Pending> roundStarter) {
        this.service = service;
        this.periodicInterval = periodicInterval;
        this.roundStarter = roundStarter;
        this.coordinator = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "mooring-monitor-" + service.name());
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Asks for a round: at once when none runs, else right after the running one. */
    void trigger(TopologyEvent.Trigger trigger, long nanos) {
        onCoordinator(() -> {
            pending = TopologyStep.Pending.merge(pending, trigger, nanos);
            startIfIdle();
        });
    }

    /** Called on the coordinator when the running round has been published. */
    void roundFinished() {
        roundRunning = false;
        startIfIdle();
    }

    /** The periodic interval may have changed (the master was lost): the next periodic round follows the new one. */
    void paceChanged() {
        ScheduledFuture<?> scheduled = periodic;
        if (scheduled != null && scheduled.cancel(false)) {
            schedulePeriodic();
        }
    }

    /** Runs {@code task} on the coordinator thread; a failure is logged and never stops later rounds. */
    void onCoordinator(Runnable task) {
        if (closed) {
            return;
        }
        try {
            coordinator.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException | Error e) {
                    log.error("{}: topology monitor task failed", service, e);
                }
            });
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    /**
     * Runs {@code task} on the coordinator and waits for it; its exception is rethrown as is when unchecked, else
     * wrapped in an {@link IllegalStateException} saying it happened while {@code doing}.
     */
    <T> T call(Callable<T> task, String doing) {
        try {
            return coordinator.submit(task).get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException runtime
                    ? runtime
                    : new IllegalStateException(doing + " failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while " + doing, e);
        }
    }

    void schedulePeriodic() {
        try {
            periodic = coordinator.schedule(
                    () -> {
                        trigger(TopologyEvent.Trigger.PERIODIC, System.nanoTime());
                        schedulePeriodic();
                    },
                    periodicInterval.get().toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    private void startIfIdle() {
        if (closed || roundRunning || pending == null) {
            return;
        }
        TopologyStep.Pending round = pending;
        pending = null;
        // Marked running only once started: had the starter thrown, no round would ever run again.
        if (roundStarter.test(round)) {
            roundRunning = true;
        } else {
            pending = TopologyStep.Pending.merge(round, round.trigger(), round.sinceNanos());
        }
    }

    @Override
    public void close() {
        closed = true;
        ScheduledFuture<?> scheduled = periodic;
        if (scheduled != null) {
            scheduled.cancel(false);
        }
        coordinator.shutdownNow();
    }
}
