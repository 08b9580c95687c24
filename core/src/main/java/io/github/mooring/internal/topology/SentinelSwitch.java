package io.github.mooring.internal.topology;

import io.github.mooring.topology.Election;
import io.github.mooring.topology.Node;
import io.github.mooring.topology.Topology;
import io.github.mooring.topology.TopologyEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Whether connections move at the moment the Sentinels name another master, before a probe round has seen it: a
 * pure function from the monitor's state and the address the Sentinels name (their newest configuration, ordered by
 * epoch in {@code internal.sentinel.SentinelView}) to the topology to publish, or to "let the round decide".
 * <p>
 * A probe round takes one round trip to every pod and a turn of the monitor's thread (measured 26 to 114 ms after
 * the switch, on a shared 2-core machine), while Sentinel sends {@code +switch-master} (and its new-epoch hello) only
 * once the promoted replica reports itself master: moving on the message is as safe as moving on the round, and the
 * round that the switch triggers at once confirms it (the election takes the named pod as the only candidate) or
 * corrects it. The move is made only where the last round leaves nothing to doubt, in this order:
 * <ol>
 *   <li>{@link Rule#NOTHING_NAMED}: no Sentinel names a master; nothing to follow;</li>
 *   <li>{@link Rule#ALREADY_MASTER}: the named pod is the master already (a confirmation, or the round was first);</li>
 *   <li>{@link Rule#NOT_PROBED}: no pod of the last round is at that address (a host name, a pod not probed yet):
 *       the round decides;</li>
 *   <li>{@link Rule#NOT_A_REPLICA}: the named pod did not answer the last round as a replica (unreachable, refusing
 *       the credentials, a master without Sentinel): the round decides;</li>
 *   <li>{@link Rule#UNSETTLED_GROUP}: the last round found a split brain or data at risk (the master may be withheld
 *       for a repair): those are the election's to weigh again, so the round decides;</li>
 *   <li>{@link Rule#MOVE}: the named pod answered as a replica: it is the master from now (with what it last
 *       reported), the old master is listed among the replicas (it answers what it has in flight, then follows the
 *       new master as Sentinel reconfigures it), and {@code MasterChanged} says Sentinel moved it.</li>
 * </ol>
 */
final class SentinelSwitch {

    private SentinelSwitch() {}

    /** The rules, in the order they are tried. */
    enum Rule {
        NOTHING_NAMED,
        ALREADY_MASTER,
        NOT_PROBED,
        NOT_A_REPLICA,
        UNSETTLED_GROUP,
        MOVE
    }

    /** The rule that decided, and for {@link Rule#MOVE} what to publish (else empty). */
    record Decision(Rule rule, Optional<TopologyStep.Outcome> outcome) {}

    /**
     * @param named the master the Sentinels name now ({@code ip:port}), or null
     * @param detection from the Sentinel message to this decision
     * @param now when the decision is made (the published topology's {@code observedAt})
     */
    static Decision apply(TopologyStep.State state, String named, Duration detection, Instant now) {
        Topology topology = state.topology();
        if (named == null) {
            return new Decision(Rule.NOTHING_NAMED, Optional.empty());
        }
        Election election = topology.election();
        if (election.master().map(m -> m.address().equals(named)).orElse(false)) {
            return new Decision(Rule.ALREADY_MASTER, Optional.empty());
        }
        if (topology.reports().stream().noneMatch(r -> r.endpoint().address().equals(named))) {
            return new Decision(Rule.NOT_PROBED, Optional.empty());
        }
        Optional<Node> promoted = election.replicas().stream()
                .filter(n -> n.address().equals(named))
                .findFirst();
        if (promoted.isEmpty()) {
            return new Decision(Rule.NOT_A_REPLICA, Optional.empty());
        }
        if (election.splitBrain().isPresent() || topology.dataAtRisk().isPresent() || topology.masterWithheld()) {
            return new Decision(Rule.UNSETTLED_GROUP, Optional.empty());
        }
        return new Decision(Rule.MOVE, Optional.of(move(state, promoted.get(), detection, now)));
    }

    private static TopologyStep.Outcome move(TopologyStep.State state, Node promoted, Duration detection, Instant now) {
        Topology previous = state.topology();
        Election before = previous.election();
        List<Node> replicas = new ArrayList<>(before.replicas());
        replicas.removeIf(n -> n.address().equals(promoted.address()));
        before.master().ifPresent(replicas::add);
        replicas.sort(Comparator.comparing((Node n) -> n.endpoint().displayName()));
        Election election = new Election(
                Optional.of(promoted),
                replicas,
                // Staleness was measured against the old master; the round re-measures it against the new one.
                before.staleReplicas().stream()
                        .filter(s -> !s.replica().address().equals(promoted.address()))
                        .toList(),
                before.unreachable(),
                before.credentialsRejected(),
                Optional.empty(),
                null);
        Topology next = new Topology(
                previous.version() + 1, now, previous.source(), election, previous.reports(), Optional.empty(), false);
        Optional<Node> from = previous.master().isPresent() ? previous.master() : state.lastMaster();
        String reason = from.map(m -> m.displayName() + " is being demoted by Sentinel; ")
                        .orElse("")
                + "the Sentinels name " + promoted.displayName() + " master (a probe round confirms it)";
        TopologyEvent event = new TopologyEvent.MasterChanged(
                next, from, promoted, reason, TopologyEvent.Trigger.SENTINEL, detection);
        return new TopologyStep.Outcome(
                new TopologyStep.State(next, Optional.of(promoted), Optional.empty(), state.discovery()),
                List.of(event));
    }
}
