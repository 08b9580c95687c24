package io.github.mooring.cluster;

import static io.github.mooring.cluster.SlotRules.Place.PARKED;
import static io.github.mooring.cluster.SlotRules.Place.ROUTING;
import static io.github.mooring.cluster.SlotRules.Place.SENDING;
import static io.github.mooring.cluster.SlotRules.Place.SENT;
import static io.github.mooring.cluster.SlotRules.Place.WAITING;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The slot rules as a specification: when a command may go to a node, what is a refusal, how long it waits. */
class SlotRulesTest {

    private static final Object NODE_A = "node A";
    private static final Object NODE_B = "node B";

    record ArrivalCase(String name, List<SlotRules.Earlier> earlier, boolean maySend) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<ArrivalCase> arrivals() {
        return Stream.of(
                new ArrivalCase("the first command of its slot goes", List.of(), true),
                new ArrivalCase(
                        "behind commands already on the same node connection it goes (the connection keeps order)",
                        List.of(at(SENT, NODE_A), at(SENT, NODE_A)),
                        true),
                new ArrivalCase(
                        "behind a command on another node's wire (the slot moved; it may come back by MOVED) it parks",
                        List.of(at(SENT, NODE_B)),
                        false),
                new ArrivalCase(
                        "behind a command being redirected or routed it parks",
                        List.of(at(SENT, NODE_A), at(ROUTING, null)),
                        false),
                new ArrivalCase(
                        "behind a command another thread is handing to the same node it parks",
                        List.of(at(SENDING, NODE_A)),
                        false),
                new ArrivalCase(
                        "behind a command parked at the same node it parks (it goes first)",
                        List.of(at(PARKED, NODE_A)),
                        false),
                new ArrivalCase(
                        "behind a command waiting for its slot's master it parks", List.of(at(WAITING, null)), false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("arrivals")
    void aCommandGoesToANodeOnlyBehindEverythingIssuedBeforeItToItsSlot(ArrivalCase c) {
        assertThat(SlotRules.maySend(c.earlier(), NODE_A)).isEqualTo(c.maySend());
    }

    private static final Object NODE_C = "node C";

    record RedirectCase(
            String name, SlotRules.Place place, Object before, boolean asking, boolean rerouted, boolean movedHere) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<RedirectCase> redirects() {
        return Stream.of(
                new RedirectCase("handed to node B before, now at A: MOVED", SENT, NODE_B, false, false, true),
                new RedirectCase(
                        "handed to node B before, now at A with ASKING: ASK", SENT, NODE_B, true, false, false),
                new RedirectCase(
                        "re-routed by Lettuce from B's closed connection: not a redirect",
                        SENT,
                        NODE_B,
                        false,
                        true,
                        false),
                new RedirectCase("first arrival, from Lettuce's routing", ROUTING, null, false, false, false),
                new RedirectCase("handed to A before (written again there)", SENT, NODE_A, false, false, false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("redirects")
    void knowsACommandThatComesByMoved(RedirectCase c) {
        assertThat(SlotRules.movedHere(c.place(), c.before(), NODE_A, c.asking(), c.rerouted()))
                .isEqualTo(c.movedHere());
    }

    static Stream<Arguments> destinations() {
        SlotRules.Moved aToB = new SlotRules.Moved(NODE_A, NODE_B);
        return Stream.of(
                Arguments.of(
                        "routed to A, whose last MOVED for the slot went to B: to B at once",
                        ROUTING,
                        false,
                        aToB,
                        true,
                        NODE_B),
                Arguments.of("no MOVED seen for the slot: where Lettuce routed it", ROUTING, false, null, true, NODE_A),
                Arguments.of(
                        "the slot's last MOVED came from C: where Lettuce routed it",
                        ROUTING,
                        false,
                        new SlotRules.Moved(NODE_C, NODE_B),
                        true,
                        NODE_A),
                Arguments.of(
                        "B's connection is down: where Lettuce routed it (Lettuce reconnects, or a refusal waits)",
                        ROUTING,
                        false,
                        aToB,
                        false,
                        NODE_A),
                Arguments.of(
                        "it comes by a redirect (MOVED back to A): Lettuce's redirect is followed",
                        SENT,
                        false,
                        aToB,
                        true,
                        NODE_A),
                Arguments.of(
                        "it comes with ASKING (a slot in migration): the ASK is followed",
                        SENT,
                        true,
                        aToB,
                        true,
                        NODE_A));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("destinations")
    void aCommandRoutedToTheNodeASlotMovedAwayFromFollowsTheRedirectAtOnce(
            String name,
            SlotRules.Place place,
            boolean asking,
            SlotRules.Moved lastMoved,
            boolean movedToIsUp,
            Object destination) {
        assertThat(SlotRules.destination(place, asking, lastMoved, NODE_A, movedToIsUp))
                .isEqualTo(destination);
    }

    @ParameterizedTest(name = "{0}: refusal {1}")
    @MethodSource("replies")
    void knowsWhichRepliesMeanNotAppliedForWantOfAMaster(String error, boolean refusal) {
        assertThat(SlotRules.isRefusal(error)).isEqualTo(refusal);
    }

    static Stream<Arguments> replies() {
        return Stream.of(
                Arguments.of("CLUSTERDOWN The cluster is down", true),
                Arguments.of("CLUSTERDOWN Hash slot not served", true),
                Arguments.of("TRYAGAIN Multiple keys request during rehashing of slot", true),
                Arguments.of("MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.", true),
                Arguments.of("LOADING Redis is loading the dataset in memory", true),
                Arguments.of("READONLY You can't write against a read only replica.", true),
                Arguments.of("MOVED 3999 127.0.0.1:6381", false), // Lettuce follows it
                Arguments.of("WRONGTYPE Operation against a key holding the wrong kind of value", false),
                Arguments.of("ERR unknown command", false),
                Arguments.of(null, false));
    }

    @ParameterizedTest(name = "refused after {0} ms with a failover wait of {1} ms: {2}")
    @MethodSource("waits")
    void aRefusedCommandWaitsForItsSlotsMasterUpToTheFailoverWait(
            long waitedMillis, long failoverWaitMillis, SlotRules.AfterRefusal expected) {
        assertThat(SlotRules.afterRefusal(Duration.ofMillis(waitedMillis), Duration.ofMillis(failoverWaitMillis)))
                .isEqualTo(expected);
    }

    static Stream<Arguments> waits() {
        return Stream.of(
                Arguments.of(0, 30_000, SlotRules.AfterRefusal.WAIT),
                Arguments.of(29_000, 30_000, SlotRules.AfterRefusal.WAIT),
                // the next try would come after the failover wait: fail now rather than late
                Arguments.of(29_990, 30_000, SlotRules.AfterRefusal.FAIL_NO_MASTER),
                Arguments.of(31_000, 30_000, SlotRules.AfterRefusal.FAIL_NO_MASTER),
                // a failover wait of 0: never wait
                Arguments.of(0, 0, SlotRules.AfterRefusal.FAIL_NO_MASTER));
    }

    record ResendCase(
            String name, boolean laterUnanswered, boolean resentUnanswered, boolean taken, SlotRules.Resend expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<ResendCase> resends() {
        return Stream.of(
                new ResendCase(
                        "after a refusal only the first goes, alone: a lane sent whole to a node that starts taking"
                                + " writes in its middle would have its later writes applied ahead of its first ones",
                        false,
                        false,
                        false,
                        SlotRules.Resend.FIRST),
                new ResendCase(
                        "the first sent again was taken: the slot has a master again, all follow at once in order",
                        false,
                        false,
                        true,
                        SlotRules.Resend.ALL),
                new ResendCase(
                        "the first sent again is not answered yet: its answer decides, nothing more goes",
                        false,
                        true,
                        false,
                        SlotRules.Resend.NOT_YET),
                new ResendCase(
                        "one was taken but another sent again is unanswered (a redirect): its answer first",
                        false,
                        true,
                        true,
                        SlotRules.Resend.NOT_YET),
                new ResendCase(
                        "a command issued after the first waiting one is on a wire: sent now it would land behind it",
                        true,
                        false,
                        false,
                        SlotRules.Resend.NOT_YET),
                new ResendCase(
                        "taken, but a later command is on a wire (refused in the middle of the lane): its answer first",
                        true,
                        false,
                        true,
                        SlotRules.Resend.NOT_YET));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("resends")
    void waitingCommandsProbeTheSlotWithTheFirstThenFollowItOnceTaken(ResendCase c) {
        assertThat(SlotRules.resend(c.laterUnanswered(), c.resentUnanswered(), c.taken()))
                .isEqualTo(c.expected());
    }

    private static SlotRules.Earlier at(SlotRules.Place place, Object node) {
        return new SlotRules.Earlier(place, node);
    }
}
