package io.github.mooring.internal.topology;

import static io.github.mooring.internal.topology.Pod.master;
import static io.github.mooring.internal.topology.Pod.refusing;
import static io.github.mooring.internal.topology.Pod.replica;
import static io.github.mooring.internal.topology.Pod.unreachable;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.mooring.discovery.ServiceRef;
import io.github.mooring.internal.topology.SentinelSwitch.Rule;
import io.github.mooring.probe.ProbeResult;
import io.github.mooring.topology.Node;
import io.github.mooring.topology.TopologyEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * When a Sentinel switch moves the master before any probe round: the last round's pods, the address the Sentinels
 * name, and what comes out (the rule, and the master writers are sent to). Pod {@code redis-N} lives at
 * {@code 10.0.0.(10+N):6379}.
 */
class SentinelSwitchTest {

    private static final ServiceRef SERVICE = ServiceRef.of("redis", "shop");
    private static final Instant START = Instant.parse("2026-12-01T10:00:00Z");
    private static final String REDIS_0 = "10.0.0.10:6379";
    private static final String REDIS_1 = "10.0.0.11:6379";

    record Case(String name, List<Pod> lastRound, String named, Rule rule, String masterAfter) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("no Sentinel names a master", healthy(), null, Rule.NOTHING_NAMED, "redis-0"),
                new Case("the Sentinels name the master we have", healthy(), REDIS_0, Rule.ALREADY_MASTER, "redis-0"),
                new Case(
                        "an address no pod of the last round has (a host name, a pod not probed yet)",
                        healthy(),
                        "redis-1.redis.shop.svc:6379",
                        Rule.NOT_PROBED,
                        "redis-0"),
                new Case(
                        "the named pod did not answer the last round",
                        List.of(master("redis-0"), unreachable("redis-1", "connection refused")),
                        REDIS_1,
                        Rule.NOT_A_REPLICA,
                        "redis-0"),
                new Case(
                        "the named pod refused the credentials",
                        List.of(master("redis-0"), refusing("redis-1", "app")),
                        REDIS_1,
                        Rule.NOT_A_REPLICA,
                        "redis-0"),
                new Case(
                        "a split brain: the election weighs it again",
                        List.of(
                                master("redis-0").sentinels(3),
                                master("redis-2").sentinels(0),
                                replica("redis-1").of("10.0.0.10").sentinels(3)),
                        REDIS_1,
                        Rule.UNSETTLED_GROUP,
                        "redis-0"),
                new Case(
                        "data at risk (an empty master beside a replica holding the data)",
                        List.of(
                                master("redis-0").empty().replId("fresh"),
                                replica("redis-1").of("10.0.0.99").linkDown(30).keys(500)),
                        REDIS_1,
                        Rule.UNSETTLED_GROUP,
                        null),
                new Case("a replica that answered is promoted: move now", healthy(), REDIS_1, Rule.MOVE, "redis-1"),
                new Case(
                        "no master (the old one died) and a replica named: move now",
                        List.of(
                                unreachable("redis-0", "connection refused"),
                                replica("redis-1").of("10.0.0.10")),
                        REDIS_1,
                        Rule.MOVE,
                        "redis-1"));
    }

    private static List<Pod> healthy() {
        return List.of(
                master("redis-0"),
                replica("redis-1").of("10.0.0.10"),
                replica("redis-2").of("10.0.0.10"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void decides(Case c) {
        TopologyStep.State state = round(TopologyStep.State.initial(), c.lastRound(), null);

        SentinelSwitch.Decision decision = SentinelSwitch.apply(state, c.named(), Duration.ofMillis(2), START);

        assertThat(decision.rule()).isEqualTo(c.rule());
        TopologyStep.State after =
                decision.outcome().map(TopologyStep.Outcome::next).orElse(state);
        assertThat(after.topology().master().map(SentinelSwitchTest::pod).orElse(null))
                .isEqualTo(c.masterAfter());
        assertThat(decision.outcome().isPresent()).isEqualTo(c.rule() == Rule.MOVE);
    }

    @Test
    void aMoveIsOneMasterChangedBySentinelWithTheOldMasterAmongTheReplicas() {
        TopologyStep.State state = round(TopologyStep.State.initial(), healthy(), null);

        TopologyStep.Outcome moved = SentinelSwitch.apply(state, REDIS_1, Duration.ofMillis(2), START)
                .outcome()
                .orElseThrow();

        assertThat(moved.topology().version()).isEqualTo(state.topology().version() + 1);
        assertThat(moved.topology().replicas())
                .extracting(SentinelSwitchTest::pod)
                .containsExactly("redis-0", "redis-2");
        assertThat(moved.events()).singleElement().isInstanceOfSatisfying(TopologyEvent.MasterChanged.class, e -> {
            assertThat(pod(e.master())).isEqualTo("redis-1");
            assertThat(e.previous().map(SentinelSwitchTest::pod)).hasValue("redis-0");
            assertThat(e.trigger()).isEqualTo(TopologyEvent.Trigger.SENTINEL);
            assertThat(e.detection()).hasMillis(2);
            assertThat(e.reason()).contains("the Sentinels name redis-1");
            assertThat(e.topology()).isSameAs(moved.topology());
        });
    }

    @Test
    void theRoundThatFollowsConfirmsWithoutASecondChange() {
        TopologyStep.State state = movedToRedis1();

        TopologyStep.Outcome confirmed = apply(
                state,
                List.of(
                        replica("redis-0").of("10.0.0.11"),
                        master("redis-1").promotedFrom("replid-of-redis-1"),
                        replica("redis-2").of("10.0.0.11")),
                REDIS_1);

        assertThat(confirmed.topology().master().map(SentinelSwitchTest::pod)).hasValue("redis-1");
        assertThat(confirmed.events()).noneMatch(e -> e instanceof TopologyEvent.MasterChanged);
    }

    @Test
    void theRoundThatFollowsCorrectsAMoveTheGroupDoesNotBearOut() {
        TopologyStep.State state = movedToRedis1();

        // redis-1 never became master (say the switch came from a Sentinel that the others overruled).
        TopologyStep.Outcome corrected = apply(state, healthy(), REDIS_0);

        assertThat(corrected.topology().master().map(SentinelSwitchTest::pod)).hasValue("redis-0");
        assertThat(corrected.events())
                .singleElement()
                .isInstanceOfSatisfying(
                        TopologyEvent.MasterChanged.class,
                        e -> assertThat(pod(e.master())).isEqualTo("redis-0"));
    }

    /** A healthy group, then the Sentinels' switch to redis-1. */
    private static TopologyStep.State movedToRedis1() {
        TopologyStep.State state = round(TopologyStep.State.initial(), healthy(), null);
        return SentinelSwitch.apply(state, REDIS_1, Duration.ZERO, START)
                .outcome()
                .orElseThrow()
                .next();
    }

    private static TopologyStep.State round(TopologyStep.State state, List<Pod> pods, String sentinelMaster) {
        return apply(state, pods, sentinelMaster).next();
    }

    private static TopologyStep.Outcome apply(TopologyStep.State state, List<Pod> pods, String sentinelMaster) {
        List<ProbeResult> results = pods.stream().map(Pod::result).toList();
        return TopologyStep.apply(
                state,
                new TopologyStep.Round(
                        SERVICE,
                        "kubernetes",
                        null,
                        results,
                        true,
                        sentinelMaster,
                        null,
                        TopologyEvent.Trigger.PERIODIC,
                        Duration.ofMillis(7),
                        START),
                MonitorSettings.defaults());
    }

    private static String pod(Node node) {
        return node.endpoint().podName();
    }
}
