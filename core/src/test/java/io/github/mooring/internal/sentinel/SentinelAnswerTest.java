package io.github.mooring.internal.sentinel;

import static io.github.mooring.internal.sentinel.SentinelAnswer.Rule.AMBIGUOUS;
import static io.github.mooring.internal.sentinel.SentinelAnswer.Rule.NAMED;
import static io.github.mooring.internal.sentinel.SentinelAnswer.Rule.NOT_OURS;
import static io.github.mooring.internal.sentinel.SentinelAnswer.Rule.ONLY_ONE;
import static io.github.mooring.internal.sentinel.SentinelAnswer.Rule.OUR_POD;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.mooring.internal.sentinel.SentinelAnswer.Choice;
import io.github.mooring.internal.sentinel.SentinelAnswer.Master;
import io.github.mooring.internal.sentinel.SentinelAnswer.Rule;
import io.github.mooring.internal.sentinel.SentinelView.Observation;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What a Sentinel's answer at subscribe time tells: which of its masters is the group's (a table), and what that does
 * to the view when it arrives before or after other messages (a second table, through {@link SentinelView#apply}).
 */
class SentinelAnswerTest {

    private static final String A = "10.0.0.10:6379";
    private static final String B = "10.0.0.11:6379";
    private static final String OTHER = "10.9.0.1:6379";
    private static final String SENTINEL = "10.0.1.1:26379";

    private static final Master OURS = master("redis", A, 3, "master");
    private static final Master CACHE = master("cache", OTHER, 7, "master");

    /** An answer, what is known, and the master chosen and why. */
    record Case(String name, List<Master> answer, String knownName, Set<String> pods, Master chosen, Rule rule) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("a name heard before picks its master", List.of(CACHE, OURS), "redis", Set.of(), OURS, NAMED),
                new Case(
                        "a name heard before that the Sentinel does not monitor",
                        List.of(CACHE),
                        "redis",
                        Set.of(A),
                        null,
                        NOT_OURS),
                new Case(
                        "no name: the one master at a probed pod's address",
                        List.of(CACHE, OURS),
                        null,
                        Set.of(A, B),
                        OURS,
                        OUR_POD),
                new Case(
                        "no name: no master at a probed pod's address",
                        List.of(CACHE),
                        null,
                        Set.of(A, B),
                        null,
                        NOT_OURS),
                new Case(
                        "no name: two masters at pods' addresses (one group monitored twice)",
                        List.of(OURS, master("redis-too", B, 1, "master")),
                        null,
                        Set.of(A, B),
                        null,
                        AMBIGUOUS),
                new Case(
                        "no name, no pod probed yet: a Sentinel that monitors one master",
                        List.of(OURS),
                        null,
                        Set.of(),
                        OURS,
                        ONLY_ONE),
                new Case(
                        "no name, no pod probed yet: a Sentinel that monitors several",
                        List.of(CACHE, OURS),
                        null,
                        Set.of(),
                        null,
                        AMBIGUOUS),
                new Case("a Sentinel that monitors nothing", List.of(), null, Set.of(), null, NOT_OURS));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void choosesTheGroupsMaster(Case c) {
        Choice choice = SentinelAnswer.choose(c.answer(), c.knownName(), c.pods());
        assertThat(choice.rule()).isEqualTo(c.rule());
        assertThat(choice.master()).isEqualTo(c.chosen());
    }

    /** Messages heard before the answer, the answer, and where the view stands after it. */
    record Story(
            String name,
            List<Observation> before,
            Master answer,
            String master,
            long epoch,
            String failover,
            boolean moved) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Story> stories() {
        return Stream.of(
                new Story("nothing heard: the answer names the master at once", List.of(), OURS, A, 3, null, true),
                new Story(
                        "nothing heard, a failover under way: writes are held as on +try-failover",
                        List.of(),
                        master("redis", A, 3, "master,o_down,failover_in_progress"),
                        A,
                        3,
                        "+try-failover",
                        true),
                new Story(
                        "nothing heard, the master down for this Sentinel only: held as on +sdown",
                        List.of(),
                        master("redis", A, 3, "master,s_down"),
                        A,
                        3,
                        "+sdown",
                        true),
                new Story(
                        "a late answer from before a switch (older epoch) never moves connections back",
                        List.of(hello(A, 3), new SentinelView.MasterAt("redis", B, null, 4)),
                        master("redis", A, 3, "master,failover_in_progress"),
                        B,
                        4,
                        null,
                        false),
                new Story(
                        "an answer at the epoch already heard confirms", List.of(hello(A, 3)), OURS, A, 3, null, false),
                new Story(
                        "an answer at a newer epoch than a late hello moves the master",
                        List.of(hello(B, 2)),
                        OURS,
                        A,
                        3,
                        null,
                        true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stories")
    void foldsIntoTheViewByConfigurationEpoch(Story story) {
        SentinelView view = SentinelView.NONE;
        for (Observation observation : story.before()) {
            view = SentinelView.apply(view, observation).view();
        }
        SentinelView beforeAnswer = view;
        for (Observation observation :
                SentinelAnswer.choose(List.of(story.answer()), null, Set.of()).observations(SENTINEL)) {
            view = SentinelView.apply(view, observation).view();
        }
        assertThat(view.master()).isEqualTo(story.master());
        assertThat(view.configEpoch()).isEqualTo(story.epoch());
        assertThat(view.failover()).isEqualTo(story.failover());
        assertThat(view.known() && !view.master().equals(beforeAnswer.master())).isEqualTo(story.moved());
    }

    @Test
    void aFailoverTheAnswerShowedEndsWithThisSentinelsSdownEnd() {
        SentinelView view = SentinelView.NONE;
        for (Observation observation : SentinelAnswer.choose(
                        List.of(master("redis", A, 3, "master,s_down")), null, Set.of())
                .observations(SENTINEL)) {
            view = SentinelView.apply(view, observation).view();
        }
        SentinelView.Step up =
                SentinelView.apply(view, new SentinelView.FailoverOf("redis", A, "-sdown", false, SENTINEL));
        assertThat(up.view().failoverInProgress()).isFalse();
        assertThat(up.rule()).isEqualTo(SentinelView.Rule.FAILOVER_ENDED);
    }

    @Test
    void parsesSentinelsFieldsAndRefusesMissingOnes() {
        Map<String, String> fields = new HashMap<>(Map.of(
                "name", "redis",
                "ip", "FD00:0:0:0:0:0:0:1",
                "port", "6379",
                "config-epoch", "12",
                "flags", "master,o_down",
                "num-slaves", "2"));
        assertThat(Master.parse(fields))
                .contains(new Master("redis", "[fd00::1]:6379", 12, Set.of("master", "o_down")));
        fields.remove("config-epoch");
        assertThat(Master.parse(fields)).isEmpty();
        fields.put("config-epoch", "twelve");
        assertThat(Master.parse(fields)).isEmpty();
    }

    private static Master master(String name, String address, long epoch, String flags) {
        return new Master(name, address, epoch, Set.of(flags.split(",")));
    }

    private static SentinelView.MasterAt hello(String master, long epoch) {
        return new SentinelView.MasterAt("redis", master, null, epoch);
    }
}
