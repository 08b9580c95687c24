package io.github.mooring.internal.order;

import java.util.ArrayList;
import java.util.List;

/**
 * How one connection keeps its commands in the order the application issued them through a failover, as rules: what
 * becomes of a command whose reply arrived while earlier ones wait to be sent again, and of the commands a lost
 * connection leaves behind. Pure functions of the facts; {@code FailoverWriter} (a
 * replication group's connection) and {@code ClusterOrder} (a cluster connection's slots) gather the facts and apply them.
 * <p>
 * The writer holds commands that must be sent again (refused by a node during a failover, or left unanswered by a
 * lost connection) in a queue in issue order, and every command issued after them joins that queue, until they have
 * all been sent again, in order. Commands already on the wire behind them come back one by one; these rules say what
 * each reply means.
 */
public final class OrderRules {

    private OrderRules() {}

    /** What becomes of a command whose reply arrived. */
    public enum AfterReply {
        /** Complete it with its reply. */
        DELIVER,
        /** Refused by a node that is not a usable master: applied nowhere, so it is sent again, in its place. */
        RETRY_IN_ORDER,
        /** A read answered behind a held command: its reply was dropped; it is sent again, in its place. */
        RESEND_IN_ORDER,
        /**
         * It took effect behind held commands, which therefore can no longer be applied before it: it is delivered,
         * and the held commands issued before it fail (they were not applied).
         */
        DELIVER_AND_FAIL_HELD_BEFORE
    }

    /**
     * What is known when a reply arrives.
     *
     * @param rejected the reply is {@code READONLY}, {@code LOADING} or {@code MASTERDOWN}
     * @param retries a retry policy for rejections is configured
     * @param inTransaction the command opens, belongs to or ends a {@code MULTI} transaction
     * @param dropped its reply was decoded into nothing, because it is a read answered behind a held command
     * @param tookEffect executing it changed data or the connection's state (e.g. a write answered without error)
     * @param behindHeld a command issued before it waits in the hold queue
     */
    public record Reply(
            boolean rejected,
            boolean retries,
            boolean inTransaction,
            boolean dropped,
            boolean tookEffect,
            boolean behindHeld) {}

    public static AfterReply afterReply(Reply reply) {
        if (reply.dropped()) {
            // It read a state that lacks the held commands issued before it: what it saw is not the application's.
            return AfterReply.RESEND_IN_ORDER;
        }
        if (reply.rejected() && reply.retries() && !reply.inTransaction()) {
            // Not applied anywhere. Inside MULTI it is never retried: Redis already flagged the transaction.
            return AfterReply.RETRY_IN_ORDER;
        }
        if (reply.behindHeld() && reply.tookEffect()) {
            // The node accepted it after refusing an earlier one (promoted again, or done loading): the earlier one
            // can no longer come first. Failing it is the only outcome that keeps the order.
            return AfterReply.DELIVER_AND_FAIL_HELD_BEFORE;
        }
        return AfterReply.DELIVER;
    }

    /** What becomes of a command its lost connection leaves unanswered or unsent. */
    public enum AfterLoss {
        /** Sent again to the next master, in its place. */
        RESEND_IN_ORDER,
        /** It was on the wire and is not safe to send twice: it may or may not have been applied. */
        FATE_UNKNOWN,
        /** Safe to send again, but a command issued after it may have been applied: sending it now would reorder. */
        NOT_RESENT
    }

    /**
     * A command of a lost connection.
     *
     * @param onWire written to the connection that was lost, and not answered
     * @param mayResend read-only, connection bookkeeping, or declared idempotent: sending it twice is harmless
     */
    public record Lost(long seq, boolean onWire, boolean mayResend) {}

    /**
     * The fate of each command a lost connection leaves, given in issue order: what was on the wire and is not safe to
     * repeat has an unknown fate; everything else is sent again in order, except what was issued before a command of
     * unknown fate, since that one may have been applied already.
     */
    public static List<AfterLoss> afterLoss(List<Lost> inIssueOrder) {
        List<AfterLoss> fates = new ArrayList<>(inIssueOrder.size());
        long lastUnknown = Long.MIN_VALUE;
        for (Lost lost : inIssueOrder) {
            boolean unknown = lost.onWire() && !lost.mayResend();
            fates.add(unknown ? AfterLoss.FATE_UNKNOWN : AfterLoss.RESEND_IN_ORDER);
            if (unknown) {
                lastUnknown = Math.max(lastUnknown, lost.seq());
            }
        }
        for (int i = 0; i < fates.size(); i++) {
            if (fates.get(i) == AfterLoss.RESEND_IN_ORDER && inIssueOrder.get(i).seq() < lastUnknown) {
                fates.set(i, AfterLoss.NOT_RESENT);
            }
        }
        return fates;
    }
}
