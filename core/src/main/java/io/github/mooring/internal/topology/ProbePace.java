package io.github.mooring.internal.topology;

import io.github.mooring.internal.sentinel.SentinelView;
import io.github.mooring.probe.NodeReport;
import io.github.mooring.probe.ProbeResult;
import io.github.mooring.probe.Role;
import io.github.mooring.topology.Topology;
import java.time.Duration;
import java.util.Objects;

/**
 * How often the monitor probes: a pure function of what it knows. Events (endpoint changes, a lost connection,
 * {@code READONLY}, a command timeout, a Sentinel message, a probe connection the pod closed) start a round at once,
 * whatever the pace. Between them, while anything is doubtful, a round runs on every tick of the fast pace
 * ({@code probeInterval}, {@code noMasterProbeInterval} without master), as it always did; when all is calm, only a
 * heartbeat round runs, at a random point between half of {@code calmProbeInterval} and all of it after the last
 * round (jittered, so that a thousand clients started together do not probe together).
 * <p>
 * The rules, the first that holds decides ({@link Rule}): no master; a pod that does not answer; a pod that refuses
 * the credentials; a replica that is not linked to the master (link down, syncing, loading); a finding (split brain,
 * stale replica, data at risk); discovery reports a problem; Sentinels report a failover of the master in progress;
 * a change or an event within {@code calmAfter}. Else calm.
 * <p>
 * What calm costs: a change that no event reports (the master demoted by hand with {@code REPLICAOF} while its
 * connections stay up and the application only reads; a replica promoted by hand; a master frozen while nobody sends
 * it a command) is found by the next heartbeat, at most {@code calmProbeInterval} plus one tick
 * ({@code probeInterval}) plus one probe timeout after it happened, and from then on at the fast pace. A write to a demoted master is refused ({@code READONLY}) and a
 * command to a frozen one that stays unanswered for the probe timeout makes its connection suspect it: both are
 * events.
 */
final class ProbePace {

    private ProbePace() {}

    /** Why the pace is what it is; every rule but {@link #CALM} keeps the fast pace. */
    enum Rule {
        NO_MASTER("no master"),
        POD_UNREACHABLE("a pod does not answer"),
        CREDENTIALS_REFUSED("a pod refuses the credentials"),
        REPLICA_NOT_LINKED("a replica is not linked to its master"),
        FINDING("a split brain, stale replica or data at risk"),
        DISCOVERY_TROUBLE("discovery reports a problem"),
        SENTINEL_FAILOVER("Sentinels report a failover of the master"),
        RECENT_CHANGE("a change or an event within calmAfter"),
        CALM("calm: heartbeat rounds only");

        private final String description;

        Rule(String description) {
            this.description = description;
        }

        boolean fast() {
            return this != CALM;
        }

        @Override
        public String toString() {
            return description;
        }
    }

    /**
     * What the pace depends on.
     *
     * @param topology the topology published last
     * @param discoveryTrouble whether discovery reports a problem now
     * @param sentinelFailover whether the Sentinels report a failover of the master in progress
     * @param sinceEvent how long ago the topology's version last changed or the last round started by an event (not a
     *        periodic tick) began; {@code null} when never
     */
    record Situation(Topology topology, boolean discoveryTrouble, boolean sentinelFailover, Duration sinceEvent) {

        Situation {
            Objects.requireNonNull(topology, "topology");
        }

        /** The monitor's situation: its {@code state}, what the Sentinels say ({@code view}), the time since an event. */
        static Situation of(TopologyStep.State state, SentinelView view, Duration sinceEvent) {
            return new Situation(
                    state.topology(), state.discovery().error() != null, view.failoverInProgress(), sinceEvent);
        }
    }

    /** The rule that decides the pace in {@code now}: the first that holds. */
    static Rule assess(Situation now, Duration calmAfter) {
        Topology topology = now.topology();
        if (!topology.hasMaster()) {
            return Rule.NO_MASTER;
        }
        if (!topology.unreachable().isEmpty()) {
            return Rule.POD_UNREACHABLE;
        }
        if (!topology.credentialsRejected().isEmpty()) {
            return Rule.CREDENTIALS_REFUSED;
        }
        if (topology.reports().stream().anyMatch(ProbePace::notLinked)) {
            return Rule.REPLICA_NOT_LINKED;
        }
        if (topology.splitBrain().isPresent()
                || !topology.staleReplicas().isEmpty()
                || topology.dataAtRisk().isPresent()) {
            return Rule.FINDING;
        }
        if (now.discoveryTrouble()) {
            return Rule.DISCOVERY_TROUBLE;
        }
        if (now.sentinelFailover()) {
            return Rule.SENTINEL_FAILOVER;
        }
        if (now.sinceEvent() == null || now.sinceEvent().compareTo(calmAfter) < 0) {
            return Rule.RECENT_CHANGE;
        }
        return Rule.CALM;
    }

    /**
     * Whether a periodic tick runs a round: always at the fast pace; when calm, once {@code sinceRound} (since the last
     * round started) reaches the {@code heartbeat} drawn for it.
     */
    static boolean roundDue(Rule rule, Duration sinceRound, Duration heartbeat) {
        return rule.fast() || sinceRound.compareTo(heartbeat) >= 0;
    }

    /**
     * The heartbeat after a round: {@code calmProbeInterval} times a factor between ½ and 1 given by {@code unit}
     * (uniform in [0, 1)). Never more than the interval, so that it bounds how late a change no event reports is seen.
     */
    static Duration heartbeat(Duration calmProbeInterval, double unit) {
        if (!(unit >= 0 && unit < 1)) {
            throw new IllegalArgumentException("unit must be in [0, 1), was " + unit);
        }
        return Duration.ofNanos((long) (calmProbeInterval.toNanos() * (0.5 + unit / 2)));
    }

    /** A replica that does not follow its master in real time; a master or a Sentinel is never one. */
    private static boolean notLinked(ProbeResult result) {
        if (result.report() == null) {
            return false;
        }
        NodeReport report = result.report();
        return report.loading() || report.role() == Role.REPLICA && (!report.masterLinkUp() || report.syncInProgress());
    }
}
