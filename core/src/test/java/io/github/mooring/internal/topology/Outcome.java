package io.github.mooring.internal.topology;

import io.github.mooring.probe.ProbeResult;
import io.github.mooring.topology.Election;
import io.github.mooring.topology.Node;
import io.github.mooring.topology.SplitBrain;
import io.github.mooring.topology.StaleReplica;
import java.util.ArrayList;
import java.util.List;

/**
 * Test fixture: an {@link Election} reduced to names, so that a scenario states the whole expected outcome in a few
 * readable lines and any difference shows up in one assertion. A pod is named by its pod name, else its address; a
 * stale replica reads {@code "redis-1 FOLLOWS_UNKNOWN_ADDRESS 10.0.0.10:6379"}.
 */
record Outcome(
        String master,
        String decidedBy,
        List<String> losers,
        List<String> replicas,
        List<String> stale,
        List<String> unreachable,
        List<String> refusing,
        String noMasterReason) {

    static Outcome of(Election election) {
        return new Outcome(
                election.master().map(Outcome::name).orElse(null),
                election.splitBrain().map(SplitBrain::decidedBy).orElse(null),
                election.splitBrain()
                        .map(split -> split.losers().stream().map(Outcome::name).toList())
                        .orElse(List.of()),
                election.replicas().stream().map(Outcome::name).toList(),
                election.staleReplicas().stream()
                        .map(stale -> name(stale.replica()) + " " + stale.reason() + " " + stale.follows())
                        .toList(),
                election.unreachable().stream()
                        .map(ProbeResult::endpoint)
                        .map(endpoint -> endpoint.podName() != null ? endpoint.podName() : endpoint.address())
                        .toList(),
                election.credentialsRejected().stream()
                        .map(refused -> refused.endpoint().podName() + " user " + refused.rejectedUser())
                        .toList(),
                election.noMasterReason());
    }

    static Outcome expect() {
        return new Outcome(null, null, List.of(), List.of(), List.of(), List.of(), List.of(), null);
    }

    Outcome master(String master) {
        return new Outcome(master, decidedBy, losers, replicas, stale, unreachable, refusing, noMasterReason);
    }

    Outcome splitBrain(String decidedBy, String... losers) {
        return new Outcome(master, decidedBy, List.of(losers), replicas, stale, unreachable, refusing, noMasterReason);
    }

    Outcome replicas(String... replicas) {
        return new Outcome(master, decidedBy, losers, List.of(replicas), stale, unreachable, refusing, noMasterReason);
    }

    Outcome stale(String replica, StaleReplica.Reason reason, String follows) {
        List<String> more = new ArrayList<>(stale);
        more.add(replica + " " + reason + " " + follows);
        return new Outcome(
                master, decidedBy, losers, replicas, List.copyOf(more), unreachable, refusing, noMasterReason);
    }

    Outcome unreachable(String... unreachable) {
        return new Outcome(master, decidedBy, losers, replicas, stale, List.of(unreachable), refusing, noMasterReason);
    }

    /** Pods that refused the probe's credentials, as {@code "redis-0 user app"}. */
    Outcome refusing(String... refusing) {
        return new Outcome(master, decidedBy, losers, replicas, stale, unreachable, List.of(refusing), noMasterReason);
    }

    Outcome noMaster(String reason) {
        return new Outcome(master, decidedBy, losers, replicas, stale, unreachable, refusing, reason);
    }

    private static String name(Node node) {
        return node.endpoint().podName() != null ? node.endpoint().podName() : node.address();
    }
}
