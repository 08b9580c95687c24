package io.github.mooring.internal.topology;

import static java.util.stream.Collectors.joining;

import io.github.mooring.discovery.Endpoint;
import io.github.mooring.probe.NodeReport;
import io.github.mooring.probe.ProbeResult;
import io.github.mooring.probe.Role;
import io.github.mooring.topology.Election;
import io.github.mooring.topology.ElectionPolicy;
import io.github.mooring.topology.Node;
import io.github.mooring.topology.SplitBrain;
import io.github.mooring.topology.StaleReplica;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.ToLongFunction;
import java.util.function.UnaryOperator;

/**
 * Decides which pod is master from one round of probe results.
 *
 * <p>A pure function: no clock, no I/O, no memory of earlier rounds, and the same {@link Election} for the same
 * results in any order. The candidates are reachable pods reporting the master role that are neither loading nor
 * terminating. Where Sentinels manage the group (some pod says a Sentinel monitors it), only masters a Sentinel
 * monitors are candidates: a pod recreated with a new IP that Sentinel has never heard of comes up as master, but
 * Sentinel is about to promote one of its replicas, and every write to the new pod would then be lost. Such masters
 * lose a split brain to a monitored one or, while there is none, take no part. Where the Sentinels name the master
 * (their newest configuration, see {@code internal.sentinel.SentinelView}) and that address is one of the probed
 * pods, it is the only candidate besides masters promoted from it (Sentinel's failover under way, before it names
 * the promoted one): a master at any other address (an old master back at its IP after Sentinel promoted a replica,
 * the restart race) loses to it, or takes no part while the named one is not master yet.
 * One candidate is the master. Among
 * several (a split brain), these rules apply in turn until one candidate is left:
 * <ol>
 *   <li>Sentinel's failover: while the Sentinels' failover is promoting a replica that answers as master, it wins
 *       over every other master, the one they are failing away from above all. What Sentinel says comes before
 *       readiness: the promoted pod's readiness probe may fail for a moment (Sentinel's {@code CLIENT KILL} closes
 *       its connection), and the old master, still ready, would take the connections back until Sentinel's switch.
 *       Without a promotion in progress (none, or aborted: Sentinel then turns the replica back into one) the rules
 *       below decide, as without Sentinel;</li>
 *   <li>a master on a ready endpoint wins over one whose endpoint is not ready yet;</li>
 *   <li>a master holding no keys never wins over one holding data;</li>
 *   <li>succession: a master whose {@code master_replid2} is another candidate's {@code master_replid} was promoted
 *       from that one and is newer (chains resolve to the newest);</li>
 *   <li>the most replicas following it with their link up;</li>
 *   <li>the largest replication offset;</li>
 *   <li>the lowest pod name, then the lowest address.</li>
 * </ol>
 * A pod that refuses the probe's credentials is up but says nothing about its role: it takes no part, and is listed
 * apart from unreachable pods ({@link Election#credentialsRejected()}), so that nothing treats it as down. Whether a
 * master that refuses them keeps its place is the monitor's rule, which remembers the round before
 * ({@code TopologyStep}).
 * <p>
 * A pod that reports {@code cluster_enabled:1} is a Redis Cluster node, no member of a replication group (each
 * cluster master owns only its slots, and answers {@code MOVED} for the others): it takes no part, whatever its role,
 * and is listed with the unreachable pods. A Service whose pods are all cluster nodes therefore has no master; the
 * monitor says it is a cluster ({@code TopologyStep.clusterNodes}).
 * <p>
 * Replicas are stale when they follow an address that is no endpoint, an endpoint that is not the master, or the
 * master over a link down for at least {@link ElectionPolicy#linkDownStaleAfter()}.
 */
public final class MasterElection {

    /** One split-brain rule: keeps the candidates it prefers, or all of them when it cannot tell. */
    private record Rule(String name, UnaryOperator<List<Node>> prefer) {}

    private MasterElection() {}

    /**
     * Elects a master from {@code results}, one per endpoint.
     *
     * @throws IllegalArgumentException when two results share an address
     */
    public static Election elect(List<ProbeResult> results, ElectionPolicy policy) {
        return elect(results, policy, null);
    }

    /**
     * Elects a master from {@code results}, where the Sentinels name {@code sentinelMaster} ({@code ip:port}, or null
     * when no Sentinel said).
     *
     * @throws IllegalArgumentException when two results share an address
     */
    public static Election elect(List<ProbeResult> results, ElectionPolicy policy, String sentinelMaster) {
        return elect(results, policy, sentinelMaster, null);
    }

