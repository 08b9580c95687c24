package io.github.mooring.lettuce;

import static io.github.mooring.lettuce.BindingRules.Action.CUT;
import static io.github.mooring.lettuce.BindingRules.Action.DRAIN;
import static io.github.mooring.lettuce.BindingRules.Action.HOLD;
import static io.github.mooring.lettuce.BindingRules.Action.NONE;
import static io.github.mooring.lettuce.BindingRules.Action.RELEASE;
import static io.github.mooring.lettuce.BindingRules.State.BOUND;
import static io.github.mooring.lettuce.BindingRules.State.CONNECTING;
import static io.github.mooring.lettuce.BindingRules.State.DRAINING;
import static io.github.mooring.lettuce.BindingRules.State.STALLED;
import static io.github.mooring.lettuce.BindingRules.Verdict.DEMOTED;
import static io.github.mooring.lettuce.BindingRules.Verdict.GONE;
import static io.github.mooring.lettuce.BindingRules.Verdict.MASTER;
import static io.github.mooring.lettuce.BindingRules.Verdict.NOT_ANSWERING;
import static io.github.mooring.lettuce.BindingRules.Verdict.UNDECIDED;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.mooring.discovery.Endpoint;
import io.github.mooring.lettuce.BindingRules.Action;
import io.github.mooring.lettuce.BindingRules.State;
import io.github.mooring.lettuce.BindingRules.Transition;
import io.github.mooring.lettuce.BindingRules.Verdict;
import io.github.mooring.probe.NodeReport;
import io.github.mooring.probe.ProbeResult;
import io.github.mooring.probe.Role;
import io.github.mooring.topology.Election;
import io.github.mooring.topology.Node;
import io.github.mooring.topology.Topology;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Where a connection stands towards its master, as a specification: each situation and what follows. */
class BindingRulesTest {

    record Case(String name, Transition actual, State next, Action action) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> transitions() {
        return Stream.of(
                // Connecting.
                of("connected to the master: held commands go out", BindingRules.afterConnect(false), BOUND, RELEASE),
                of(
                        "connected after the master moved elsewhere: cut, to reconnect there",
                        BindingRules.afterConnect(true),
                        BindingRules.State.CUT,
                        CUT),
                of("a lost channel reconnects, whatever the state", BindingRules.afterLoss(), CONNECTING, NONE),
                // Stalls.
                of(
                        "the master stops answering, no other master: new commands wait for it",
                        topology(BOUND, NOT_ANSWERING, true, false),
                        STALLED,
                        HOLD),
                of(
                        "still not answering, within masterStallTimeout: keep waiting",
                        topology(STALLED, NOT_ANSWERING, true, false),
                        STALLED,
                        NONE),
                of(
                        "not answering for masterStallTimeout: cut (written commands' fate unknown)",
                        topology(STALLED, NOT_ANSWERING, true, true),
                        BindingRules.State.CUT,
                        CUT),
                of(
                        "a zero masterStallTimeout cuts at the first round that finds it not answering",
                        topology(BOUND, NOT_ANSWERING, true, true),
                        BindingRules.State.CUT,
                        CUT),
                of(
                        "the stalled master answers again: what waited goes out",
                        topology(STALLED, MASTER, true, false),
                        BOUND,
                        RELEASE),
                of(
                        "it answers, though no master is elected: what waited goes out",
                        topology(STALLED, UNDECIDED, false, false),
                        BOUND,
                        RELEASE),
                of(
                        "another master elected while it is stalled: cut at once",
                        topology(STALLED, GONE, true, false),
                        BindingRules.State.CUT,
                        CUT),
                // Demotions and departures.
                of("the master stays master: nothing changes", topology(BOUND, MASTER, true, false), BOUND, NONE),
                of(
                        "no master elected but the node answers: keep it",
                        topology(BOUND, UNDECIDED, true, false),
                        BOUND,
                        NONE),
                of(
                        "demoted with replies awaited: drain them first",
                        topology(BOUND, DEMOTED, true, false),
                        DRAINING,
                        DRAIN),
                of(
                        "demoted with nothing in flight: cut",
                        topology(BOUND, DEMOTED, false, false),
                        BindingRules.State.CUT,
                        CUT),
                of(
                        "gone (another master, no endpoint, back empty): cut",
                        topology(BOUND, GONE, true, false),
                        BindingRules.State.CUT,
                        CUT),
                of(
                        "a draining connection ignores topologies: its deadline ends it",
                        topology(DRAINING, GONE, true, false),
                        DRAINING,
                        NONE),
                of(
                        "an unconnected one too: its reconnect asks for the master",
                        topology(CONNECTING, NOT_ANSWERING, false, true),
                        CONNECTING,
                        NONE),
                of(
                        "a cut one too: its loss is on the way",
                        topology(BindingRules.State.CUT, MASTER, false, false),
                        BindingRules.State.CUT,
                        NONE),
                of("a drain over: cut", BindingRules.afterDrain(DRAINING), BindingRules.State.CUT, CUT),
                of("a drain over after a loss: nothing", BindingRules.afterDrain(CONNECTING), CONNECTING, NONE));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transitions")
    void decidesWhereAConnectionStands(Case c) {
        assertThat(c.actual()).isEqualTo(new Transition(c.next(), c.action()));
    }

