package io.github.mooring.topology;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.mooring.NoMasterException;
import io.github.mooring.discovery.DiscoveryException;
import io.github.mooring.discovery.Endpoint;
import io.github.mooring.discovery.EndpointListener;
import io.github.mooring.discovery.EndpointSnapshot;
import io.github.mooring.discovery.EndpointSource;
import io.github.mooring.discovery.EndpointWatch;
import io.github.mooring.discovery.ServiceRef;
import io.github.mooring.probe.ProbeResult;
import io.github.mooring.probe.RoleProber;

/**
 * Knows which pod of a Service is master, right now. It probes every candidate pod when discovery reports a
 * change, when the connection layer {@linkplain #suspect(String) suspects} the master, and on a periodic safety
 * interval; elects the master with {@link MasterElection}; publishes an immutable {@link Topology}; and tells
 * listeners what changed.
 * <p>
 * One thread coordinates rounds (never two at once; triggers that arrive during a round start one more right
 * after it), probes run concurrently on Lettuce's I/O threads, and events are delivered in order on an event
 * thread of their own.
 */
public final class TopologyMonitor implements AutoCloseable {

    private record FreshMasterWaiter(long afterNanos, CompletableFuture<Topology> future) {
    }

    private static final Logger log = LoggerFactory.getLogger(TopologyMonitor.class);

    private final ServiceRef service;
    private final MonitorSettings settings;
    private final RoleProber prober;
    private final ScheduledExecutorService coordinator;
    private final ExecutorService events;
    private final List<TopologyListener> listeners = new CopyOnWriteArrayList<>();
    private final Object masterLock = new Object();
    private final List<FreshMasterWaiter> freshMasterWaiters = new ArrayList<>(); // guarded by masterLock
    private final List<Consumer<Topology>> observers = new CopyOnWriteArrayList<>();
    private volatile EndpointWatch watch;
    private volatile ScheduledFuture<?> periodic;

    // Confined to the coordinator thread.
    private EndpointSnapshot endpoints;
    private String reportedDiscoveryError;
    private String lastDiscoveryProblem; // why the source may be about to change; kept until the source in use reports
    private TopologyEvent.Trigger pendingTrigger;
    private long pendingSinceNanos;
    private boolean roundRunning;
    private String signature = "";
    private Node lastMaster;

    // Written on the coordinator thread, read from any.
    private volatile Topology current;
    private volatile Instant noMasterSince;
    private volatile DiscoveryException discoveryError;
    private volatile boolean sawEndpoints;
    private volatile DiscoveryException startupProblem;
    private volatile CompletableFuture<Topology> masterAvailable = new CompletableFuture<>();
    private volatile boolean closed;
    private volatile boolean withholdWhenDataAtRisk;

    private TopologyMonitor(ServiceRef service, MonitorSettings settings, RoleProber prober) {
        this.service = service;
        this.settings = settings;
        this.prober = prober;
        this.coordinator = Executors.newSingleThreadScheduledExecutor(daemon("mooring-monitor-" + service.name()));
        this.events = Executors.newSingleThreadExecutor(daemon("mooring-events-" + service.name()));
        this.current = Topology.initial("starting");
        this.withholdWhenDataAtRisk = settings.withholdMasterWhenDataAtRisk();
    }

    /**
     * Starts watching {@code service}. The monitor owns {@code prober} and closes it on {@link #close()}.
     */
    public static TopologyMonitor start(ServiceRef service, EndpointSource source, RoleProber prober,
            MonitorSettings settings, TopologyListener... listeners) {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(source, "source");
        TopologyMonitor monitor = new TopologyMonitor(service, settings, Objects.requireNonNull(prober, "prober"));
        for (TopologyListener listener : listeners) {
            monitor.addListener(listener);
        }
        try {
            // On the coordinator thread: a source may deliver its first snapshot before watch() returns, and the
            // round that snapshot triggers must find the watch assigned (it runs after this task, on this thread).
            monitor.coordinator.submit(() -> {
                monitor.watch = source.watch(service, monitor.new DiscoveryListener());
                return null;
            }).get();
        } catch (java.util.concurrent.ExecutionException e) {
            monitor.close();
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException("starting discovery of " + service + " failed", e.getCause());
        } catch (InterruptedException e) {
            monitor.close();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting discovery of " + service, e);
        }
        // The first round runs when discovery delivers its first snapshot (or on the first periodic round).
        monitor.schedulePeriodic();
        return monitor;
    }

