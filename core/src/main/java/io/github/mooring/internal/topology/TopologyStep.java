package io.github.mooring.internal.topology;

import io.github.mooring.discovery.DiscoveryException;
import io.github.mooring.discovery.Endpoint;
import io.github.mooring.discovery.EndpointSnapshot;
import io.github.mooring.discovery.ServiceRef;
import io.github.mooring.exceptions.CredentialsRejectedException;
import io.github.mooring.probe.ProbeResult;
import io.github.mooring.topology.ClusterServiceException;
import io.github.mooring.topology.DataAtRisk;
import io.github.mooring.topology.Election;
import io.github.mooring.topology.NoMasterException;
import io.github.mooring.topology.Node;
import io.github.mooring.topology.Topology;
import io.github.mooring.topology.TopologyEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What one probe round does to the topology: a pure function from the state before the round and what the round saw
 * to the next {@link Topology} and the events that describe the change. No clock, no I/O, no threads: the monitor
 * around it schedules rounds, probes, and delivers what comes out.
 * <p>
 * The rules, in the order they apply:
 * <ol>
 *   <li><b>election</b>: the round's probe results elect a master ({@link MasterElection}); a round with nothing to
 *       probe says why from the discovery state (no endpoints yet, none at all, only terminating ones);</li>
 *   <li><b>credentials refused by the master</b>: when the last master elected refuses the probe's credentials and
 *       no other pod reports master, it is master: a refusal says nothing about its role, and connections already
 *       authenticated to it keep working;</li>
 *   <li><b>data at risk</b>: {@link DataAtRisk#assess} of the election; the master is withheld from writers when the
 *       round says a repair will follow ({@link Round#withholdWhenDataAtRisk()});</li>
 *   <li><b>version</b>: it moves only when who-is-what changed ({@link TopologyComparators#sameGroup}), not offsets;</li>
 *   <li><b>events</b>, in this order: {@code SourceDegraded} when the source changed (with the problem that made it
 *       change), {@code SourceRestored} instead when discovery said it went back to the source it prefers; {@code MasterRestored} when the same Redis process is master again after a spell without master,
 *       else {@code MasterChanged} when another process (or pod) became master; {@code NoMaster} when the master
 *       went (or the very first round found none); then {@code DataAtRiskDetected}, {@code SplitBrainDetected} and
 *       {@code StaleReplicaDetected}, then {@code CredentialsRejected} for every pod that refuses the credentials, each
 *       only for what the previous topology did not already have.</li>
 * </ol>
 */
final class TopologyStep {

    private TopologyStep() {}

    /**
     * What the monitor remembers between rounds.
     *
     * @param topology the topology published last
     * @param lastMaster the last master ever elected, kept through spells without master (a returning master is then
     *        "restored", and a new one names where writes came from)
     * @param noMasterSince when the current spell without master began; empty while there is a master
     * @param discovery what discovery has said lately (it changes between rounds too)
     */
    record State(
            Topology topology, Optional<Node> lastMaster, Optional<Instant> noMasterSince, DiscoveryStatus discovery) {

        State {
            Objects.requireNonNull(topology, "topology");
            Objects.requireNonNull(lastMaster, "lastMaster");
            Objects.requireNonNull(noMasterSince, "noMasterSince");
            Objects.requireNonNull(discovery, "discovery");
        }

        /** Before the first round: version 0, nothing known. */
        static State initial() {
            return new State(
                    Topology.initial("starting"), Optional.empty(), Optional.empty(), DiscoveryStatus.initial());
        }

        State withDiscovery(DiscoveryStatus status) {
            return new State(topology, lastMaster, noMasterSince, status);
        }

        /** Discovery went back to the source it prefers: the next change of source is a restoration. */
        State withSourceRestored(String reason) {
            return withDiscovery(discovery.withSourceRestored(reason));
        }

        /** New endpoints from discovery, seen against the topology published so far. */
        State withEndpoints(EndpointSnapshot snapshot) {
            return withDiscovery(discovery.withEndpoints(snapshot, topology.source(), topology.version() > 0));
        }
    }

    /**
     * What one round saw.
     *
     * @param service the Service the round is about (named in reasons)
     * @param source the name of the source that reported the endpoints
     * @param endpoints the endpoints the round was started with; null when discovery has reported none yet
     * @param results one probe result per candidate endpoint (empty when there was nothing to probe)
     * @param withholdWhenDataAtRisk whether a repair will follow data at risk (then the master is withheld)
     * @param sentinelMaster the master the Sentinels name ({@code ip:port}) when the round started, or null
     * @param sentinelPromoting the replica their failover in progress is promoting ({@code ip:port}), or null
     * @param trigger what started the round ({@code STARTUP} is implied by the first round)
     * @param detection from the trigger to the end of the round
     * @param observedAt when the round completed
     */
    record Round(
            ServiceRef service,
            String source,
            EndpointSnapshot endpoints,
            List<ProbeResult> results,
            boolean withholdWhenDataAtRisk,
            String sentinelMaster,
            String sentinelPromoting,
            TopologyEvent.Trigger trigger,
            Duration detection,
            Instant observedAt) {

        Round {
            Objects.requireNonNull(service, "service");
            Objects.requireNonNull(source, "source");
            results = List.copyOf(results);
            Objects.requireNonNull(trigger, "trigger");
            Objects.requireNonNull(detection, "detection");
            Objects.requireNonNull(observedAt, "observedAt");
        }
    }

    /**
     * What the next round is for: the most telling trigger (anything beats the periodic round) and, for detection
     * times, the earliest moment a trigger of that kind arrived.
     */
    record Pending(TopologyEvent.Trigger trigger, long sinceNanos) {

        static Pending merge(Pending pending, TopologyEvent.Trigger trigger, long nanos) {
            if (pending == null
                    || pending.trigger() == TopologyEvent.Trigger.PERIODIC
                            && trigger != TopologyEvent.Trigger.PERIODIC) {
                return new Pending(trigger, nanos); // detection counts from what made the round worth running
            }
            return nanos - pending.sinceNanos() < 0 ? new Pending(pending.trigger(), nanos) : pending;
        }
    }

    /**
     * The endpoints a round probes: every one that is not terminating, ready or still warming up (a new master answers
     * before its readiness probe passes), one per address even if a source lists an address twice; and the master,
     * as not ready, when discovery no longer lists its address at all. Cluster DNS drops a pod whose readiness probe
     * fails (under load, say) while it still takes writes: the probe, not the record, decides whether the master is
     * gone. A master deleted for good fails that probe, and the next round no longer has it as master.
     */
    static List<Endpoint> candidates(EndpointSnapshot endpoints, Optional<Node> master) {
        if (endpoints == null) {
            return List.of();
        }
        Map<String, Endpoint> byAddress = endpoints.endpoints().stream()
                .collect(Collectors.toMap(Endpoint::address, e -> e, (a, b) -> a, LinkedHashMap::new));
        master.map(Node::endpoint)
                .filter(m -> !byAddress.containsKey(m.address()))
                .ifPresent(
                        m -> byAddress.put(m.address(), new Endpoint(m.host(), m.port(), m.podName(), false, false)));
        return List.copyOf(
                byAddress.values().stream().filter(e -> !e.terminating()).toList());
    }

    /** The exception for "no master within {@code waited}", with the reason spelled out. */
    /**
     * Why waiting for a master is pointless now, as the exception to fail with, or null: a pod refuses the
     * credentials while there is no master, or discovery failed for a reason waiting cannot cure, from the source in
     * use ({@code activeSource}), before it ever reported an endpoint.
     */
    static RuntimeException reasonToStopWaiting(ServiceRef service, State state, String activeSource) {
        Topology now = state.topology();
        if (!now.hasMaster() && now.credentialsRefusal().isPresent()) {
            return credentialsRejected(
                    service, now, now.credentialsRefusal().get(), "No master could be found with these credentials");
        }
        ClusterServiceException cluster = clusterService(service, now);
        if (cluster != null) {
            return cluster;
        }
        DiscoveryException problem = state.discovery().reasonToStopWaiting(activeSource);
        return problem == null
                ? null
                : new NoMasterException("no master for " + service + ": " + problem.getMessage(), now, problem);
    }

    static NoMasterException noMaster(ServiceRef service, State state, Topology topology, Duration waited) {
        ClusterServiceException cluster = clusterService(service, topology);
        if (cluster != null) {
            return cluster;
        }
        String reason = topology.noMasterReason().orElse("no probe round has completed yet");
        DiscoveryException problem = state.discovery().error();
        return new NoMasterException(
                "no master for " + service + " within " + waited.toMillis() + " ms"
                        + state.noMasterSince()
                                .map(since -> " (none since " + since + ")")
                                .orElse("") + ": " + reason
                        + (problem != null ? "; discovery: " + problem.getMessage() : ""),
                topology,
                problem);
    }

    /**
     * The rule "the Service is a Redis Cluster": no master, and every pod that answered is a cluster node
     * ({@link MasterElection#isClusterNode}), at least one. Waiting cannot make a cluster a replication group, so the
     * wait for a master ends at once, with the way out. A group in which only some pods are cluster nodes (a
     * misconfigured pod) is not a cluster: its other pods elect as usual, and its cluster nodes are listed as taking
     * no part. Null when the rule does not apply.
     */
    static ClusterServiceException clusterService(ServiceRef service, Topology topology) {
        List<ProbeResult> answered =
                topology.reports().stream().filter(ProbeResult::reachable).toList();
        if (topology.hasMaster() || answered.isEmpty() || !answered.stream().allMatch(MasterElection::isClusterNode)) {
            return null;
        }
        List<String> pods =
                answered.stream().map(result -> result.endpoint().displayName()).toList();
        return new ClusterServiceException(
                service + " is a Redis Cluster: its pods " + String.join(", ", pods) + " report cluster_enabled:1."
                        + " MooringClient follows the one master of a replication group (a master with replicas),"
                        + " and a cluster shards its keys over several masters. Use"
                        + " io.github.mooring.cluster.MooringClusterClient for this Service (with the Spring Boot"
                        + " starter: leave mooring.mode unset or set it to auto or cluster), or name the Service of a"
                        + " replication group.",
                topology,
                pods);
    }

    /**
     * The exception for a pod that refuses Mooring's credentials: who refused which user, what became of the command
     * ({@code what}), and what to do. Names no secret: the failure quotes the server's reply.
     */
    static CredentialsRejectedException credentialsRejected(
            ServiceRef service, Topology topology, ProbeResult refusal, String what) {
        String pod = refusal.endpoint().displayName();
        boolean master = topology.master()
                .map(m -> m.address().equals(refusal.endpoint().address()))
                .orElse(false);
        return CredentialsRejectedException.refusedBy(
                pod, (master ? ", master of " : " of ") + service, refusal.rejectedUser(), refusal.failure(), what);
    }

    /** The next state, the topology to publish (also {@code next.topology()}), and what changed, in order. */
    record Outcome(State next, List<TopologyEvent> events) {

        Outcome {
            Objects.requireNonNull(next, "next");
            events = List.copyOf(events);
        }

        Topology topology() {
            return next.topology();
        }
    }

    static Outcome apply(State before, Round round, MonitorSettings settings) {
        Topology previous = before.topology();
        DiscoveryStatus discovery = before.discovery();
        Election election = round.results().isEmpty()
                ? noCandidates(round, discovery)
                : keepMasterRefusingCredentials(
                        MasterElection.elect(
                                round.results(),
                                settings.electionPolicy(),
                                round.sentinelMaster(),
                                round.sentinelPromoting()),
                        before.lastMaster());
        Optional<DataAtRisk> dataAtRisk = DataAtRisk.assess(election, settings.farBehindRatio());
        boolean withheld = round.withholdWhenDataAtRisk() && dataAtRisk.isPresent();
        boolean sameGroup = previous.version() > 0
                && TopologyComparators.sameGroup(previous.election(), previous.masterWithheld(), election, withheld);
        long version = sameGroup ? previous.version() : previous.version() + 1;
        Topology next = new Topology(
                version, round.observedAt(), round.source(), election, round.results(), dataAtRisk, withheld);

        List<TopologyEvent> events = new ArrayList<>();
        boolean first = previous.version() == 0;
        TopologyEvent.Trigger trigger = first ? TopologyEvent.Trigger.STARTUP : round.trigger();
        if (!first && !previous.source().equals(next.source())) {
            events.add(
                    discovery.restoredReason() != null
                            ? new TopologyEvent.SourceRestored(
                                    next, previous.source(), next.source(), discovery.restoredReason())
                            : new TopologyEvent.SourceDegraded(
                                    next, previous.source(), next.source(), discovery.whySourceChanged()));
            discovery = discovery.sourceChangeReported();
        }
        Optional<Node> lastMaster = before.lastMaster();
        Optional<Instant> noMasterSince = before.noMasterSince();
        Optional<Node> master = next.master();
        if (master.isPresent()) {
            Node now = master.get();
            Optional<Node> was = previous.master();
            if (was.isEmpty()
                    && noMasterSince.isPresent()
                    && lastMaster.filter(m -> sameProcess(m, now)).isPresent()) {
                events.add(new TopologyEvent.MasterRestored(
                        next, now, Duration.between(noMasterSince.get(), next.observedAt())));
            } else if (was.isEmpty() || !sameProcess(was.get(), now)) {
                Optional<Node> from = was.isPresent() ? was : lastMaster;
                events.add(new TopologyEvent.MasterChanged(
                        next, from, now, describeChange(from, now, next), trigger, round.detection()));
            }
            lastMaster = master;
            noMasterSince = Optional.empty();
        } else if (previous.master().isPresent() || first) {
            events.add(new TopologyEvent.NoMaster(
                    next, previous.master(), next.noMasterReason().orElse("no master")));
            noMasterSince = Optional.of(next.observedAt());
        }
        dataAtRisk
                .filter(risk -> !TopologyComparators.sameRisk(previous.dataAtRisk(), risk))
                .ifPresent(risk -> events.add(new TopologyEvent.DataAtRiskDetected(next, risk)));
        next.splitBrain()
                .filter(split -> !TopologyComparators.sameLosers(previous.splitBrain(), split))
                .ifPresent(split -> events.add(new TopologyEvent.SplitBrainDetected(next, split)));
        Set<String> staleBefore = previous.staleReplicas().stream()
                .map(TopologyComparators::staleKey)
                .collect(Collectors.toSet());
        next.staleReplicas().stream()
                .filter(stale -> !staleBefore.contains(TopologyComparators.staleKey(stale)))
                .forEach(stale -> events.add(new TopologyEvent.StaleReplicaDetected(next, stale)));
        Set<String> refusingBefore = previous.credentialsRejected().stream()
                .map(TopologyStep::refusalKey)
                .collect(Collectors.toSet());
        next.credentialsRejected().stream()
                .filter(refused -> !refusingBefore.contains(refusalKey(refused)))
                .forEach(refused -> events.add(new TopologyEvent.CredentialsRejected(
                        next, refused.endpoint(), refused.rejectedUser(), refused.failure())));
        return new Outcome(new State(next, lastMaster, noMasterSince, discovery), events);
    }

    /**
     * The rule "credentials refused by the master": the last master elected, when it refuses the probe's credentials
     * and no other pod reports master, is master (with what it last reported), also after a round in which it did
     * not answer in time (connecting and being refused anew each round costs more than a kept connection).
     */
    static Election keepMasterRefusingCredentials(Election election, Optional<Node> lastMaster) {
        Optional<Node> master = lastMaster;
        if (election.master().isPresent() || master.isEmpty()) {
            return election;
        }
        String address = master.get().address();
        boolean refuses = election.credentialsRejected().stream()
                .anyMatch(refused -> refused.endpoint().address().equals(address));
        return refuses
                ? new Election(
                        master,
                        election.replicas(),
                        election.staleReplicas(),
                        election.unreachable(),
                        election.credentialsRejected(),
                        Optional.empty(),
                        null)
                : election;
    }

    private static String refusalKey(ProbeResult refused) {
        return refused.endpoint().address() + " " + refused.rejectedUser();
    }

    /**
     * The election of a round with nothing to probe, with a reason that says what is wrong with the Service (the
     * election alone only knows that it got no probe results).
     */
    static Election noCandidates(Round round, DiscoveryStatus discovery) {
        EndpointSnapshot snapshot = round.endpoints();
        String reason;
        if (snapshot == null) {
            reason = "discovery has reported no endpoints of " + round.service() + " yet";
        } else if (snapshot.endpoints().isEmpty()) {
            DiscoveryException problem = discovery.error();
            reason = round.service() + " has no endpoints (" + snapshot.source() + "): "
                    + (problem != null && problem.reason() != DiscoveryException.Reason.NO_ENDPOINTS
                            ? problem.getMessage()
                            : "check that its pods are running and pass their readiness probe, and that its selector matches"
                                    + " them");
        } else {
            // Only terminating endpoints are left out of a round.
            reason = round.service() + " has only terminating endpoints (" + snapshot.source() + "): "
                    + snapshot.endpoints().stream().map(Endpoint::displayName).collect(Collectors.joining(", "))
                    + "; its pods are being deleted";
        }
        return new Election(Optional.empty(), List.of(), List.of(), List.of(), Optional.empty(), reason);
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
            } else if (next.splitBrain()
                    .map(s -> s.losers().stream().anyMatch(n -> n.address().equals(address)))
                    .orElse(false)) {
                reason.append(old.displayName()).append(" lost a split brain");
            } else if (next.credentialsRejected().stream()
                    .anyMatch(r -> r.endpoint().address().equals(address))) {
                reason.append(old.displayName()).append(" refuses the credentials");
            } else if (next.unreachable().stream()
                    .anyMatch(r -> r.endpoint().address().equals(address))) {
                reason.append(old.displayName()).append(" is unreachable");
            } else {
                reason.append(old.displayName()).append(" is no longer an endpoint");
            }
            reason.append("; ");
        }
        reason.append(master.displayName()).append(" reports master");
        next.splitBrain()
                .ifPresent(
                        s -> reason.append(" (chosen by ").append(s.decidedBy()).append(")"));
        return reason.toString();
    }

    private static boolean sameProcess(Node a, Node b) {
        return a.address().equals(b.address())
                && Objects.equals(a.report().runId(), b.report().runId());
    }
}
