package io.github.mooring.boot;

import io.github.mooring.MooringClient;
import io.github.mooring.topology.Node;
import io.github.mooring.topology.Topology;
import io.github.mooring.topology.TopologyEvent;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * What happened to a {@link MooringClient}'s Service lately: the last {@value #CAPACITY} topology events, and since
 * when there has been no master. The health indicator and the actuator endpoint read it; it is kept from the moment
 * the client starts.
 */
public final class TopologyHistory {

    /** How many changes are kept. */
    public static final int CAPACITY = 20;

    /**
     * One change, in words.
     *
     * @param at when it was observed
     * @param event the event's name: {@code MasterChanged}, {@code NoMaster}, {@code MasterRestored},
     *        {@code SplitBrainDetected}, {@code StaleReplicaDetected}, {@code SourceDegraded}, {@code SourceRestored},
     *        {@code DiscoveryFailed}
     * @param description what happened
     */
    public record Change(Instant at, String event, String description) {}

    private final Deque<Change> changes = new ArrayDeque<>();

    private volatile @Nullable Instant noMasterSince;

    private @Nullable MooringClient attached;

    private volatile long seededVersion;

    private volatile Instant seededAt = Instant.EPOCH;

    /**
     * Starts recording {@code client}'s changes; best right after the client was created, so that its first probe
     * rounds are seen. Attaching the same client again does nothing.
     *
     * @param client the client to record
     * @throws IllegalStateException when another client is attached already
     */
    public synchronized void attach(MooringClient client) {
        if (attached == client) {
            return;
        }
        if (attached != null) {
            throw new IllegalStateException("this TopologyHistory records "
                    + attached.options().serviceRef() + " already; use one history per MooringClient");
        }
        attached = client;
        client.observe(this::onTopology);
        // Listeners can only be added once the client runs: its first rounds may be over already. What they found is
        // recorded as one change, and the events of those rounds, if they still arrive, are not recorded twice.
        Topology now = client.topology();
        onTopology(now);
        if (now.version() > 0) {
            seededAt = now.observedAt();
            seededVersion = now.version();
            record(new Change(
                    now.observedAt(), now.hasMaster() ? "MasterChanged" : "NoMaster", "when Mooring started: " + now));
        }
        client.addListener(this::onEvent);
    }

    /** Since when there has been no master, or empty while there is one. */
    public Optional<Instant> noMasterSince() {
        return Optional.ofNullable(noMasterSince);
    }

    /** The latest change, if any. */
    public synchronized Optional<Change> lastChange() {
        return Optional.ofNullable(changes.peekLast());
    }

    /** The recorded changes, oldest first. */
    public synchronized List<Change> changes() {
        return List.copyOf(changes);
    }

    /** Called with every topology, on the monitor's thread, before listeners hear of it. */
    private void onTopology(Topology topology) {
        if (topology.hasMaster()) {
            noMasterSince = null;
        } else if (noMasterSince == null) {
            noMasterSince = topology.version() == 0 ? Instant.now() : topology.observedAt();
        }
    }

    private void onEvent(TopologyEvent event) {
        if (event.topology().version() <= seededVersion && !event.at().isAfter(seededAt)) {
            return; // from the rounds recorded when attaching
        }
        record(new Change(event.at(), event.getClass().getSimpleName(), describe(event)));
    }

    private synchronized void record(Change change) {
        changes.addLast(change);
        while (changes.size() > CAPACITY) {
            changes.removeFirst();
        }
    }

    /** An event in one sentence (no credentials: events hold none). */
    static String describe(TopologyEvent event) {
        if (event instanceof TopologyEvent.MasterChanged changed) {
            return changed.reason() + " (noticed through " + changed.trigger() + " in "
                    + changed.detection().toMillis() + " ms)";
        }
        if (event instanceof TopologyEvent.NoMaster none) {
            return "no master"
                    + none.previous()
                            .map(previous -> " (was " + previous.displayName() + ")")
                            .orElse("") + ": " + none.reason();
        }
        if (event instanceof TopologyEvent.MasterRestored restored) {
            return restored.master().displayName() + " is master again after "
                    + restored.outage().toMillis() + " ms without master";
        }
        if (event instanceof TopologyEvent.SplitBrainDetected split) {
            return (split.splitBrain().losers().size() + 1) + " pods report master; writes go to "
                    + split.splitBrain().winner().displayName() + " ("
                    + split.splitBrain().decidedBy() + "), not to "
                    + split.splitBrain().losers().stream()
                            .map(Node::displayName)
                            .collect(Collectors.joining(", "));
        }
        if (event instanceof TopologyEvent.StaleReplicaDetected stale) {
            return "replica " + stale.staleReplica().replica().displayName() + " is stale ("
                    + stale.staleReplica().reason() + "): it follows "
                    + stale.staleReplica().follows();
        }
        if (event instanceof TopologyEvent.SourceDegraded degraded) {
            return "discovery moved from " + degraded.from() + " to " + degraded.to() + ": " + degraded.reason();
        }
        if (event instanceof TopologyEvent.SourceRestored restored) {
            return "discovery is back from " + restored.from() + " to " + restored.to() + ": " + restored.reason();
        }
        if (event instanceof TopologyEvent.CredentialsRejected rejected) {
            return rejected.pod().displayName() + " refused the credentials of user " + rejected.user() + ": "
                    + rejected.reason();
        }
        if (event instanceof TopologyEvent.DiscoveryFailed failed) {
            return "discovery failed (" + failed.error().reason() + "): "
                    + failed.error().getMessage();
        }
        return event.toString();
    }
}
