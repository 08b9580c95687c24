package io.github.mooring.internal.sentinel;

import static io.github.mooring.internal.sentinel.SentinelView.Rule.CONFIRMED;
import static io.github.mooring.internal.sentinel.SentinelView.Rule.FAILOVER_ELSEWHERE;
import static io.github.mooring.internal.sentinel.SentinelView.Rule.FAILOVER_ENDED;
import static io.github.mooring.internal.sentinel.SentinelView.Rule.FAILOVER_GOES_ON;
import static io.github.mooring.internal.sentinel.SentinelView.Rule.FAILOVER_STARTED;
import static io.github.mooring.internal.sentinel.SentinelView.Rule.FIRST_HEARD;
import static io.github.mooring.internal.sentinel.SentinelView.Rule.NEWER_EPOCH;
import static io.github.mooring.internal.sentinel.SentinelView.Rule.OLDER_EPOCH;
import static io.github.mooring.internal.sentinel.SentinelView.Rule.OTHERS_SEE_IT_DOWN;
import static io.github.mooring.internal.sentinel.SentinelView.Rule.OTHER_GROUP;
import static io.github.mooring.internal.sentinel.SentinelView.Rule.SAME_EPOCH_CONFLICT;
import static io.github.mooring.internal.sentinel.SentinelView.Rule.SWITCHED_FROM_ELSEWHERE;
import static io.github.mooring.internal.sentinel.SentinelView.Rule.SWITCHED_FROM_OURS;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.mooring.internal.sentinel.SentinelView.FailoverOf;
import io.github.mooring.internal.sentinel.SentinelView.MasterAt;
import io.github.mooring.internal.sentinel.SentinelView.Observation;
import io.github.mooring.internal.sentinel.SentinelView.Rule;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** How each Sentinel message changes what we follow: the ordering by configuration epoch, as a table. */
class SentinelViewTest {

    private static final String A = "10.0.0.10:6379";
    private static final String B = "10.0.0.11:6379";
    private static final String C = "10.0.0.12:6379";

