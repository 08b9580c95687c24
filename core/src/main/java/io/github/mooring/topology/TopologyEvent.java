package io.github.mooring.topology;

import io.github.mooring.discovery.DiscoveryException;
import io.github.mooring.discovery.Endpoint;
import io.lettuce.core.event.Event;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Something that changed in a Service's replication group. Listeners receive events in the order they happened,
 * on Mooring's event thread, never on an I/O thread. Every event carries the topology right after the change. Events
 * are also published on the Lettuce {@link io.lettuce.core.event.EventBus} of the client's {@code ClientResources}.
 */
public sealed interface TopologyEvent extends Event {

    /** The topology right after the change. */
    Topology topology();

    /** When the change was observed. */
    default Instant at() {
        return topology().observedAt();
    }

    /** What made the monitor look: how a change was noticed. */
    enum Trigger {
        /** The first probe round. */
        STARTUP,
        /** Discovery reported different endpoints (a pod added, removed, became ready or terminating). */
        ENDPOINTS_CHANGED,
        /** The connection layer suspected the master (connection lost, READONLY, timeouts). */
        SUSPICION,
        /** A Sentinel named another master ({@code +switch-master}, or a hello with a newer configuration epoch). */
        SENTINEL,
        /**
         * A periodic round (failovers by Sentinel or by hand do not change endpoints): every {@code probeInterval}
         * while anything is doubtful, a jittered heartbeat within {@code calmProbeInterval} when all is calm.
         */
        PERIODIC
    }

    /**
     * Writes now go to another pod (or to a new incarnation of the same pod: a restarted container is another
     * Redis process, with another run id).
     *
     * @param previous the master before, if there was one
     * @param master the master now
     * @param reason what happened, in words
     * @param trigger how the change was noticed
     * @param detection from the trigger (an endpoint update, a suspicion, the start of the round) to the election
     */
    record MasterChanged(
            Topology topology, Optional<Node> previous, Node master, String reason, Trigger trigger, Duration detection)
            implements TopologyEvent {}

    /**
     * No pod is master: a failover is in progress, or the master is down. Writes wait (up to the failover wait).
     *
     * @param previous the master before, if there was one
     * @param reason what every pod answered
     */
    record NoMaster(Topology topology, Optional<Node> previous, String reason) implements TopologyEvent {}

    /**
     * The same master (same pod, same Redis process) is back after a spell without master: a network blip, a
     * frozen process that resumed.
     *
     * @param outage how long there was no master
     */
    record MasterRestored(Topology topology, Node master, Duration outage) implements TopologyEvent {}

    /**
     * A pod refused the credentials Mooring has ({@code WRONGPASS}, {@code NOAUTH}, {@code NOPERM}): its password or
     * the user's permissions changed. The pod is up, so nothing treats it as down: connections already authenticated
     * to it keep working, and a master that refuses stays master. Writes that need a new connection to it fail at once
     * with {@link io.github.mooring.exceptions.CredentialsRejectedException}. Raised once when a pod starts refusing;
     * it never carries the secret.
     *
     * @param pod the endpoint that refused
     * @param user the user whose credentials it refused ({@code "default"} when none is named)
     * @param reason what the pod answered
     */
    record CredentialsRejected(Topology topology, Endpoint pod, String user, String reason) implements TopologyEvent {}

    /** Two or more pods report master; one was chosen, the others must not receive writes. */
    record SplitBrainDetected(Topology topology, SplitBrain splitBrain) implements TopologyEvent {}

    /**
     * The master is empty (or far behind) while a stale replica holds the data: see {@link DataAtRisk}. In the
     * healer's repair mode the master is withheld (writes wait) until the replica holding the data is promoted.
     */
    record DataAtRiskDetected(Topology topology, DataAtRisk dataAtRisk) implements TopologyEvent {}

    /** A replica follows an address that is not the master (it will never receive new writes). */
    record StaleReplicaDetected(Topology topology, StaleReplica staleReplica) implements TopologyEvent {}

    /**
     * Discovery moved to another source, e.g. {@code kubernetes} to {@code dns} after RBAC stopped allowing the watch.
     */
    record SourceDegraded(Topology topology, String from, String to, String reason) implements TopologyEvent {}

    /**
     * Discovery is back on the source it prefers, e.g. {@code dns} to {@code kubernetes} once the Kubernetes API lets
     * the auto source list the Service again (RBAC restored, the API server reachable).
     */
    record SourceRestored(Topology topology, String from, String to, String reason) implements TopologyEvent {}

    /** Discovery has a problem; the last known endpoints are still in use. */
    record DiscoveryFailed(Topology topology, DiscoveryException error) implements TopologyEvent {}
}
