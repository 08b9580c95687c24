package io.github.mooring.internal.topology;

import static io.github.mooring.internal.topology.Pod.master;
import static io.github.mooring.internal.topology.Pod.refusing;
import static io.github.mooring.internal.topology.Pod.replica;
import static io.github.mooring.internal.topology.Pod.unreachable;
import static io.github.mooring.internal.topology.ProbePace.Rule.CALM;
import static io.github.mooring.internal.topology.ProbePace.Rule.CREDENTIALS_REFUSED;
import static io.github.mooring.internal.topology.ProbePace.Rule.DISCOVERY_TROUBLE;
import static io.github.mooring.internal.topology.ProbePace.Rule.FINDING;
import static io.github.mooring.internal.topology.ProbePace.Rule.NO_MASTER;
import static io.github.mooring.internal.topology.ProbePace.Rule.POD_UNREACHABLE;
import static io.github.mooring.internal.topology.ProbePace.Rule.RECENT_CHANGE;
import static io.github.mooring.internal.topology.ProbePace.Rule.REPLICA_NOT_LINKED;
import static io.github.mooring.internal.topology.ProbePace.Rule.SENTINEL_FAILOVER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.github.mooring.discovery.EndpointSnapshot;
import io.github.mooring.discovery.ServiceRef;
import io.github.mooring.topology.Topology;
import io.github.mooring.topology.TopologyEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** When the monitor probes at the fast pace and when a heartbeat is enough: a table of situations. */
class ProbePaceTest {

    private static final Duration CALM_AFTER = MonitorSettings.DEFAULT_CALM_AFTER;
    private static final Duration LONG_AGO = Duration.ofMinutes(5);