    /** Only the stall rule holds commands, and nothing but a stall too long cuts a node that does not answer. */
    @Test
    void aNodeThatDoesNotAnswerIsCutOnlyAfterTheStallTimeout() {
        for (State state : EnumSet.of(BOUND, STALLED)) {
            for (boolean awaiting : new boolean[] {true, false}) {
                assertThat(BindingRules.afterTopology(state, NOT_ANSWERING, awaiting, false)
                                .action())
                        .isNotEqualTo(CUT);
                assertThat(BindingRules.afterTopology(state, NOT_ANSWERING, awaiting, true)
                                .action())
                        .isEqualTo(CUT);
            }
        }
    }

    // ---------------------------------------------------------------- the verdicts

    private static final String A = "10.0.0.1:6379";
    private static final String B = "10.0.0.2:6379";

    @Test
    void judgesTheBoundNodeFromTheTopology() {
        assertThat(BindingRules.judge(topology(master(A), List.of(), List.of(), List.of()), A)
                        .verdict())
                .isEqualTo(MASTER);
        assertThat(BindingRules.judge(topology(master(B), List.of(), List.of(unreachable(A)), List.of()), A)
                        .verdict())
                .as("another master elected, this one not answering")
                .isEqualTo(GONE);
        assertThat(BindingRules.judge(topology(master(B), List.of(reached(A)), List.of(), List.of()), A)
                        .verdict())
                .as("another master elected, this one its replica")
                .isEqualTo(DEMOTED);
        assertThat(BindingRules.judge(topology(Optional.empty(), List.of(), List.of(unreachable(A)), List.of()), A))
                .as("no master elected, this one not answering")
                .satisfies(j -> {
                    assertThat(j.verdict()).isEqualTo(NOT_ANSWERING);
                    assertThat(j.why()).contains("timed out");
                });
        assertThat(BindingRules.judge(topology(Optional.empty(), List.of(reached(A)), List.of(), List.of()), A)
                        .verdict())
                .as("no master elected, this one a replica now")
                .isEqualTo(DEMOTED);
        assertThat(BindingRules.judge(topology(Optional.empty(), List.of(), List.of(unreachable(B)), List.of()), A)
                        .verdict())
                .as("no longer probed: not an endpoint any more")
                .isEqualTo(GONE);
        assertThat(BindingRules.judge(topology(Optional.empty(), List.of(), List.of(), List.of(refusing(A))), A)
                        .verdict())
                .as("no master, this one refusing the credentials: it answers")
                .isEqualTo(UNDECIDED);
    }

    private static Case of(String name, Transition actual, State next, Action action) {
        return new Case(name, actual, next, action);
    }

    private static Transition topology(State state, Verdict verdict, boolean awaitingReplies, boolean tooLong) {
        return BindingRules.afterTopology(state, verdict, awaitingReplies, tooLong);
    }

    private static Endpoint endpoint(String address) {
        String[] hostPort = address.split(":");
        return Endpoint.of(hostPort[0], Integer.parseInt(hostPort[1]));
    }

    /** Its content does not matter to the verdicts. */
    private static final NodeReport REPORT = new NodeReport(
            Role.MASTER, "run", "id", NodeReport.NO_REPL_ID, -1, 10, null, 0, false, -1, false, false, 5, 1);

    private static Optional<Node> master(String address) {
        return Optional.of(new Node(endpoint(address), REPORT));
    }

    private static ProbeResult reached(String address) {
        return ProbeResult.reached(endpoint(address), Instant.EPOCH, Duration.ofMillis(1), REPORT);
    }

    private static ProbeResult unreachable(String address) {
        return ProbeResult.failed(endpoint(address), Instant.EPOCH, Duration.ofSeconds(1), "timed out after 1 s");
    }

    private static ProbeResult refusing(String address) {
        return ProbeResult.credentialsRejected(
                endpoint(address),
                Instant.EPOCH,
                Duration.ofMillis(1),
                "WRONGPASS invalid username-password pair",
                "app");
    }

    private static Topology topology(
            Optional<Node> master,
            List<ProbeResult> replicas,
            List<ProbeResult> unreachable,
            List<ProbeResult> refused) {
        List<ProbeResult> reports = new ArrayList<>();
        master.ifPresent(m -> reports.add(reached(m.address())));
        reports.addAll(replicas);
        reports.addAll(unreachable);
        reports.addAll(refused);
        Election election = new Election(
                master,
                replicas.stream().map(r -> new Node(r.endpoint(), REPORT)).toList(),
                List.of(),
                unreachable,
                refused,
                Optional.empty(),
                master.isPresent() ? null : "no master");
        return new Topology(1, Instant.EPOCH, "static", election, reports, Optional.empty(), false);
    }
}