    /**
     * Elects a master from {@code results}, where the Sentinels name {@code sentinelMaster} and their failover in
     * progress is promoting {@code sentinelPromoting} ({@code ip:port}, or null): that replica, once it answers as
     * master, is a candidate before they name it (they learn of the promotion up to a second later), even when the
     * master they name no longer answers to show that it was promoted from it.
     *
     * @throws IllegalArgumentException when two results share an address
     */
    public static Election elect(
            List<ProbeResult> results, ElectionPolicy policy, String sentinelMaster, String sentinelPromoting) {
        Objects.requireNonNull(policy, "policy");
        // Sorting first makes every later step, and so the outcome, independent of the input order.
        List<ProbeResult> sorted = results.stream().sorted(Ordering.RESULTS).toList();
        requireDistinctAddresses(sorted);
        if (sorted.isEmpty()) {
            return new Election(
                    Optional.empty(), List.of(), List.of(), List.of(), Optional.empty(), "no endpoints to probe");
        }

        boolean sentinelManaged = sorted.stream().anyMatch(ProbeResult::monitoredBySentinels);
        // Only an address we probe counts: a Sentinel announcing host names, or naming a deleted pod, is not followed.
        String named =
                sorted.stream().anyMatch(result -> result.endpoint().address().equals(sentinelMaster))
                        ? sentinelMaster
                        : null;
        List<Node> candidates = new ArrayList<>();
        List<ProbeResult> disowned = new ArrayList<>();
        List<ProbeResult> replicas = new ArrayList<>();
        List<ProbeResult> unreachable = new ArrayList<>();
        List<ProbeResult> credentialsRejected = new ArrayList<>();
        for (ProbeResult result : sorted) {
            if (result.credentialsRejected()) {
                credentialsRejected.add(result);
                continue;
            }
            Role role = result.reachable() ? result.report().role() : Role.UNKNOWN;
            if (isClusterNode(result)) {
                unreachable.add(result);
            } else if (role == Role.MASTER && canServe(result)) {
                if (named != null
                        ? !named.equals(result.endpoint().address())
                                && !result.endpoint().address().equals(sentinelPromoting)
                                && !promotedFromNamed(result, sorted, named)
                        : sentinelManaged && result.sentinelLinks() == 0) {
                    disowned.add(result);
                } else {
                    candidates.add(node(result));
                }
            } else if (role == Role.REPLICA) {
                replicas.add(result);
            } else {
                unreachable.add(result);
            }
        }

        Optional<SplitBrain> splitBrain = candidates.size() > 1
                ? Optional.of(resolve(candidates, replicas, sentinelPromoting))
                : Optional.empty();
        Optional<Node> master =
                splitBrain.map(SplitBrain::winner).or(() -> candidates.stream().findFirst());
        if (!disowned.isEmpty()) {
            if (master.isPresent()) {
                // Masters the Sentinels do not know lose to the one they do, whatever the other rules would say.
                List<Node> losers =
                        new ArrayList<>(splitBrain.map(SplitBrain::losers).orElse(List.of()));
                disowned.forEach(result -> losers.add(node(result)));
                losers.sort(Ordering.NODES);
                splitBrain = Optional.of(new SplitBrain(
                        master.get(),
                        losers,
                        splitBrain
                                .map(SplitBrain::decidedBy)
                                .orElse(named != null ? NAMED_BY_SENTINELS : MONITORED_BY_SENTINELS)));
            } else {
                unreachable.addAll(disowned);
                unreachable.sort(Ordering.RESULTS);
            }
        }
        List<StaleReplica> stale = new ArrayList<>();
        for (ProbeResult replica : replicas) {
            staleness(replica, master.orElse(null), sorted, policy).ifPresent(stale::add);
        }
        return new Election(
                master,
                replicas.stream().map(MasterElection::node).toList(),
                stale,
                unreachable,
                credentialsRejected,
                splitBrain,
                master.isPresent() ? null : noMasterReason(sorted, sentinelManaged, named));
    }

    /** {@link SplitBrain#decidedBy()} when the master the Sentinels name wins over others. */
    static final String NAMED_BY_SENTINELS = "the one Sentinels name";

    /** {@link SplitBrain#decidedBy()} when the replica the Sentinels' failover promotes wins over other masters. */
    static final String PROMOTED_BY_SENTINELS = "the one Sentinel's failover promotes";

    /** {@link SplitBrain#decidedBy()} when the only master a Sentinel monitors wins over others. */
    static final String MONITORED_BY_SENTINELS = "the only one Sentinels monitor";

    private static boolean canServe(ProbeResult master) {
        return !master.endpoint().terminating() && !master.report().loading();
    }

