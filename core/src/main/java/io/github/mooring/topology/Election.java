package io.github.mooring.topology;

import io.github.mooring.probe.ProbeResult;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of one election of the master among the probed endpoints. Every probed endpoint appears in exactly one of
 * {@code master}, {@code replicas}, the split brain's losers, {@code unreachable} or {@code credentialsRejected}, except
 * a master kept while it refuses the probe's credentials, which is in {@code master} and {@code credentialsRejected}.
 * Lists are sorted by pod name, then address.
 *
 * @param master         the elected master, empty when none could be elected
 * @param replicas       every pod that reports the replica role, stale or not
 * @param staleReplicas  the replicas that do not replicate from the master (also listed in {@code replicas})
 * @param unreachable    endpoints that take no part: the probe failed, the pod is no Redis data node (Sentinel,
 *                       unknown role), or it is a master that cannot serve (loading, terminating) or that no Sentinel
 *                       monitors while Sentinels manage the group and monitor no other master
 * @param credentialsRejected endpoints that refused the probe's credentials ({@link ProbeResult#credentialsRejected()}):
 *                       up, but silent about their role. A master keeps its place while it refuses them (a refusal
 *                       says nothing about its role), and connections to it are never cut for it
 * @param splitBrain     present when more than one pod could have been master
 * @param noMasterReason one line saying why there is no master, listing every pod; {@code null} when elected
 */
public record Election(
        Optional<Node> master,
        List<Node> replicas,
        List<StaleReplica> staleReplicas,
        List<ProbeResult> unreachable,
        List<ProbeResult> credentialsRejected,
        Optional<SplitBrain> splitBrain,
        String noMasterReason) {

    public Election {
        Objects.requireNonNull(master, "master");
        replicas = List.copyOf(replicas);
        staleReplicas = List.copyOf(staleReplicas);
        unreachable = List.copyOf(unreachable);
        credentialsRejected = List.copyOf(credentialsRejected);
        if (!credentialsRejected.stream().allMatch(ProbeResult::credentialsRejected)
                || unreachable.stream().anyMatch(ProbeResult::credentialsRejected)) {
            throw new IllegalArgumentException(
                    "pods that refused the credentials are listed apart from unreachable ones");
        }
        Objects.requireNonNull(splitBrain, "splitBrain");
        if (master.isPresent() == (noMasterReason != null)) {
            throw new IllegalArgumentException("noMasterReason is given exactly when there is no master");
        }
        if (splitBrain.isPresent() && !splitBrain.get().winner().equals(master.orElse(null))) {
            throw new IllegalArgumentException("the split brain's winner must be the master");
        }
    }

    /** An election in which no pod refused the probe's credentials. */
    public Election(
            Optional<Node> master,
            List<Node> replicas,
            List<StaleReplica> staleReplicas,
            List<ProbeResult> unreachable,
            Optional<SplitBrain> splitBrain,
            String noMasterReason) {
        this(master, replicas, staleReplicas, unreachable, List.of(), splitBrain, noMasterReason);
    }
}
