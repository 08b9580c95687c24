package io.github.mooring.internal.topology;

import io.github.mooring.discovery.DiscoveryException;
import io.github.mooring.discovery.Endpoint;
import io.github.mooring.discovery.EndpointListener;
import io.github.mooring.discovery.EndpointSnapshot;
import io.github.mooring.discovery.EndpointSource;
import io.github.mooring.discovery.EndpointWatch;
import io.github.mooring.discovery.ServiceRef;
import io.github.mooring.internal.probe.Prober;
import io.github.mooring.internal.sentinel.SentinelFollower;
import io.github.mooring.topology.DataAtRisk;
import io.github.mooring.topology.NoMasterException;
import io.github.mooring.topology.Topology;
import io.github.mooring.topology.TopologyEvent;
import io.github.mooring.topology.TopologyListener;
import io.lettuce.core.event.EventBus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Knows which pod of a Service is master, right now. It runs probe rounds when discovery reports a change, when the
 * connection layer {@linkplain #suspect(String) suspects} the master, when Sentinels name another master, and at the
 * pace {@link ProbePace} sets (fast while anything is doubtful, a jittered heartbeat when calm); each round's
 * outcome comes from {@link TopologyStep} (a pure function), and the monitor publishes it: the new {@link Topology}
 * to observers at once, its events to listeners in order, and to those {@linkplain #waiters() waiting} for a master.
 * <p>
 * One thread coordinates (never two rounds at once; triggers during a round start one more right after it), probes
 * run concurrently on Lettuce's I/O threads, and events are delivered in order on an event thread of their own.
 */
public final class TopologyMonitor implements AutoCloseable {

    /** The logger of topology changes and discovery trouble: a name that stays when classes move. */
    static final String LOG_CATEGORY = "io.github.mooring.topology";

    private static final Logger log = LoggerFactory.getLogger(LOG_CATEGORY);

    private final ServiceRef service;
    private final MonitorSettings settings;
    private final Prober prober;
    private final SentinelFollower sentinels;
    private final RoundScheduler rounds;
    private final SentinelMoves sentinelMoves;
    private final EventDispatcher events;
    private final DataAtRiskGate dataAtRisk;
    private final MasterWaiters waiters;
    private volatile EndpointWatch watch;

    // Written on the coordinator thread, read from any.
    private volatile TopologyStep.State state = TopologyStep.State.initial();
    private volatile boolean closed;

    private TopologyMonitor(
            ServiceRef service,
            MonitorSettings settings,
            Prober prober,
            SentinelFollower sentinels,
            EventBus eventBus) {
        this.service = service;
        this.settings = settings;
        this.prober = prober;
        this.sentinels = sentinels;
        this.rounds = new RoundScheduler(
                service,
                settings,
                sinceEvent -> ProbePace.Situation.of(state, sentinels.view(), sinceEvent),
                () -> watch.refresh(), // discovery's checks keep their pace when no round runs
                this::startRound);
        this.events = new EventDispatcher(service, eventBus);
        this.sentinelMoves = new SentinelMoves(sentinels, rounds, () -> state, this::publish);
        this.dataAtRisk = new DataAtRiskGate(settings.withholdMasterWhenDataAtRisk(), () -> suspect("healer"));
        // watch goes from null to set, once: two reads see it set, or the first sees null
        this.waiters = new MasterWaiters(
                service, () -> state, dataAtRisk, () -> watch == null ? null : watch.sourceName(), this::suspect);
    }

    /**
     * Starts watching {@code service}. The monitor owns {@code prober} and {@code sentinels} and closes them on
     * {@link #close()}; events also go to {@code eventBus} (Lettuce's, of the client's resources), when given.
     */
    public static TopologyMonitor start(
            ServiceRef service,
            EndpointSource source,
            Prober prober,
            SentinelFollower sentinels,
            MonitorSettings settings,
            EventBus eventBus,
            TopologyListener... listeners) {
        Objects.requireNonNull(source, "source");
        TopologyMonitor monitor = new TopologyMonitor(
                Objects.requireNonNull(service, "service"),
                Objects.requireNonNull(settings, "settings"),
                Objects.requireNonNull(prober, "prober"),
                Objects.requireNonNull(sentinels, "sentinels"),
                eventBus);
        List.of(listeners).forEach(monitor::addListener);
        // A pod closed the probe's connection (crash, restart): a round at once. (Sentinel's switches: SentinelMoves.)
        prober.onConnectionLost(address -> monitor.suspect("the probe connection to " + address + " was closed"));
        try {
            // On the coordinator thread: a source may deliver its first snapshot before watch() returns, and the
            // round that snapshot triggers must find the watch assigned (it runs after this task, on this thread).
            monitor.rounds.call(
                    () -> monitor.watch = source.watch(service, monitor.new DiscoveryListener()),
                    "starting discovery of " + service);
        } catch (RuntimeException e) {
            monitor.close();
            throw e;
        }
        monitor.rounds.start(); // the first round runs on the first snapshot, or on the first periodic round
        return monitor;
    }

    public ServiceRef service() {
        return service;
    }

    /** The Sentinels this monitor follows (their view moves connections at once; see {@code internal.sentinel}). */
    public SentinelFollower sentinels() {
        return sentinels;
    }

    /** How long a probe may take before its pod is reported as not answering ({@code probeTimeout}). */
    public Duration probeTimeout() {
        return prober.timeout();
    }

    /** The latest topology (replaced after every probe round; its version changes when the group does). */
    public Topology topology() {
        return state.topology();
    }

    public void addListener(TopologyListener listener) {
        events.add(listener);
    }

    public void removeListener(TopologyListener listener) {
        events.remove(listener);
    }

    /** Calls {@code observer} with every topology published, on the monitor's thread, before listeners; no blocking. */
    public void observe(Consumer<Topology> observer) {
        events.observe(observer);
    }

    /** What {@link DataAtRisk} does to writers (withheld master, writes refused), as the healer decides it. */
    public DataAtRiskGate dataAtRisk() {
        return dataAtRisk;
    }

    /** The master may have changed (connection lost, {@code READONLY}, timeouts): probe now, not at the next round. */
    public void suspect(String why) {
        log.debug("{}: master suspected: {}", service, why);
        rounds.trigger(TopologyEvent.Trigger.SUSPICION, System.nanoTime());
    }

    /**
     * A connection to {@code address} was refused for its credentials while it re-authenticated: the probe's own
     * connection there, authenticated earlier, would not notice. Probe that pod on a new connection, now.
     */
    public void credentialsRefusedOnConnect(String address) {
        prober.reconnect(address);
        suspect("a connection to " + address + " was refused for its credentials");
    }

    /** Waiting for a master, and the exceptions that say why there is none. */
    public MasterWaiters waiters() {
        return waiters;
    }

    // ---------------------------------------------------------------- rounds (coordinator thread)

    private boolean startRound(TopologyStep.Pending round) {
        long started = System.nanoTime();
        EndpointSnapshot endpoints = state.discovery().endpoints();
        if (!topology().hasMaster() || round.trigger() == TopologyEvent.Trigger.SUSPICION) {
            watch.refreshUrgently(); // a source that missed a change would keep us without a master
        } else {
            watch.refresh();
        }
        List<Endpoint> candidates =
                TopologyStep.candidates(endpoints, topology().master());
        prober.retain(candidates);
        prober.probe(candidates)
                .whenComplete((results, failure) -> rounds.onCoordinator(() -> finishRound(
                        new TopologyStep.Round(
                                service,
                                watch.sourceName(),
                                endpoints,
                                results == null ? List.of() : results,
                                dataAtRisk.withholds(),
                                sentinels.view().master(), // as of now: a switch heard during the round counts
                                sentinels.view().promoting(),
                                round.trigger(),
                                Duration.ofNanos(System.nanoTime() - round.sinceNanos()),
                                Instant.now()),
                        started)));
        return true;
    }

    private void finishRound(TopologyStep.Round round, long startedNanos) {
        if (closed) {
            return;
        }
        sentinels.follow(round.results());
        // A round that was probing when a Sentinel switch moved the master is stale: its results predate the switch.
        boolean current = sentinelMoves.roundIsCurrent(startedNanos);
        rounds.roundFinished(current && publish(TopologyStep.apply(state, round, settings), startedNanos));
    }

    /** Publishes {@code outcome}; whether the topology's version changed. */
    private boolean publish(TopologyStep.Outcome outcome, long startedNanos) {
        boolean changed = outcome.topology().version() != topology().version();
        state = outcome.next();
        waiters.publish(outcome.topology(), startedNanos);
        events.observed(outcome.topology());
        outcome.events().forEach(events::dispatch);
        return changed;
    }

    private final class DiscoveryListener implements EndpointListener {
        @Override
        public void onEndpoints(EndpointSnapshot snapshot) {
            EndpointSnapshot onePerPod = service.ipFamily().select(snapshot); // any source: each pod one node
            rounds.onCoordinator(() -> state = state.withEndpoints(onePerPod));
            rounds.trigger(TopologyEvent.Trigger.ENDPOINTS_CHANGED, snapshot.nanoTime());
        }

        @Override
        public void onSourceRestored(String source, String reason) {
            rounds.onCoordinator(() -> state = state.withSourceRestored(reason));
        }

        @Override
        public void onError(DiscoveryException error) {
            rounds.onCoordinator(() -> {
                DiscoveryStatus before = state.discovery();
                state = state.withDiscovery(before.withError(error));
                if (before.isNew(error)) {
                    events.dispatch(new TopologyEvent.DiscoveryFailed(topology(), error));
                }
            });
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        rounds.close();
        if (watch != null) {
            watch.close();
        }
        events.close();
        sentinels.close();
        prober.close();
        waiters.close(new NoMasterException("the monitor of " + service + " is closed", topology()));
    }

    @Override
    public String toString() {
        return "TopologyMonitor[" + service + ", " + topology() + "]";
    }
}
