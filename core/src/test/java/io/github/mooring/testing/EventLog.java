package io.github.mooring.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mooring.testkit.RedisPod;
import io.github.mooring.topology.TopologyEvent;
import io.github.mooring.topology.TopologyListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Records every {@link TopologyEvent} a monitor delivers, with {@link System#nanoTime()} at receipt, for assertions.
 */
public final class EventLog implements TopologyListener {

    /** One event and when the listener received it. */
    public record Received(TopologyEvent event, long nanoTime) {}

    private final List<Received> received = new ArrayList<>();

    @Override
    public synchronized void onEvent(TopologyEvent event) {
        received.add(new Received(event, System.nanoTime()));
    }

    /** Every event so far, in delivery order. */
    public synchronized List<Received> all() {
        return List.copyOf(received);
    }

    /** The events of one type, in order. */
    public <T extends TopologyEvent> List<T> of(Class<T> type) {
        return all().stream()
                .map(Received::event)
                .filter(type::isInstance)
                .map(type::cast)
                .toList();
    }

    /** The receipts of one event type, in order. */
    public List<Received> receipts(Class<? extends TopologyEvent> type) {
        return all().stream().filter(r -> type.isInstance(r.event())).toList();
    }

    public List<TopologyEvent.MasterChanged> masterChanges() {
        return of(TopologyEvent.MasterChanged.class);
    }

    /** Index into {@link #all()} where the next events start: for "after this point" assertions. */
    public synchronized int mark() {
        return received.size();
    }

    /** The events of one type received at or after {@code mark}. */
    public <T extends TopologyEvent> List<T> since(int mark, Class<T> type) {
        List<Received> all = all();
        return all.subList(Math.min(mark, all.size()), all.size()).stream()
                .map(Received::event)
                .filter(type::isInstance)
                .map(type::cast)
                .toList();
    }

    /** Waits for the first event of {@code type} received at or after {@code mark} that matches. */
    public <T extends TopologyEvent> T await(int mark, Class<T> type, Predicate<T> matching, Duration timeout) {
        try {
            Awaitility.await()
                    .atMost(timeout)
                    .pollInterval(Duration.ofMillis(5))
                    .until(() -> first(mark, type, matching).isPresent());
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(
                    "no matching " + type.getSimpleName() + " within " + timeout + "; events: " + this, e);
        }
        return first(mark, type, matching).orElseThrow();
    }

    /** When the first matching event of {@code type} at or after {@code mark} was received. */
    public <T extends TopologyEvent> long receivedAt(int mark, Class<T> type, Predicate<T> matching) {
        List<Received> all = all();
        return all.subList(Math.min(mark, all.size()), all.size()).stream()
                .filter(r -> type.isInstance(r.event()) && matching.test(type.cast(r.event())))
                .findFirst()
                .orElseThrow()
                .nanoTime();
    }

    /**
     * Waits for a master change to {@code pod}'s current incarnation received at or after {@code mark}, then checks
     * that it stays the only master change since {@code mark} for {@code settle}, and returns it.
     */
    public TopologyEvent.MasterChanged awaitOnlyMasterChange(
            int mark, RedisPod pod, Duration timeout, Duration settle) {
        String address = pod.address();
        TopologyEvent.MasterChanged change = await(
                mark,
                TopologyEvent.MasterChanged.class,
                e -> e.master().address().equals(address),
                timeout);
        try {
            Awaitility.await()
                    .during(settle)
                    .atMost(settle.plusSeconds(5))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> since(mark, TopologyEvent.MasterChanged.class).size() == 1);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("expected exactly one MasterChanged for " + settle + "; events: " + this, e);
        }
        assertThat(since(mark, TopologyEvent.MasterChanged.class)).containsExactly(change);
        assertThat(Harness.isPod(change.master(), pod))
                .as("%s is %s", change.master(), pod)
                .isTrue();
        return change;
    }

    private <T extends TopologyEvent> Optional<T> first(int mark, Class<T> type, Predicate<T> matching) {
        return since(mark, type).stream().filter(matching).findFirst();
    }

    @Override
    public String toString() {
        return all().stream().map(r -> describe(r.event())).collect(Collectors.joining("\n  ", "[\n  ", "\n]"));
    }

    /** One line per event, without the topology's report dump. */
    public static String describe(TopologyEvent event) {
        if (event instanceof TopologyEvent.MasterChanged e) {
            return "MasterChanged("
                    + e.previous()
                            .map(n -> n.displayName() + "/" + n.report().runId())
                            .orElse("-")
                    + " -> " + e.master().displayName() + "/"
                    + e.master().report().runId() + ", " + e.reason()
                    + ", " + e.trigger() + ", " + e.detection().toMillis() + " ms)";
        }
        if (event instanceof TopologyEvent.NoMaster e) {
            return "NoMaster(" + e.reason() + ")";
        }
        if (event instanceof TopologyEvent.MasterRestored e) {
            return "MasterRestored(" + e.master().displayName() + ")";
        }
        if (event instanceof TopologyEvent.SplitBrainDetected e) {
            return "SplitBrainDetected(winner " + e.splitBrain().winner().displayName() + ", losers "
                    + e.splitBrain().losers().stream().map(n -> n.displayName()).toList() + ", "
                    + e.splitBrain().decidedBy() + ")";
        }
        if (event instanceof TopologyEvent.StaleReplicaDetected e) {
            return "StaleReplicaDetected(" + e.staleReplica().replica().displayName() + " follows "
                    + e.staleReplica().follows() + ", " + e.staleReplica().reason() + ")";
        }
        if (event instanceof TopologyEvent.SourceRestored e) {
            return "SourceRestored(" + e.from() + " -> " + e.to() + ": " + e.reason() + ")";
        }
        if (event instanceof TopologyEvent.SourceDegraded e) {
            return "SourceDegraded(" + e.from() + " -> " + e.to() + ": " + e.reason() + ")";
        }
        if (event instanceof TopologyEvent.DiscoveryFailed e) {
            return "DiscoveryFailed(" + e.error().reason() + ": " + e.error().getMessage() + ")";
        }
        return event.toString();
    }
}
