package io.github.mooring.lettuce;

import static io.github.mooring.lettuce.OverdueRules.Verdict.LOOK_AGAIN;
import static io.github.mooring.lettuce.OverdueRules.Verdict.STOP;
import static io.github.mooring.lettuce.OverdueRules.Verdict.SUSPECT;
import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.protocol.CommandType;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * When a connection suspects its master of having stopped answering, as a specification: each look at its wire and
 * what follows. Times in milliseconds after an arbitrary origin; the threshold is 1,000 ms (the default probe
 * timeout). Negative origins too: {@code System.nanoTime()} may be anywhere.
 */
class OverdueRulesTest {

    private static final long THRESHOLD = 1_000;

    record Case(String name, OverdueRules.Look look, OverdueRules.Verdict verdict, long nextLookInMillis) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> looks() {
        return Stream.of(
                look("nothing handed to Lettuce: stop until the next write", at(5_000), STOP, 0),
                look(
                        "handed to Lettuce, not written yet (a pipelining application's unflushed batch): look again",
                        at(5_000).inFlight(),
                        LOOK_AGAIN,
                        THRESHOLD),
                look(
                        "written 400 ms ago: look again when it would be overdue",
                        at(5_000).inFlight().oldestWritten(4_600),
                        LOOK_AGAIN,
                        600),
                look(
                        "written 1,500 ms ago, no reply since: suspect",
                        at(5_000).inFlight().oldestWritten(3_500),
                        SUSPECT,
                        THRESHOLD),
                look("exactly the threshold: suspect", at(5_000).inFlight().oldestWritten(4_000), SUSPECT, THRESHOLD),
                look(
                        "written long ago behind a slow reply that came 300 ms ago: counted from that reply",
                        at(5_000).inFlight().oldestWritten(1_000).lastReply(4_700),
                        LOOK_AGAIN,
                        700),
                look(
                        "a blocking command waits for data (BLPOP 0): never overdue",
                        at(60_000).inFlight().oldestWritten(0).blocking(),
                        LOOK_AGAIN,
                        THRESHOLD),
                look(
                        "a slow command (a long KEYS) suspected 200 ms ago: not again within the threshold",
                        at(5_000).inFlight().oldestWritten(1_000).suspected(4_800),
                        LOOK_AGAIN,
                        800),
                look(
                        "still no reply a threshold after the last suspicion: suspect again",
                        at(5_000).inFlight().oldestWritten(1_000).suspected(4_000),
                        SUSPECT,
                        THRESHOLD),
                look(
                        "around zero of nanoTime: times compare by difference",
                        at(500).inFlight().oldestWritten(-1_000).lastReply(-2_000),
                        SUSPECT,
                        THRESHOLD));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("looks")
    void decidesWhetherTheMasterIsSuspected(Case c) {
        OverdueRules.Decision decision = OverdueRules.look(c.look());
        assertThat(decision.verdict()).as(decision.why()).isEqualTo(c.verdict());
        assertThat(decision.nextLookIn()).isEqualTo(millis(c.nextLookInMillis()));
    }

    /** The commands that make a connection wait for data, not for a node that stopped answering. */
    @ParameterizedTest(name = "{0} blocks: {1}")
    @MethodSource("commands")
    void knowsWhichCommandsBlock(CommandType type, boolean blocking) {
        assertThat(CommandSafety.blocking(type)).isEqualTo(blocking);
    }

    static Stream<Arguments> commands() {
        return Stream.of(
                Arguments.of(CommandType.BLPOP, true),
                Arguments.of(CommandType.BRPOP, true),
                Arguments.of(CommandType.BRPOPLPUSH, true),
                Arguments.of(CommandType.BLMOVE, true),
                Arguments.of(CommandType.BLMPOP, true),
                Arguments.of(CommandType.BZPOPMIN, true),
                Arguments.of(CommandType.BZPOPMAX, true),
                Arguments.of(CommandType.BZMPOP, true),
                Arguments.of(CommandType.XREAD, true),
                Arguments.of(CommandType.XREADGROUP, true),
                Arguments.of(CommandType.WAIT, true),
                Arguments.of(CommandType.KEYS, false),
                Arguments.of(CommandType.INCR, false),
                Arguments.of(CommandType.EVAL, false));
    }

    @Test
    void silenceCountsFromTheLaterOfTheWriteAndTheLastReply() {
        assertThat(at(5_000).oldestWritten(3_000).lastReply(4_000).build().silence())
                .isEqualTo(millis(1_000));
        assertThat(at(5_000).oldestWritten(4_500).lastReply(4_000).build().silence())
                .isEqualTo(millis(500));
    }

    // ---------------------------------------------------------------- the facts, readably

    private static Case look(String name, Facts facts, OverdueRules.Verdict verdict, long nextLookInMillis) {
        return new Case(name, facts.build(), verdict, nextLookInMillis);
    }

    private static Facts at(long nowMillis) {
        return new Facts(nowMillis);
    }

    private static long millis(long millis) {
        return millis * 1_000_000;
    }

    private static final class Facts {
        private final long now;
        private boolean inFlight;
        private Long oldestWritten;
        private boolean blocking;
        private long lastReply = Long.MIN_VALUE / 4;
        private Long suspected;

        Facts(long now) {
            this.now = now;
        }

        Facts inFlight() {
            inFlight = true;
            return this;
        }

        Facts oldestWritten(long at) {
            oldestWritten = at;
            return this;
        }

        Facts blocking() {
            blocking = true;
            return this;
        }

        Facts lastReply(long at) {
            lastReply = at;
            return this;
        }

        Facts suspected(long at) {
            suspected = at;
            return this;
        }

        OverdueRules.Look build() {
            long lastReplyNanos = lastReply == Long.MIN_VALUE / 4 ? millis(now) - millis(1_000_000) : millis(lastReply);
            return new OverdueRules.Look(
                    inFlight,
                    oldestWritten == null ? null : millis(oldestWritten),
                    blocking,
                    lastReplyNanos,
                    suspected == null ? null : millis(suspected),
                    millis(now),
                    millis(THRESHOLD));
        }
    }
}