    private static SplitBrain resolve(List<Node> candidates, List<ProbeResult> replicas, String promoting) {
        List<Rule> rules = List.of(
                // Sentinel is failing the others away: readiness only breaks ties Sentinel leaves open.
                new Rule(
                        PROMOTED_BY_SENTINELS,
                        keepHighest(node -> node.address().equals(promoting) ? 1 : 0)),
                // Endpoints still warming up are probed only while there is no master: a ready one wins.
                new Rule("ready endpoint", keepHighest(node -> node.endpoint().ready() ? 1 : 0)),
                new Rule(
                        "only one holds data", keepHighest(node -> node.report().keys() > 0 ? 1 : 0)),
                new Rule("succession", newestInSuccession(candidates)),
                new Rule("followed by replicas", keepHighest(node -> linkedFollowers(node, replicas))),
                new Rule("replication offset", keepHighest(node -> node.report().replOffset())));
        List<Node> remaining = candidates;
        String decidedBy = null;
        for (Rule rule : rules) {
            remaining = rule.prefer().apply(remaining);
            if (remaining.size() == 1) {
                decidedBy = rule.name();
                break;
            }
        }
        if (decidedBy == null) {
            // Still tied: remaining is in pod name, then address order, so the first one wins.
            decidedBy = Objects.equals(
                            remaining.get(0).endpoint().podName(),
                            remaining.get(1).endpoint().podName())
                    ? "tie broken by address"
                    : "tie broken by pod name";
        }
        Node winner = remaining.get(0);
        return new SplitBrain(
                winner, candidates.stream().filter(node -> node != winner).toList(), decidedBy);
    }

    private static UnaryOperator<List<Node>> keepHighest(ToLongFunction<Node> score) {
        return nodes -> {
            long highest = nodes.stream().mapToLong(score).max().orElseThrow();
            return nodes.stream()
                    .filter(node -> score.applyAsLong(node) == highest)
                    .toList();
        };
    }

    /**
     * Drops every master that another remaining one descends from. Ancestry follows promotions recorded by any
     * candidate, so a chain still resolves when a link in it was dropped for holding no data. Keeps all when the
     * ids form no clear order.
     */
    private static UnaryOperator<List<Node>> newestInSuccession(List<Node> candidates) {
        return nodes -> {
            List<Node> newest = nodes.stream()
                    .filter(older -> nodes.stream()
                            .noneMatch(newer -> newer != older
                                    && ancestors(newer, candidates).contains(older)))
                    .toList();
            return newest.isEmpty() ? nodes : newest;
        };
    }

    private static Set<Node> ancestors(Node node, List<Node> candidates) {
        Set<Node> ancestors = new HashSet<>();
        Deque<Node> toVisit = new ArrayDeque<>(List.of(node));
        while (!toVisit.isEmpty()) {
            Node child = toVisit.pop();
            for (Node parent : candidates) {
                if (parent != child && promotedFrom(child, parent) && ancestors.add(parent)) {
                    toVisit.push(parent);
                }
            }
        }
        return ancestors;
    }

    /**
     * Whether {@code master} was promoted from the master the Sentinels name: their failover is under way and they
     * will name it next (they learn of the promotion up to a second after it), so it stays a candidate.
     */
    private static boolean promotedFromNamed(ProbeResult master, List<ProbeResult> sorted, String named) {
        return sorted.stream()
                .filter(r -> r.endpoint().address().equals(named) && r.reachable())
                .anyMatch(r -> promotedFrom(node(master), node(r)));
    }

    private static boolean promotedFrom(Node newer, Node older) {
        String previousHistory = newer.report().replId2();
        // A never-promoted master reports forty zeros as replId2: that names no history.
        return previousHistory != null
                && !previousHistory.equals(NodeReport.NO_REPL_ID)
                && previousHistory.equals(older.report().replId());
    }

    private static long linkedFollowers(Node master, List<ProbeResult> replicas) {
        return replicas.stream()
                .filter(replica -> replica.report().masterLinkUp() && follows(replica, master.endpoint()))
                .count();
    }

    /** Whether the replica's {@code master_host} (as written or as resolved) and port name this endpoint. */
    private static boolean follows(ProbeResult replica, Endpoint endpoint) {
        NodeReport report = replica.report();
        if (report.masterHost() == null || report.masterPort() != endpoint.port()) {
            return false;
        }
        String host = Endpoint.canonicalHost(endpoint.host());
        return Endpoint.canonicalHost(report.masterHost()).equals(host)
                || replica.masterHostAddresses().stream()
                        .map(Endpoint::canonicalHost)
                        .anyMatch(host::equals);
    }

