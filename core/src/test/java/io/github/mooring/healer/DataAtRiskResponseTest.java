package io.github.mooring.healer;

import static io.github.mooring.healer.DataAtRiskPolicy.FAIL_WRITES;
import static io.github.mooring.healer.DataAtRiskPolicy.WRITE_TO_NEW_MASTER;
import static io.github.mooring.healer.DataAtRiskResponse.Action.LET_THROUGH;
import static io.github.mooring.healer.DataAtRiskResponse.Action.REFUSE_WRITES;
import static io.github.mooring.healer.DataAtRiskResponse.Action.WAIT;
import static io.github.mooring.healer.DataAtRiskResponse.Action.WRITE;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.mooring.discovery.Endpoint;
import io.github.mooring.healer.DataAtRiskResponse.Action;
import io.github.mooring.healer.DataAtRiskResponse.Rule;
import io.github.mooring.internal.topology.Pod;
import io.github.mooring.topology.DataAtRisk;
import io.github.mooring.topology.Node;
import java.time.Duration;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** What writers get while data is at risk: the onDataAtRisk policy as a table. Bound: 20 s. */
class DataAtRiskResponseTest {

    private static final Duration BOUND = Duration.ofSeconds(20);

    record Case(
            String name,
            boolean risk,
            boolean repairMayCome,
            boolean letThrough,
            DataAtRiskPolicy policy,
            Duration withheldFor,
            Rule rule,
            Action action) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case(
                        "no risk: writes go to the master", false, true, false, FAIL_WRITES, s(0), Rule.NO_RISK, WRITE),
                new Case(
                        "report mode without Sentinels: never withheld, writes go to it",
                        true,
                        false,
                        false,
                        FAIL_WRITES,
                        s(60),
                        Rule.NOTHING_WILL_REPAIR,
                        WRITE),
                new Case(
                        "repair may come, within the bound: writes wait",
                        true,
                        true,
                        false,
                        FAIL_WRITES,
                        s(19),
                        Rule.WITHIN_BOUND,
                        WAIT),
                new Case(
                        "no repair within the bound, FAIL_WRITES: writes fail at once",
                        true,
                        true,
                        false,
                        FAIL_WRITES,
                        s(20),
                        Rule.BOUND_PASSED,
                        REFUSE_WRITES),
                new Case(
                        "no repair within the bound, WRITE_TO_NEW_MASTER: writes go to the empty master",
                        true,
                        true,
                        false,
                        WRITE_TO_NEW_MASTER,
                        s(25),
                        Rule.BOUND_PASSED,
                        LET_THROUGH),
                new Case(
                        "writes let through stay let through (even when a leader appears)",
                        true,
                        true,
                        true,
                        WRITE_TO_NEW_MASTER,
                        s(1),
                        Rule.WRITES_LET_THROUGH,
                        LET_THROUGH),
                new Case(
                        "a zero bound applies the policy at once",
                        true,
                        true,
                        false,
                        FAIL_WRITES,
                        s(0),
                        Rule.BOUND_PASSED,
                        REFUSE_WRITES));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void decides(Case c) {
        Duration bound = c.name().startsWith("a zero bound") ? Duration.ZERO : BOUND;
        DataAtRiskResponse.Decision decision = DataAtRiskResponse.decide(
                c.risk() ? Optional.of(risk()) : Optional.empty(),
                c.repairMayCome(),
                c.letThrough(),
                c.policy(),
                bound,
                c.withheldFor());
        assertThat(decision.rule()).isEqualTo(c.rule());
        assertThat(decision.action()).isEqualTo(c.action());
    }

    private static Duration s(long seconds) {
        return Duration.ofSeconds(seconds);
    }

    private static DataAtRisk risk() {
        Node master = new Node(
                Endpoint.of("10.0.0.20", 6379),
                Pod.master("redis-0").empty().result().report());
        Node holder = new Node(
                Endpoint.of("10.0.0.11", 6379),
                Pod.replica("redis-1").of("10.0.0.10").result().report());
        return new DataAtRisk(master, holder, "redis-0 is empty while redis-1 holds the data");
    }
}
