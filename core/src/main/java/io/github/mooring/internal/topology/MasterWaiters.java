package io.github.mooring.internal.topology;

import io.github.mooring.discovery.ServiceRef;
import io.github.mooring.exceptions.CredentialsRejectedException;
import io.github.mooring.probe.ProbeResult;
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
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Waiting for a master of one {@link TopologyMonitor}'s group: who waits, and for which one (any master, or one found
 * by a probe round started after a given moment: a connection just lost must not be handed the master it lost, from a
 * topology older than the loss), and the exceptions that say why there is none. The monitor
 * {@linkplain #publish hands} each round's topology here; nothing here decides who is master.
 */
public final class MasterWaiters {

    /** A future for a master from a round started at or after {@code afterNanos}, or from any round. */
    private record Waiter(boolean fresh, long afterNanos, CompletableFuture<Topology> future) {
        boolean satisfiedBy(long roundStartedNanos) {
            return !fresh || roundStartedNanos - afterNanos >= 0;
        }
    }

    private final ServiceRef service;
    private final Supplier<TopologyStep.State> state;
    private final DataAtRiskGate dataAtRisk;
    private final Supplier<String> activeSource;
    private final Consumer<String> suspect;
    private final List<Waiter> waiters = new ArrayList<>(); // guarded by this
    private Throwable closed; // guarded by this

    /**
     * @param state the monitor's state, as of the last round
     * @param activeSource the name of the discovery source in use, or null before discovery started
     * @param suspect asks the monitor for a round now, saying why
     */
    MasterWaiters(
            ServiceRef service,
            Supplier<TopologyStep.State> state,
            DataAtRiskGate dataAtRisk,
            Supplier<String> activeSource,
            Consumer<String> suspect) {
        this.service = service;
        this.state = state;
        this.dataAtRisk = dataAtRisk;
        this.activeSource = activeSource;
        this.suspect = suspect;
    }

    /** Completes with the first topology that has a master (at once if the current one has). */
    public CompletableFuture<Topology> whenMaster() {
        Topology now = topology();
        return now.hasMaster() ? CompletableFuture.completedFuture(now) : any();
    }

    /**
     * Completes with the first topology that has a master and comes from a probe round started after
     * {@code afterNanos} ({@link System#nanoTime()}), and asks for such a round now. Used when a connection was just
     * lost: the topology from before the loss may name the pod that is gone.
     */
    public CompletableFuture<Topology> whenFreshMaster(long afterNanos) {
        CompletableFuture<Topology> future = fresh(afterNanos);
        suspect.accept("a connection was lost");
        return future;
    }

    /**
     * Waits up to {@code timeout} for a master.
     *
     * @throws NoMasterException when none appears in time, or at once when discovery has failed for a reason waiting
     *         cannot cure (Service not found, port not found, RBAC, a DNS name that does not resolve) before it ever
     *         reported an endpoint
     * @throws CredentialsRejectedException at once when there is no master and a pod refuses the credentials
     */
    public Topology awaitMaster(Duration timeout) {
        return await(
                whenMaster(),
                timeout,
                () -> dataAtRisk.refusalOr(
                        topology(), () -> TopologyStep.reasonToStopWaiting(service, state.get(), activeSource.get())),
                () -> noMaster(topology(), timeout));
    }

    /** The exception for a pod that refuses Mooring's credentials; {@code what} says what became of the command. */
    public CredentialsRejectedException credentialsRejected(ProbeResult refusal, String what) {
        return TopologyStep.credentialsRejected(service, topology(), refusal, what);
    }

    /** The exception for "no master within {@code waited}", with the reason spelled out. */
    public NoMasterException noMaster(Topology topology, Duration waited) {
        return TopologyStep.noMaster(service, state.get(), topology, waited);
    }

    private Topology topology() {
        return state.get().topology();
    }

    /** Completes with the next published topology that has a master. */
    private synchronized CompletableFuture<Topology> any() {
        return add(new Waiter(false, 0, new CompletableFuture<>()));
    }

    /** Completes with the first topology with a master from a round started at or after {@code afterNanos}. */
    private synchronized CompletableFuture<Topology> fresh(long afterNanos) {
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
    private static Topology await(
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