    /** A situation: the pods of the last round, what else the monitor knows, and the rule that decides. */
    record Case(
            String name,
            List<Pod> pods,
            boolean discoveryTrouble,
            boolean sentinelFailover,
            Duration sinceEvent,
            ProbePace.Rule expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Case calm(String name, Duration sinceEvent, ProbePace.Rule expected, Pod... pods) {
        return new Case(name, List.of(pods), false, false, sinceEvent, expected);
    }

    static Stream<Case> cases() {
        Pod[] healthy = {
            master("redis-0"),
            replica("redis-1").of("10.0.0.10"),
            replica("redis-2").of("10.0.0.10")
        };
        return Stream.of(
                // Calm: the only situation in which heartbeats are enough
                calm("a master, linked replicas, nothing for a while: calm", LONG_AGO, CALM, healthy),
                calm("a single pod, master: calm", LONG_AGO, CALM, master("redis-0")),
                calm("calm exactly calmAfter after the last event", CALM_AFTER, CALM, healthy),

                // A change or an event within calmAfter keeps the fast pace
                calm(
                        "an event a moment ago (failover, endpoint change, suspicion)",
                        Duration.ofSeconds(1),
                        RECENT_CHANGE,
                        healthy),
                calm("just short of calmAfter", CALM_AFTER.minusMillis(1), RECENT_CHANGE, healthy),
                calm("no change ever recorded (before the first round)", null, RECENT_CHANGE, healthy),

                // Doubt about the pods
                calm("no master", LONG_AGO, NO_MASTER, replica("redis-1").of("10.0.0.10")),
                calm(
                        "no master beats everything else",
                        null,
                        NO_MASTER,
                        unreachable("redis-0", "connection refused"),
                        replica("redis-1").of("10.0.0.10").linkDown(30)),
                calm(
                        "a replica does not answer",
                        LONG_AGO,
                        POD_UNREACHABLE,
                        master("redis-0"),
                        unreachable("redis-1", "no answer within the probe timeout")),
                calm(
                        "a replica refuses the credentials",
                        LONG_AGO,
                        CREDENTIALS_REFUSED,
                        master("redis-0"),
                        refusing("redis-1", "app")),
                calm(
                        "a replica's link is down (not stale yet: the fast pace times its staleness)",
                        LONG_AGO,
                        REPLICA_NOT_LINKED,
                        master("redis-0"),
                        replica("redis-1").of("10.0.0.10").linkDown(3)),
                calm(
                        "a replica in its first full sync",
                        LONG_AGO,
                        REPLICA_NOT_LINKED,
                        master("redis-0"),
                        replica("redis-1").of("10.0.0.10").syncing(2)),
                calm(
                        "a replica still loading its data",
                        LONG_AGO,
                        REPLICA_NOT_LINKED,
                        master("redis-0"),
                        replica("redis-1").of("10.0.0.10").loading()),
                calm(
                        "a split brain",
                        LONG_AGO,
                        FINDING,
                        master("redis-0"),
                        master("redis-1").keys(10),
                        replica("redis-2").of("10.0.0.10")),
                calm(
                        "a replica following a pod that is no master",
                        LONG_AGO,
                        FINDING,
                        master("redis-0"),
                        replica("redis-1").of("10.0.0.99").resolvedTo("10.0.0.99")),

                // Doubt about what tells the monitor of changes
                new Case("discovery reports a problem", List.of(healthy), true, false, LONG_AGO, DISCOVERY_TROUBLE),
                new Case(
                        "Sentinels report a failover of the master",
                        List.of(healthy),
                        false,
                        true,
                        LONG_AGO,
                        SENTINEL_FAILOVER));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void assesses(Case c) {
        ProbePace.Situation situation =
                new ProbePace.Situation(topology(c.pods()), c.discoveryTrouble(), c.sentinelFailover(), c.sinceEvent());

        assertThat(ProbePace.assess(situation, CALM_AFTER)).isEqualTo(c.expected());
        assertThat(c.expected().fast()).isEqualTo(c.expected() != CALM);
    }

    @Test
    void everyRuleHasACase() {
        assertThat(cases().map(Case::expected).distinct()).containsExactlyInAnyOrder(ProbePace.Rule.values());
    }

    @Test
    void theFastPaceProbesOnEveryTickAndTheCalmOneOnlyOnceTheHeartbeatIsDue() {
        Duration heartbeat = Duration.ofSeconds(20);

        assertThat(ProbePace.roundDue(NO_MASTER, Duration.ofMillis(50), heartbeat))
                .isTrue();
        assertThat(ProbePace.roundDue(RECENT_CHANGE, Duration.ofSeconds(1), heartbeat))
                .isTrue();
        assertThat(ProbePace.roundDue(CALM, Duration.ofSeconds(19), heartbeat)).isFalse();
        assertThat(ProbePace.roundDue(CALM, heartbeat, heartbeat)).isTrue();
        assertThat(ProbePace.roundDue(CALM, Duration.ofSeconds(21), heartbeat)).isTrue();
    }

    @Test
    void heartbeatsFallBetweenHalfTheCalmIntervalAndAllOfIt() {
        Duration calm = Duration.ofSeconds(30);

        assertThat(ProbePace.heartbeat(calm, 0)).isEqualTo(Duration.ofSeconds(15));
        assertThat(ProbePace.heartbeat(calm, 0.5)).isEqualTo(Duration.ofMillis(22_500));
        assertThat(ProbePace.heartbeat(calm, Math.nextDown(1.0)))
                .isLessThanOrEqualTo(calm)
                .isGreaterThan(Duration.ofMillis(29_999));
        assertThatIllegalArgumentException().isThrownBy(() -> ProbePace.heartbeat(calm, 1));
        assertThatIllegalArgumentException().isThrownBy(() -> ProbePace.heartbeat(calm, -0.1));
    }

    @Test
    void aThousandClientsStartedTogetherSpreadTheirHeartbeats() {
        // The jitter is what keeps a rollout's clients from probing in step: one client per 30 ms or so, not 1,000 at
        // once every 30 s.
        long[] millis = new java.util.Random(15)
                .doubles(1000)
                .mapToLong(unit ->
                        ProbePace.heartbeat(Duration.ofSeconds(30), unit).toMillis())
                .sorted()
                .toArray();
        long largestBunch = Arrays.stream(millis)
                .map(start -> Arrays.stream(millis)
                        .filter(m -> m >= start && m < start + 100)
                        .count())
                .max()
                .orElseThrow();

        assertThat(largestBunch).as("heartbeats within any 100 ms").isLessThan(30);
    }

    /** The topology a round with {@code pods} publishes, through the real step. */
    static Topology topology(List<Pod> pods) {
        return TopologyStep.apply(
                        TopologyStep.State.initial(),
                        new TopologyStep.Round(
                                ServiceRef.of("redis", "shop"),
                                "kubernetes",
                                EndpointSnapshot.now("kubernetes", List.of()),
                                pods.stream().map(Pod::result).toList(),
                                false,
                                null,
                                null,
                                TopologyEvent.Trigger.PERIODIC,
                                Duration.ZERO,
                                Instant.parse("2026-12-06T10:00:00Z")),
                        MonitorSettings.defaults())
                .topology();
    }
}
