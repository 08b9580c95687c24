package io.github.mooring.healer;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mooring.discovery.Endpoint;
import io.github.mooring.healer.RepairTiming.Rule;
import io.github.mooring.healer.RepairTiming.Sighting;
import io.github.mooring.internal.topology.Pod;
import io.github.mooring.topology.DataAtRisk;
import io.github.mooring.topology.Node;
import io.github.mooring.topology.StaleReplica;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * When the leader repairs: data at risk once a later round confirms it, anything else once stable for 500 ms, never
 * within 1 s of the last repair. First sighting in round 10 at 0 ms.
 */
class RepairTimingTest {

    private static final Duration STABLE_FOR = Duration.ofMillis(500);
    private static final Duration MIN_ACTION_INTERVAL = Duration.ofSeconds(1);
    private static final long LONG_AGO = -ms(60_000);

    record Case(String name, Finding finding, long nowMs, long round, long lastActionNanos, Rule rule, boolean now) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case(
                        "data at risk, the round that first showed it: wait for one more",
                        dataAtRisk(),
                        5,
                        10,
                        LONG_AGO,
                        Rule.TOO_FRESH,
                        false),
                new Case(
                        "data at risk, the next round shows it again (40 ms later): repair, writes are waiting",
                        dataAtRisk(),
                        40,
                        11,
                        LONG_AGO,
                        Rule.CONFIRMED_BY_A_LATER_ROUND,
                        true),
                new Case(
                        "data at risk confirmed, but a repair went out 300 ms ago: let it show first",
                        dataAtRisk(),
                        40,
                        11,
                        ms(-260),
                        Rule.RESTING,
                        false),
                new Case(
                        "a stale replica, seen again 40 ms later: it may mend itself, wait",
                        staleReplica(),
                        40,
                        11,
                        LONG_AGO,
                        Rule.TOO_FRESH,
                        false),
                new Case("a stale replica for 500 ms: repair", staleReplica(), 500, 14, LONG_AGO, Rule.STABLE, true),
                new Case(
                        "a stale replica for 500 ms, a repair 999 ms ago: wait",
                        staleReplica(),
                        500,
                        14,
                        ms(-499),
                        Rule.RESTING,
                        false),
                new Case(
                        "a stale replica for 500 ms, the last repair 1 s ago: repair",
                        staleReplica(),
                        500,
                        14,
                        ms(-500),
                        Rule.STABLE,
                        true));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void decides(Case c) {
        RepairTiming.Decision decision = RepairTiming.decide(
                c.finding(),
                new Sighting(0, 10),
                ms(c.nowMs()),
                c.round(),
                c.lastActionNanos(),
                STABLE_FOR,
                MIN_ACTION_INTERVAL);
        assertThat(decision.rule()).as(c.name()).isEqualTo(c.rule());
        assertThat(decision.repairNow()).as(c.name()).isEqualTo(c.now());
    }

    private static long ms(long millis) {
        return Duration.ofMillis(millis).toNanos();
    }

    private static Finding dataAtRisk() {
        Node master = new Node(
                Endpoint.of("10.0.0.20", 6379),
                Pod.master("redis-0").empty().result().report());
        Node holder = new Node(
                Endpoint.of("10.0.0.11", 6379),
                Pod.replica("redis-1").of("10.0.0.10").result().report());
        return new Finding.DataAtRiskFinding(
                new DataAtRisk(master, holder, "redis-0 is empty while redis-1 holds the data"), List.of());
    }

    private static Finding staleReplica() {
        Node master = new Node(
                Endpoint.of("10.0.0.20", 6379), Pod.master("redis-0").result().report());
        Node replica = new Node(
                Endpoint.of("10.0.0.12", 6379),
                Pod.replica("redis-2").of("10.0.0.10").result().report());
        return new Finding.StaleReplicasFinding(
                List.of(new StaleReplica(replica, "10.0.0.10:6379", StaleReplica.Reason.FOLLOWS_UNKNOWN_ADDRESS)),
                master);
    }
}
