package io.github.mooring.healer;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.mooring.discovery.ServiceRef;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongPredicate;
import org.slf4j.Logger;

/**
 * What {@link Healer} and {@link ClusterHealer} share: the one thread everything of a healer runs on, its listeners,
 * and how the steps of a fix are taken (fenced by the Lease, each re-checked right before, stopping at a failure).
 */
final class HealerLoop {

    /** How one healer checks and sends a step, on the healer's thread. */
    interface Steps {
        /** Why {@code action} must not be sent now (asked of the pods right before), or empty. */
        Optional<String> recheck(RepairAction action, long term);

        /** Sends {@code action}; returns the reply. Only while the Lease holds in {@code term}. */
        String send(RepairAction action, long term);
    }

    private final Logger log;
    private final ServiceRef service;
    private final ScheduledExecutorService executor;
    private final List<HealerListener> listeners = new CopyOnWriteArrayList<>();
    private long lastActionNanos = System.nanoTime() - TimeUnit.DAYS.toNanos(1); // healer thread only
    private volatile boolean closed;

    HealerLoop(Logger log, ServiceRef service, String threadName) {
        this.log = log;
        this.service = service;
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, threadName);
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Runs {@code task} on the healer's thread; a failure is logged, nothing else. Ignored once closed. */
    void submit(Runnable task) {
        if (closed) {
            return;
        }
        try {
            executor.execute(() -> guarded(task));
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    /** Runs {@code task} on the healer's thread every {@code period}, until closed. */
    void every(Duration period, Runnable task) {
        executor.scheduleWithFixedDelay(
                () -> guarded(task), period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void guarded(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            log.error("{}: healer task failed", service, e);
        }
    }

    void addListener(HealerListener listener) {
        listeners.add(listener);
    }

    void removeListener(HealerListener listener) {
        listeners.remove(listener);
    }

    void emit(HealerEvent event) {
        for (HealerListener listener : listeners) {
            try {
                listener.onEvent(event);
            } catch (RuntimeException e) {
                log.warn("{}: healer listener {} failed", service, listener, e);
            }
        }
    }

    /** When the last repair command was sent ({@code nanoTime}; a day ago before the first). */
    long lastActionNanos() {
        return lastActionNanos;
    }

    /**
     * Takes the steps of {@code finding}'s fix in order: each only while {@code holds(term)}, each re-checked right
     * before; a failed step ends the fix (the later steps assume it worked). Each step is logged and an event.
     */
    void takeSteps(Finding finding, long term, LongPredicate holds, Steps steps) {
        log.info("{}: repairing: {}", service, finding.description());
        for (RepairAction action : finding.fix()) {
            if (!holds.test(term)) {
                String why = "this client no longer holds the Lease within its safety margin";
                log.warn("{}: not sending {}: {}", service, action, why);
                emit(new HealerEvent.ActionSkipped(Instant.now(), action, why));
                continue; // every later step is skipped the same way, and reported
            }
            Optional<String> skip = steps.recheck(action, term);
            if (skip.isPresent()) {
                log.info("{}: not sending {}: {}", service, action, skip.get());
                emit(new HealerEvent.ActionSkipped(Instant.now(), action, skip.get()));
                continue;
            }
            try {
                String reply = steps.send(action, term);
                lastActionNanos = System.nanoTime();
                log.warn("{}: healer sent {} ({}): {}", service, action, action.why(), reply);
                emit(new HealerEvent.ActionTaken(Instant.now(), action, reply));
            } catch (RuntimeException e) {
                String why = "failed: " + e.getMessage();
                log.warn("{}: healer could not send {}: {}", service, action, why);
                emit(new HealerEvent.ActionSkipped(Instant.now(), action, why));
                break; // the later steps assume this one worked
            }
        }
    }

    /**
     * Starts taking part in the Service's Lease ({@link Healer#leaseName}); what the Lease says runs on this thread:
     * {@code leadershipChanged} on every change, {@code cannotLead} once when leading is impossible (RBAC, no Lease API).
     */
    LeaseLeadership lead(
            KubernetesClient client,
            HealerSettings settings,
            String identity,
            String threadName,
            Consumer<Boolean> leadershipChanged,
            Consumer<String> cannotLead) {
        LeaseLeadership lease = new LeaseLeadership(
                client,
                service.namespace(),
                Healer.leaseName(settings, service),
                identity,
                settings,
                threadName,
                new LeaseLeadership.Listener() {
                    @Override
                    public void leadershipChanged(boolean leader) {
                        submit(() -> leadershipChanged.accept(leader));
                    }

                    @Override
                    public void cannotLead(String why) {
                        submit(() -> cannotLead.accept(why));
                    }
                });
        lease.start();
        return lease;
    }

    boolean closed() {
        return closed;
    }

    /**
     * Whether the healer of this loop leads: it holds {@code lease}, within its renew deadline, or (without a Lease,
     * {@code lease} null) it repairs alone and is open.
     */
    boolean leads(LeaseLeadership lease, HealerMode mode, HealerSettings settings) {
        return lease != null ? lease.isLeader() : mode == HealerMode.REPAIR && settings.withoutLease() && !closed();
    }

    /** From now on, tasks are ignored (the first step of closing: before the Lease is handed back). */
    void refuseTasks() {
        closed = true;
    }

    /** Stops the thread, waiting up to 5 s for the task under way. */
    void close() {
        closed = true;
        executor.shutdown();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