    /** A message sequence and where it must leave us. */
    record Story(String name, List<Observation> messages, String master, long epoch, String failover, Rule last) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Story> stories() {
        return Stream.of(
                new Story("the first hello is followed", List.of(hello(A, 0)), A, 0, null, FIRST_HEARD),
                new Story("a hello again confirms", List.of(hello(A, 0), hello(A, 0)), A, 0, null, CONFIRMED),
                new Story("a newer epoch moves the master", List.of(hello(A, 0), hello(B, 1)), B, 1, null, NEWER_EPOCH),
                new Story(
                        "a late hello from before the failover (older epoch) changes nothing",
                        List.of(hello(A, 0), hello(B, 1), hello(A, 0)),
                        B,
                        1,
                        null,
                        OLDER_EPOCH),
                new Story(
                        "a late switch event after a newer one changes nothing",
                        List.of(hello(A, 0), switchTo(A, B, 1), switchTo(B, C, 2), switchTo(A, B, 1)),
                        C,
                        2,
                        null,
                        OLDER_EPOCH),
                new Story(
                        "two addresses in one epoch: the first stays",
                        List.of(hello(A, 0), hello(B, 1), hello(C, 1)),
                        B,
                        1,
                        null,
                        SAME_EPOCH_CONFLICT),
                new Story(
                        "a switch from our master, epoch not yet known, moves it",
                        List.of(hello(A, 3), switchTo(A, B, -1)),
                        B,
                        3,
                        null,
                        SWITCHED_FROM_OURS),
                new Story(
                        "... and the old master's late hello at the old epoch does not move it back",
                        List.of(hello(A, 3), switchTo(A, B, -1), hello(A, 3)),
                        B,
                        3,
                        null,
                        SAME_EPOCH_CONFLICT),
                new Story(
                        "a switch from a master we no longer follow, epoch unknown, changes nothing",
                        List.of(hello(A, 0), hello(C, 2), switchTo(A, B, -1)),
                        C,
                        2,
                        null,
                        SWITCHED_FROM_ELSEWHERE),
                new Story(
                        "another group's messages change nothing",
                        List.of(hello(A, 0), new MasterAt("other", B, null, 7)),
                        A,
                        0,
                        null,
                        OTHER_GROUP),
                new Story(
                        "a failover of our master is in progress",
                        List.of(hello(A, 0), failover(A, "+odown", true), failover(A, "+try-failover", true)),
                        A,
                        0,
                        "+try-failover",
                        FAILOVER_STARTED),
                new Story(
                        "an aborted failover ends it, the master stays",
                        List.of(
                                hello(A, 0),
                                failover(A, "+try-failover", true),
                                failover(A, "-failover-abort-x", false)),
                        A,
                        0,
                        null,
                        FAILOVER_ENDED),
                new Story(
                        "the master is back before Sentinel started failing it over: -odown ends the hold",
                        List.of(hello(A, 0), failover(A, "+odown", true), failover(A, "-odown", false)),
                        A,
                        0,
                        null,
                        FAILOVER_ENDED),
                new Story(
                        "the restart race: the master is back once Sentinel is failing it over: -odown changes nothing",
                        List.of(
                                hello(A, 0),
                                failover(A, "+odown", true),
                                failover(A, "+try-failover", true),
                                failover(A, "+failover-state-select-slave", true),
                                failover(A, "-odown", false)),
                        A,
                        0,
                        "+failover-state-select-slave",
                        FAILOVER_GOES_ON),
                new Story(
                        "a Sentinel sees the master down: writes wait; it is back before any failover: released",
                        List.of(hello(A, 0), failover(A, "+sdown", true), failover(A, "-sdown", false)),
                        A,
                        0,
                        null,
                        FAILOVER_ENDED),
                new Story(
                        "restart race: one Sentinel sees the master up again, another still down: writes keep waiting",
                        List.of(
                                hello(A, 0),
                                failover(A, "+sdown", true, "s1"),
                                failover(A, "+sdown", true, "s2"),
                                failover(A, "-sdown", false, "s1")),
                        A,
                        0,
                        "+sdown",
                        OTHERS_SEE_IT_DOWN),
                new Story(
                        "restart race: back at its IP once Sentinel elected a leader: -sdown changes nothing",
                        List.of(
                                hello(A, 0),
                                failover(A, "+sdown", true),
                                failover(A, "+elected-leader", true),
                                failover(A, "-sdown", false)),
                        A,
                        0,
                        "+elected-leader",
                        FAILOVER_GOES_ON),
                new Story(
                        "the switch ends it",
                        List.of(hello(A, 0), failover(A, "+elected-leader", true), switchTo(A, B, 1)),
                        B,
                        1,
                        null,
                        NEWER_EPOCH),
                new Story(
                        "a late failover event about the old master does not hold writes on the new one",
                        List.of(hello(A, 0), switchTo(A, B, 1), failover(A, "+failover-state-reconf-slaves", true)),
                        B,
                        1,
                        null,
                        FAILOVER_ELSEWHERE),
                new Story(
                        "failover events before any address are ignored",
                        List.of(failover(A, "+odown", true)),
                        null,
                        -1,
                        null,
                        FAILOVER_ELSEWHERE));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stories")
    void story(Story story) {
        SentinelView view = SentinelView.NONE;
        Rule last = null;
        for (Observation message : story.messages()) {
            SentinelView.Step step = SentinelView.apply(view, message);
            view = step.view();
            last = step.rule();
        }
        assertThat(view.master()).as("master").isEqualTo(story.master());
        assertThat(view.configEpoch()).as("epoch").isEqualTo(story.epoch());
        assertThat(view.failover()).as("failover in progress").isEqualTo(story.failover());
        assertThat(last).as("deciding rule").isEqualTo(story.last());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stories")
    void aMessageRepeatedLateNeverMovesTheMasterBack(Story story) {
        // Whatever the story, replaying any of its earlier master messages at the end leaves the master where it is.
        SentinelView view = SentinelView.NONE;
        for (Observation message : story.messages()) {
            view = SentinelView.apply(view, message).view();
        }
        for (Observation late : story.messages()) {
            if (late instanceof MasterAt at && at.configEpoch() >= 0 && view.known()) {
                assertThat(SentinelView.apply(view, late).view().master())
                        .as("after a late " + late)
                        .isEqualTo(view.master());
            }
        }
    }

    /** Whether writes may go to an address: one row per case. */
    record Hold(String name, SentinelView view, String address, List<String> probed, boolean running, String why) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Hold> holds() {
        SentinelView atA = new SentinelView("mymaster", A, 3, null);
        SentinelView failingA = new SentinelView("mymaster", A, 3, "+try-failover");
        SentinelView promotingB = new SentinelView("mymaster", A, 3, "+failover-state-wait-promotion", Set.of(), B);
        return Stream.of(
                new Hold("no Sentinel heard: never", SentinelView.NONE, A, List.of(A, B), true, null),
                new Hold("to the master they name: yes", atA, A, List.of(A, B), true, null),
                new Hold(
                        "to another pod while they name a probed one: held",
                        atA,
                        B,
                        List.of(A, B),
                        false,
                        "the Sentinels name " + A + " as master"),
                new Hold(
                        "they name an address no pod has (host names, deleted pod): not held",
                        atA,
                        B,
                        List.of(B, C),
                        false,
                        null),
                new Hold(
                        "failing over the master, bound not passed: held",
                        failingA,
                        A,
                        List.of(A, B),
                        true,
                        "Sentinel is failing it over (+try-failover)"),
                new Hold("failing over the master, bound passed: released", failingA, A, List.of(A, B), false, null),
                new Hold(
                        "to the replica the failover promotes, answering as master before Sentinel names it: yes",
                        promotingB,
                        B,
                        List.of(A, B),
                        true,
                        null),
                new Hold(
                        "to another replica during that failover: held",
                        promotingB,
                        C,
                        List.of(A, B, C),
                        true,
                        "the Sentinels name " + A + " as master"),
                new Hold(
                        "to the old master during that failover: held",
                        promotingB,
                        A,
                        List.of(A, B),
                        true,
                        "Sentinel is failing it over (+failover-state-wait-promotion)"));
    }

    @Test
    void theReplicaBeingPromotedIsKnownUntilTheFailoverEnds() {
        SentinelView view = SentinelView.apply(SentinelView.NONE, hello(A, 3)).view();
        view = SentinelView.apply(view, new FailoverOf("mymaster", A, "+try-failover", true))
                .view();
        assertThat(view.promoting()).as("not named yet").isNull();
        view = SentinelView.apply(
                        view, new FailoverOf("mymaster", A, "+failover-state-send-slaveof-noone", true, "s1", B))
                .view();
        assertThat(view.promoting()).isEqualTo(B);
        view = SentinelView.apply(view, new FailoverOf("mymaster", A, "+failover-state-wait-promotion", true))
                .view();
        assertThat(view.promoting())
                .as("a later event that names no replica keeps it")
                .isEqualTo(B);
        assertThat(SentinelView.apply(view, new FailoverOf("mymaster", A, "-failover-abort-slave-timeout", false))
                        .view()
                        .promoting())
                .as("aborted")
                .isNull();
        assertThat(SentinelView.apply(view, hello(B, 4)).view().promoting())
                .as("switched")
                .isNull();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("holds")
    void holdsWrites(Hold hold) {
        assertThat(hold.view().holdsWritesTo(hold.address(), hold.probed(), hold.running()))
                .isEqualTo(hold.why());
    }

    private static MasterAt hello(String master, long epoch) {
        return new MasterAt("mymaster", master, null, epoch);
    }

    private static MasterAt switchTo(String from, String to, long epoch) {
        return new MasterAt("mymaster", to, from, epoch);
    }

    private static FailoverOf failover(String master, String event, boolean inProgress) {
        return new FailoverOf("mymaster", master, event, inProgress);
    }

    private static FailoverOf failover(String master, String event, boolean inProgress, String sentinel) {
        return new FailoverOf("mymaster", master, event, inProgress, sentinel);
    }
}
