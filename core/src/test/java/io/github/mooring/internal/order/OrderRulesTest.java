package io.github.mooring.internal.order;

import static io.github.mooring.internal.order.OrderRules.AfterLoss.FATE_UNKNOWN;
import static io.github.mooring.internal.order.OrderRules.AfterLoss.NOT_RESENT;
import static io.github.mooring.internal.order.OrderRules.AfterLoss.RESEND_IN_ORDER;
import static io.github.mooring.internal.order.OrderRules.AfterReply.DELIVER;
import static io.github.mooring.internal.order.OrderRules.AfterReply.DELIVER_AND_FAIL_HELD_BEFORE;
import static io.github.mooring.internal.order.OrderRules.AfterReply.RETRY_IN_ORDER;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The order rules as a specification: each situation a reply or a lost connection can meet, and what follows. */
class OrderRulesTest {

    record ReplyCase(String name, OrderRules.Reply reply, OrderRules.AfterReply expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<ReplyCase> replies() {
        return Stream.of(
                reply("a reply with nothing held is delivered", facts(), DELIVER),
                reply("READONLY with nothing held: sent again in its place", facts().rejected(), RETRY_IN_ORDER),
                reply(
                        "READONLY behind held commands: sent again after them",
                        facts().rejected().behindHeld(),
                        RETRY_IN_ORDER),
                reply(
                        "READONLY inside MULTI is never retried (Redis flagged the transaction)",
                        facts().rejected().inTransaction(),
                        DELIVER),
                reply(
                        "READONLY without a retry policy is the answer",
                        facts().rejected().noRetries(),
                        DELIVER),
                reply(
                        "a read answered behind held commands: dropped, sent again after them",
                        facts().dropped().behindHeld(),
                        OrderRules.AfterReply.RESEND_IN_ORDER),
                reply(
                        "a dropped read that was refused too is just sent again",
                        facts().dropped().rejected().behindHeld(),
                        OrderRules.AfterReply.RESEND_IN_ORDER),
                reply(
                        "a write applied behind held commands pins the order: they fail",
                        facts().tookEffect().behindHeld(),
                        DELIVER_AND_FAIL_HELD_BEFORE),
                reply("a write applied with nothing held before it is delivered", facts().tookEffect(), DELIVER),
                reply(
                        "a reply without effect behind held commands (PING, QUEUED, an error) is delivered",
                        facts().behindHeld(),
                        DELIVER),
                reply(
                        "EXEC applied behind held commands pins the order",
                        facts().tookEffect().inTransaction().behindHeld(),
                        DELIVER_AND_FAIL_HELD_BEFORE));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("replies")
    void decidesWhatAReplyMeans(ReplyCase c) {
        assertThat(OrderRules.afterReply(c.reply())).isEqualTo(c.expected());
    }

    record LossCase(String name, List<OrderRules.Lost> lost, List<OrderRules.AfterLoss> expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<LossCase> losses() {
        return Stream.of(
                loss("nothing was left", List.of(), List.of()),
                loss(
                        "unsent commands go to the next master in order",
                        List.of(queued(1), queued(2)),
                        List.of(RESEND_IN_ORDER, RESEND_IN_ORDER)),
                loss("a write on the wire has an unknown fate", List.of(onWire(1, false)), List.of(FATE_UNKNOWN)),
                loss("a read on the wire is sent again", List.of(onWire(1, true)), List.of(RESEND_IN_ORDER)),
                loss(
                        "what follows a write of unknown fate is sent again after it",
                        List.of(onWire(1, false), onWire(2, true), queued(3)),
                        List.of(FATE_UNKNOWN, RESEND_IN_ORDER, RESEND_IN_ORDER)),
                loss(
                        "a read before a write of unknown fate is not sent again: the write may have been applied",
                        List.of(onWire(1, true), onWire(2, false), queued(3)),
                        List.of(NOT_RESENT, FATE_UNKNOWN, RESEND_IN_ORDER)),
                loss(
                        "a held command before a write of unknown fate is not sent again",
                        List.of(queued(1), onWire(2, true), onWire(3, false), onWire(4, true)),
                        List.of(NOT_RESENT, NOT_RESENT, FATE_UNKNOWN, RESEND_IN_ORDER)),
                loss(
                        "the last write of unknown fate decides",
                        List.of(onWire(1, false), onWire(2, true), onWire(3, false)),
                        List.of(FATE_UNKNOWN, NOT_RESENT, FATE_UNKNOWN)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("losses")
    void decidesWhatALostConnectionLeaves(LossCase c) {
        assertThat(OrderRules.afterLoss(c.lost())).isEqualTo(c.expected());
    }

    // ---------------------------------------------------------------- the facts, readably

    private static ReplyCase reply(String name, Facts facts, OrderRules.AfterReply expected) {
        return new ReplyCase(name, facts.build(), expected);
    }

    private static LossCase loss(String name, List<OrderRules.Lost> lost, List<OrderRules.AfterLoss> expected) {
        return new LossCase(name, lost, expected);
    }

    private static OrderRules.Lost queued(long seq) {
        return new OrderRules.Lost(seq, false, false);
    }

    private static OrderRules.Lost onWire(long seq, boolean mayResend) {
        return new OrderRules.Lost(seq, true, mayResend);
    }

    private static Facts facts() {
        return new Facts();
    }

    private static final class Facts {
        boolean rejected;
        boolean retries = true;
        boolean inTransaction;
        boolean dropped;
        boolean tookEffect;
        boolean behindHeld;

        Facts rejected() {
            rejected = true;
            return this;
        }

        Facts noRetries() {
            retries = false;
            return this;
        }

        Facts inTransaction() {
            inTransaction = true;
            return this;
        }

        Facts dropped() {
            dropped = true;
            return this;
        }

        Facts tookEffect() {
            tookEffect = true;
            return this;
        }

        Facts behindHeld() {
            behindHeld = true;
            return this;
        }

        OrderRules.Reply build() {
            return new OrderRules.Reply(rejected, retries, inTransaction, dropped, tookEffect, behindHeld);
        }
    }
}
