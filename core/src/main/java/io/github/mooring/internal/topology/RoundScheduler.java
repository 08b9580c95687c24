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
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When the monitor's probe rounds run. Everything happens on one thread, the coordinator: never two rounds at once;
 * triggers that arrive during a round merge into one round right after it ({@link TopologyStep.Pending}); and a
 * periodic tick at the fast pace ({@code probeInterval}, {@code noMasterProbeInterval} without master), which runs a
 * round when {@link ProbePace} says one is due (always while anything is doubtful, a jittered heartbeat when calm)
 * and otherwise only the quiet tick (discovery's own checks keep their pace).
 */
final class RoundScheduler implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TopologyMonitor.LOG_CATEGORY);

    private final ServiceRef service;
    private final MonitorSettings settings;
    private final ScheduledExecutorService coordinator;
    private final Function<Duration, ProbePace.Situation> situation;
    private final Runnable quietTick;
    private final Predicate<TopologyStep.Pending> roundStarter;
    private volatile ScheduledFuture<?> periodic;
    private volatile boolean closed;

    // Confined to the coordinator thread.
    private TopologyStep.Pending pending;
    private boolean roundRunning;
    private long roundStartedNanos;
    private Duration heartbeat = Duration.ZERO;
    private Long eventNanos; // the last change or event-triggered round; null before the first
    private ProbePace.Rule pace;

    /**
     * @param situation what the pace depends on, given how long ago the last change or event was (null: never)
     * @param quietTick runs on a periodic tick that starts no round
     * @param roundStarter starts a round for the pending triggers, on the coordinator; false when it cannot start one
     *        yet (the triggers stay pending)
     */
    RoundScheduler(
            ServiceRef service,
            MonitorSettings settings,
            Function<Duration, ProbePace.Situation> situation,
            Runnable quietTick,
            Predicate<TopologyStep.Pending> roundStarter) {
        this.service = service;
        this.settings = settings;
        this.situation = situation;
        this.quietTick = quietTick;
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

    /**
     * Called on the coordinator when the running round has been published; {@code changed}: the topology's version
     * moved (the fast pace goes on for {@code calmAfter}, and the next tick follows the interval of the new topology:
     * look for the next master at the faster pace now, not after a full interval).
     */
    void roundFinished(boolean changed) {
        roundRunning = false;
        if (changed) {
            eventNanos = System.nanoTime();
            ScheduledFuture<?> scheduled = periodic;
            if (scheduled != null && scheduled.cancel(false)) {
                schedulePeriodic();
            }
        }
        startIfIdle();
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

    /** Starts the periodic ticks. */
    void start() {
        onCoordinator(this::schedulePeriodic);
    }

    private void schedulePeriodic() {
        Duration interval =
                situationNow().topology().hasMaster() ? settings.probeInterval() : settings.noMasterProbeInterval();
        try {
            periodic = coordinator.schedule(this::tick, interval.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    private void tick() {
        try {
            ProbePace.Rule rule = ProbePace.assess(situationNow(), settings.calmAfter());
            if (rule != pace) {
                log.debug("{}: probe pace: {}", service, rule);
                pace = rule;
            }
            if (ProbePace.roundDue(rule, since(roundStartedNanos), heartbeat)) {
                trigger(TopologyEvent.Trigger.PERIODIC, System.nanoTime());
            } else {
                quietTick.run();
            }
        } catch (RuntimeException e) {
            log.error("{}: topology monitor tick failed", service, e);
        } finally {
            schedulePeriodic(); // whatever failed, the ticks go on
        }
    }

    private ProbePace.Situation situationNow() {
        return situation.apply(eventNanos == null ? null : since(eventNanos));
    }

    private static Duration since(long nanos) {
        return Duration.ofNanos(System.nanoTime() - nanos);
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
            roundStartedNanos = System.nanoTime();
            heartbeat = ProbePace.heartbeat(
                    settings.calmProbeInterval(), ThreadLocalRandom.current().nextDouble());
            if (round.trigger() != TopologyEvent.Trigger.PERIODIC) {
                eventNanos = roundStartedNanos;
            }
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