    private static Optional<StaleReplica> staleness(
            ProbeResult replica, Node master, List<ProbeResult> all, ElectionPolicy policy) {
        NodeReport report = replica.report();
        String follows = Objects.requireNonNullElse(report.masterAddress(), "no master_host");
        StaleReplica.Reason reason;
        if (master != null && follows(replica, master.endpoint())) {
            long down = report.masterLinkDownSinceSeconds();
            boolean downTooLong = !report.masterLinkUp()
                    && down >= 0
                    && Duration.ofSeconds(down).compareTo(policy.linkDownStaleAfter()) >= 0;
            reason = downTooLong ? StaleReplica.Reason.LINK_DOWN : null;
        } else {
            Optional<ProbeResult> followed = all.stream()
                    .filter(other -> follows(replica, other.endpoint()))
                    .findFirst();
            if (followed.isEmpty()) {
                reason = StaleReplica.Reason.FOLLOWS_UNKNOWN_ADDRESS;
            } else if (master != null || reportsNonMasterRole(followed.get())) {
                reason = StaleReplica.Reason.FOLLOWS_NON_MASTER;
            } else {
                // No master anywhere, and it follows a pod that is unreachable, loading or terminating: that pod
                // may well come back as master, so the replica is not wrong yet.
                reason = null;
            }
        }
        return Optional.ofNullable(reason).map(why -> new StaleReplica(node(replica), follows, why));
    }

    /** The rule "a Redis Cluster node is no member of a replication group". */
    static boolean isClusterNode(ProbeResult result) {
        return result.reachable() && result.report().clusterEnabled();
    }

    private static boolean reportsNonMasterRole(ProbeResult result) {
        return result.reachable() && result.report().role() != Role.MASTER;
    }

    private static String noMasterReason(List<ProbeResult> sorted, boolean sentinelManaged, String named) {
        return "no pod reports master: "
                + sorted.stream()
                        .map(result -> describe(result, sentinelManaged, named))
                        .collect(joining("; "));
    }

    /** What one pod said, for {@link Election#noMasterReason()}. */
    private static String describe(ProbeResult result, boolean sentinelManaged, String named) {
        String pod = result.endpoint().displayName();
        if (result.credentialsRejected()) {
            return pod + " refused the credentials of user " + result.rejectedUser() + ": " + result.failure();
        }
        if (!result.reachable()) {
            return pod + " unreachable: " + result.failure();
        }
        NodeReport report = result.report();
        if (report.clusterEnabled()) {
            return pod + " " + report.role().name().toLowerCase(Locale.ROOT)
                    + " of a Redis Cluster (cluster_enabled:1), not of a replication group";
        }
        return pod
                + switch (report.role()) {
                    case MASTER ->
                        " master but "
                                + (report.loading() && result.endpoint().terminating()
                                        ? "loading and terminating"
                                        : report.loading()
                                                ? "loading"
                                                : result.endpoint().terminating()
                                                        ? "terminating"
                                                        : named != null
                                                                ? "the Sentinels name " + named
                                                                        + " as master (an old master back at its IP: writes wait"
                                                                        + " for the one Sentinel promoted)"
                                                                : sentinelManaged
                                                                        ? "no Sentinel monitors it while Sentinels manage this group (a pod recreated"
                                                                                + " with a new IP: writes wait for the Sentinels to promote a replica)"
                                                                        : "not elected");
                    case REPLICA ->
                        " replica of " + Objects.requireNonNullElse(report.masterAddress(), "no master_host")
                                + linkState(report);
                    case SENTINEL -> " is a Sentinel, not a Redis server (the Service should not select Sentinel pods)";
                    case UNKNOWN -> " answered without a known role";
                };
    }

    private static String linkState(NodeReport replica) {
        long down = replica.masterLinkDownSinceSeconds();
        String link = replica.masterLinkUp() ? "" : down >= 0 ? ", link down " + down + "s" : ", link down";
        return link + (replica.syncInProgress() ? ", syncing" : "");
    }

    private static void requireDistinctAddresses(List<ProbeResult> results) {
        Set<String> seen = new HashSet<>();
        for (ProbeResult result : results) {
            String address = Endpoint.address(
                    Endpoint.canonicalHost(result.endpoint().host()),
                    result.endpoint().port());
            if (!seen.add(address)) {
                throw new IllegalArgumentException(
                        "endpoint " + result.endpoint().address() + " was probed twice");
            }
        }
    }

    private static Node node(ProbeResult result) {
        return new Node(result.endpoint(), result.report());
    }
}