    /** The next periodic round: every probe interval, or more often while there is no master. */
    private void schedulePeriodic() {
        if (closed) {
            return;
        }
        Duration interval = current.hasMaster() ? settings.probeInterval() : settings.noMasterProbeInterval();
        try {
            periodic = coordinator.schedule(() -> {
                trigger(TopologyEvent.Trigger.PERIODIC, System.nanoTime());
                schedulePeriodic();
            }, interval.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closing
        }
    }

    /**
     * Whether a master that is empty (or far behind) beside a stale replica holding the data is withheld from writers
     * (see {@link DataAtRisk}): true when something will repair it (this client's healer, or Sentinels promoting the
     * replica), so that writes wait for the repair instead of landing where they would be lost.
     */
    public void withholdMasterWhenDataAtRisk(boolean withhold) {
        if (withholdWhenDataAtRisk != withhold) {
            withholdWhenDataAtRisk = withhold;
            if (current.dataAtRisk().isPresent()) {
                trigger(TopologyEvent.Trigger.SUSPICION, System.nanoTime());
            }
        }
    }

    /** The Service this monitor watches. */
    public ServiceRef service() {
        return service;
    }

    /** The latest topology (replaced after every probe round; its version changes when the group does). */
    public Topology topology() {
        return current;
    }

    public void addListener(TopologyListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    public void removeListener(TopologyListener listener) {
        listeners.remove(listener);
    }

    /**
     * Tells the monitor the master may have changed (connection lost, {@code READONLY}, timeouts): it probes at once
     * instead of waiting for the next periodic round.
     */
    public void suspect(String why) {
        if (!closed) {
            log.debug("{}: master suspected: {}", service, why);
            trigger(TopologyEvent.Trigger.SUSPICION, System.nanoTime());
        }
    }

    /**
     * Completes with the first topology that has a master and comes from a probe round started after
     * {@code afterNanos} ({@link System#nanoTime()}), and asks for such a round now. Used when a connection was
     * just lost: the topology from before the loss may name the pod that is gone.
     */
    public CompletableFuture<Topology> whenFreshMaster(long afterNanos) {
        CompletableFuture<Topology> future = new CompletableFuture<>();
        synchronized (masterLock) {
            if (closed) {
                future.completeExceptionally(new NoMasterException("the monitor of " + service + " is closed", current));
                return future;
            }
            freshMasterWaiters.add(new FreshMasterWaiter(afterNanos, future));
        }
        suspect("a connection was lost");
        return future;
    }

    /**
     * Calls {@code observer} with every topology the monitor publishes, on the monitor's thread, before listeners
     * hear of the change: for reactions that must not wait behind slow listeners. It must not block.
     */
    public void observe(Consumer<Topology> observer) {
        observers.add(Objects.requireNonNull(observer, "observer"));
    }

    /** Completes with the first topology that has a master (at once if the current one has). */
    public CompletableFuture<Topology> whenMaster() {
        Topology now = current;
        return now.hasMaster() ? CompletableFuture.completedFuture(now) : masterAvailable;
    }

    /**
     * Waits up to {@code timeout} for a master.
     *
     * @throws NoMasterException when none appears in time, or at once when discovery has failed for a reason
     *         waiting cannot cure (Service not found, port not found, RBAC, a DNS name that does not resolve)
     *         before it ever reported an endpoint
     */
    public Topology awaitMaster(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (masterLock) {
            while (true) {
                Topology now = current;
                if (now.hasMaster()) {
                    return now;
                }
                DiscoveryException problem = startupProblem;
                if (problem != null && !sawEndpoints && fromSourceInUse(problem)) {
                    throw new NoMasterException("no master for " + service + ": " + problem.getMessage(), now, problem);
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || closed) {
                    throw noMaster(now, timeout);
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(masterLock, Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new NoMasterException("interrupted while waiting for a master of " + service, now, e);
                }
            }
        }
    }

    /**
     * Whether {@code problem} comes from the source at work now. The auto source reports why the Kubernetes API is
     * not usable and carries on with DNS: that problem is no reason to stop waiting for what DNS finds.
     */
    private boolean fromSourceInUse(DiscoveryException problem) {
        EndpointWatch active = watch;
        return active == null || problem.source() == null || active.sourceName().startsWith(problem.source());
    }

    /** The exception for "no master within {@code waited}", with the reason spelled out. */
    public NoMasterException noMaster(Topology topology, Duration waited) {
        Instant since = noMasterSince;
        String reason = topology.noMasterReason().orElse("no probe round has completed yet");
        DiscoveryException problem = discoveryError;
 return new NoMasterException("no master for " + service + " within " + waited.toMillis() + " ms"
                + (since == null ? "" : " (none since " + since + ")") + ": " + reason + (problem != null ? "; discovery: " + problem.getMessage() : ""), topology, problem);
    }

    // ---------------------------------------------------------------- rounds (coordinator thread)

    private void trigger(TopologyEvent.Trigger trigger, long nanos) {
        if (closed) {
            return;
        }
        onCoordinator(() -> {
                // Detection is measured from the earliest trigger, and named after the most telling one.
                if (pendingTrigger == null
                        || pendingTrigger == TopologyEvent.Trigger.PERIODIC && trigger != TopologyEvent.Trigger.PERIODIC) {
                    pendingTrigger = trigger;
                    pendingSinceNanos = nanos;
                } else if (nanos - pendingSinceNanos < 0) {
                    pendingSinceNanos = nanos;
                }
                if (!roundRunning) {
                    startRound();
                }
        });
    }

    /** Runs {@code task} on the coordinator thread; a failure is logged and never stops later rounds. */
    private void onCoordinator(Runnable task) {
        try {
            coordinator.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException | Error e) {
                    log.error("{}: topology monitor task failed", service, e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closing
        }
    }

    private void startRound() {
        if (closed || pendingTrigger == null) {
            return;
        }
        TopologyEvent.Trigger trigger = pendingTrigger;
        long since = pendingSinceNanos;
        pendingTrigger = null;
        roundRunning = true;
        long started = System.nanoTime();
        EndpointSnapshot probed = endpoints;
        CompletableFuture<List<ProbeResult>> probes;
        try {
            if (!current.hasMaster() || trigger == TopologyEvent.Trigger.SUSPICION) {
                watch.refreshUrgently(); // a source that missed a change would keep us without a master
            } else {
                watch.refresh();
            }
            // Every pod that is not terminating, ready or still warming up: a new master answers before its
            // readiness probe passes, and the election prefers a ready master when there are two. One probe per
            // address, even if a source lists an address twice.
            List<Endpoint> candidates = endpoints == null ? List.of() : List.copyOf(endpoints.endpoints().stream()
                    .filter(e -> !e.terminating())
                    .collect(Collectors.toMap(Endpoint::address, e -> e, (a, b) -> a, java.util.LinkedHashMap::new))
                    .values());
            prober.retain(candidates);
            probes = prober.probe(candidates);
        } catch (RuntimeException e) {
            // A failed start must not leave roundRunning set: no round would ever run again.
            roundRunning = false;
            throw e;
        }
        probes.whenComplete((results, failure) -> onCoordinator(
                () -> finishRound(probed, results == null ? List.of() : results, trigger, since, started)));
    }

    private void finishRound(EndpointSnapshot probed, List<ProbeResult> results, TopologyEvent.Trigger trigger,
            long triggerNanos, long startedNanos) {
        roundRunning = false;
        if (closed) {
            return;
        }
        Election election = results.isEmpty() ? noCandidates(probed)
                : MasterElection.elect(results, settings.electionPolicy());
        Topology previous = current;
        String nextSignature = signature(election) + (withholdWhenDataAtRisk
                && DataAtRisk.assess(election, settings.farBehindRatio()).isPresent() ? " WITHHELD" : "");
        long version = nextSignature.equals(signature) && previous.version() > 0 ? previous.version()
                : previous.version() + 1;
        signature = nextSignature;
        String source = watch.sourceName();
        Optional<DataAtRisk> dataAtRisk = DataAtRisk.assess(election, settings.farBehindRatio());
        Topology next = new Topology(version, Instant.now(), source, election, results, dataAtRisk,
                withholdWhenDataAtRisk && dataAtRisk.isPresent());
        if (previous.version() == 0) {
            trigger = TopologyEvent.Trigger.STARTUP;
        }
        Duration detection = Duration.ofNanos(System.nanoTime() - triggerNanos);
        List<TopologyEvent> changes = changes(previous, next, trigger, detection);
        publish(next, startedNanos);
        if (previous.hasMaster() && !next.hasMaster()) {
            // Look for the next master at the faster pace now, not after the rest of a full interval.
            ScheduledFuture<?> scheduled = periodic;
            if (scheduled != null && scheduled.cancel(false)) {
                schedulePeriodic();
            }
        }
        for (TopologyEvent event : changes) {
            deliver(event);
        }
        if (pendingTrigger != null) {
            startRound();
        }
    }

    /**
     * The election of a round with nothing to probe, with a reason that says what is wrong with the Service (the
     * election alone only knows that it got no probe results).
     */
    private Election noCandidates(EndpointSnapshot snapshot) {
        String reason;
        if (snapshot == null) {
            reason = "discovery has reported no endpoints of " + service + " yet";
        } else if (snapshot.endpoints().isEmpty()) {
            DiscoveryException problem = discoveryError;
            reason = service + " has no endpoints (" + snapshot.source() + "): " + (problem != null
                    && problem.reason() != DiscoveryException.Reason.NO_ENDPOINTS ? problem.getMessage()
                    : "check that its pods are running and pass their readiness probe, and that its selector matches"
                            + " them");
        } else {
            // Only terminating endpoints are left out of a round.
            reason = service + " has only terminating endpoints (" + snapshot.source() + "): " + snapshot.endpoints()
                    .stream().map(Endpoint::displayName).collect(Collectors.joining(", "))
                    + "; its pods are being deleted";
        }
        return new Election(Optional.empty(), List.of(), List.of(), List.of(), Optional.empty(), reason);
    }

    private List<TopologyEvent> changes(Topology previous, Topology next, TopologyEvent.Trigger trigger,
            Duration detection) {
        List<TopologyEvent> changes = new ArrayList<>();
        boolean first = previous.version() == 0;
        if (!first && !previous.source().equals(next.source())) {
            // The problem that made the source switch: the new source's first snapshot cleared discoveryError.
            String reason = lastDiscoveryProblem != null ? lastDiscoveryProblem
                    : discoveryError != null ? discoveryError.getMessage() : "source changed";
            lastDiscoveryProblem = null;
            log.warn("{}: discovery moved from {} to {}: {}", service, previous.source(), next.source(), reason);
            changes.add(new TopologyEvent.SourceDegraded(next, previous.source(), next.source(), reason));
        }
        Optional<Node> before = previous.master();
        Optional<Node> now = next.master();
        if (now.isPresent()) {
            Node master = now.get();
            if (before.isEmpty() && lastMaster != null && sameProcess(lastMaster, master) && noMasterSince != null) {
                Duration outage = Duration.between(noMasterSince, next.observedAt());
                log.info("{}: master {} is back after {} ms without master", service, master.displayName(),
                        outage.toMillis());
                changes.add(new TopologyEvent.MasterRestored(next, master, outage));
            } else if (before.isEmpty() || !sameProcess(before.get(), master)) {
                Optional<Node> from = before.isPresent() ? before : Optional.ofNullable(lastMaster);
                String reason = describeChange(from, master, next);
                log.info("{}: master is now {} ({}; noticed by {} in {} ms)", service, master.displayName(), reason,
                        trigger, detection.toMillis());
                changes.add(new TopologyEvent.MasterChanged(next, from, master, reason, trigger, detection));
            }
            lastMaster = master;
            noMasterSince = null;
        } else if (before.isPresent() || first) {
            String reason = next.noMasterReason().orElse("no master");
            log.warn("{}: no master: {}", service, reason);
            noMasterSince = next.observedAt();
            changes.add(new TopologyEvent.NoMaster(next, before, reason));
        }
        next.dataAtRisk().ifPresent(risk -> {
            boolean known = previous.dataAtRisk().map(p -> p.master().address().equals(risk.master().address())
                    && p.holder().address().equals(risk.holder().address())).orElse(false);
            if (!known) {
                log.warn("{}: DATA AT RISK: {}. Fix: REPLICAOF NO ONE on {}, then REPLICAOF {} {} on the others{}",
                        service, risk.description(), risk.holder().displayName(), risk.holder().endpoint().host(),
                        risk.holder().endpoint().port(), next.masterWithheld() ? " (writes wait meanwhile)" : "");
                changes.add(new TopologyEvent.DataAtRiskDetected(next, risk));
            }
        });
        next.splitBrain().ifPresent(splitBrain -> {
            Set<String> losers = addresses(splitBrain.losers());
            boolean known = previous.splitBrain().map(p -> addresses(p.losers()).equals(losers)).orElse(false);
            if (!known) {
                log.warn("{}: split brain: {} report master; writes go to {} ({}), not to {}", service,
                        splitBrain.losers().size() + 1, splitBrain.winner().displayName(), splitBrain.decidedBy(),
                        splitBrain.losers().stream().map(Node::displayName).collect(Collectors.joining(", ")));
                changes.add(new TopologyEvent.SplitBrainDetected(next, splitBrain));
            }
        });
        Set<String> staleBefore = previous.staleReplicas().stream().map(TopologyMonitor::staleKey)
                .collect(Collectors.toSet());
        for (StaleReplica stale : next.staleReplicas()) {
            if (!staleBefore.contains(staleKey(stale))) {
                log.warn("{}: replica {} is stale ({}): it follows {}", service, stale.replica().displayName(),
                        stale.reason(), stale.follows());
                changes.add(new TopologyEvent.StaleReplicaDetected(next, stale));
            }
        }
        return changes;
    }

    private static String describeChange(Optional<Node> from, Node master, Topology next) {
        StringBuilder reason = new StringBuilder();
        if (from.isPresent()) {
            Node old = from.get();
            String address = old.address();
            if (address.equals(master.address())) {
                reason.append(old.displayName()).append(" restarted (new Redis process)");
            } else if (next.replicas().stream().anyMatch(n -> n.address().equals(address))) {
                reason.append(old.displayName()).append(" is now a replica");
            } else if (next.splitBrain().map(s -> s.losers().stream().anyMatch(n -> n.address().equals(address)))
                    .orElse(false)) {
                reason.append(old.displayName()).append(" lost a split brain");
            } else if (next.unreachable().stream().anyMatch(r -> r.endpoint().address().equals(address))) {
                reason.append(old.displayName()).append(" is unreachable");
            } else {
                reason.append(old.displayName()).append(" is no longer an endpoint");
            }
            reason.append("; ");
        }
        reason.append(master.displayName()).append(" reports master");
        next.splitBrain().ifPresent(s -> reason.append(" (chosen by ").append(s.decidedBy()).append(")"));
        return reason.toString();
    }

    private void publish(Topology next, long roundStartedNanos) {
        synchronized (masterLock) {
            current = next;
            if (next.hasMaster()) {
                CompletableFuture<Topology> waiting = masterAvailable;
                if (waiting.isDone()) {
                    masterAvailable = new CompletableFuture<>();
                }
                waiting.complete(next);
                for (Iterator<FreshMasterWaiter> it = freshMasterWaiters.iterator(); it.hasNext();) {
                    FreshMasterWaiter waiter = it.next();
                    if (roundStartedNanos - waiter.afterNanos() >= 0) {
                        it.remove();
                        waiter.future().complete(next);
                    }
                }
            } else if (masterAvailable.isDone()) {
                masterAvailable = new CompletableFuture<>();
            }
            masterLock.notifyAll();
        }
        for (Consumer<Topology> observer : observers) {
            try {
                observer.accept(next);
            } catch (RuntimeException e) {
                log.warn("{}: topology observer {} failed", service, observer, e);
            }
        }
    }

    private void deliver(TopologyEvent event) {
        try {
            events.execute(() -> {
                for (TopologyListener listener : listeners) {
                    try {
                        listener.onEvent(event);
                    } catch (RuntimeException e) {
                        log.warn("{}: topology listener {} failed on {}", service, listener,
                                event.getClass().getSimpleName(), e);
                    }
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closing
        }
    }

    private static boolean sameProcess(Node a, Node b) {
        return a.address().equals(b.address()) && Objects.equals(a.report().runId(), b.report().runId());
    }

    private static String staleKey(StaleReplica stale) {
        return stale.replica().address() + "|" + stale.follows() + "|" + stale.reason();
    }

    private static Set<String> addresses(List<Node> nodes) {
        return nodes.stream().map(Node::address).collect(Collectors.toSet());
    }

    /** What makes two elections "the same group": who is what, not offsets or how long a link has been down. */
    static String signature(Election election) {
        StringBuilder s = new StringBuilder();
        election.master().ifPresent(m -> s.append("M=").append(m.address()).append('/').append(m.report().runId()));
        election.replicas().forEach(r -> s.append(" R=").append(r.address()).append('/').append(r.report().runId()));
        election.staleReplicas().forEach(r -> s.append(" S=").append(staleKey(r)));
        election.unreachable().forEach(u -> s.append(" U=").append(u.endpoint().address()));
        election.splitBrain().ifPresent(b -> b.losers().forEach(l -> s.append(" L=").append(l.address())));
        return s.toString();
    }

    // ---------------------------------------------------------------- discovery

    private final class DiscoveryListener implements EndpointListener {
        @Override
        public void onEndpoints(EndpointSnapshot snapshot) {
            if (!snapshot.endpoints().isEmpty()) {
                sawEndpoints = true;
            }
            onCoordinator(() -> {
                endpoints = snapshot;
                discoveryError = null;
                reportedDiscoveryError = null;
                if (current.version() == 0 || snapshot.source().equals(current.source())) {
                    lastDiscoveryProblem = null;
                }
            });
            trigger(TopologyEvent.Trigger.ENDPOINTS_CHANGED, snapshot.nanoTime());
        }

        @Override
        public void onError(DiscoveryException error) {
            if (isLasting(error)) {
                startupProblem = error;
            }
            onCoordinator(() -> {
                discoveryError = error;
                lastDiscoveryProblem = error.getMessage();
                if (!error.getMessage().equals(reportedDiscoveryError)) {
                    reportedDiscoveryError = error.getMessage();
                    deliver(new TopologyEvent.DiscoveryFailed(current, error));
                }
            });
        }
    }

    /** Problems that waiting does not cure: configuration or permissions. */
    private static boolean isLasting(DiscoveryException error) {
        return switch (error.reason()) {
            case SERVICE_NOT_FOUND, PORT_NOT_FOUND, FORBIDDEN, NOT_RESOLVABLE -> true;
            default -> false;
        };
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (periodic != null) {
            periodic.cancel(false);
        }
        if (watch != null) {
            watch.close();
        }
        coordinator.shutdownNow();
        events.shutdown();
        try {
            events.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        prober.close();
        synchronized (masterLock) {
            masterLock.notifyAll();
        }
        NoMasterException closedException = new NoMasterException("the monitor of " + service + " is closed", current);
        masterAvailable.completeExceptionally(closedException);
        synchronized (masterLock) {
            freshMasterWaiters.forEach(waiter -> waiter.future().completeExceptionally(closedException));
            freshMasterWaiters.clear();
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }

    @Override
    public String toString() {
        return "TopologyMonitor[" + service + ", " + current + "]";
    }
}
