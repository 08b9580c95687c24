package io.github.mooring.lettuce;

import io.github.mooring.topology.Node;
import io.github.mooring.topology.Topology;

/**
 * How one connection stands towards the master it is bound to, as rules: a pure function from its state and what
 * happened (a connect, a loss, a topology, the end of a drain) to its next state and what to do about it.
 * {@link MasterBinding} keeps the state and applies the transitions; {@link FailoverWriter} and
 * {@link MooringRedisClient} carry out the actions.
 * <p>
 * The rules a demanding application expects: a connection is cut only when waiting cannot help, that is when another
 * master was elected, the node is no longer the master (demoted, gone, back empty), or it has stopped answering for
 * longer than {@code masterStallTimeout}. A stall shorter than that (a GC pause, CPU throttling, a frozen node) costs
 * no error: new commands wait in order instead of going into a socket nobody reads, and the written ones complete when
 * the node answers again.
 */
final class BindingRules {

    private BindingRules() {}

    /** Where a connection stands. */
    enum State {
        /** No channel: connecting for the first time, or again after a loss. Commands wait for a master. */
        CONNECTING,
        /** Connected to the master: commands go out. */
        BOUND,
        /**
         * Connected to a master that stopped answering while no other master is elected: new commands wait for it (up
         * to the failover wait), those written wait for its replies.
         */
        STALLED,
        /** Leaving a demoted master: the replies to what is in flight arrive, new commands wait for the next master. */
        DRAINING,
        /** Mooring cut the channel; its loss is on the way. */
        CUT
    }

    /** What the latest topology says about the node the connection is bound to. */
    enum Verdict {
        /** It is the master. */
        MASTER,
        /** No master is elected, and nothing is held against this node (it answers). */
        UNDECIDED,
        /** No master is elected, and it did not answer the last probe round (frozen, paused, cut off). */
        NOT_ANSWERING,
        /** It answers as a replica or as the loser of a split brain: what is in flight still gets its reply. */
        DEMOTED,
        /**
         * Writes must leave it at once: another master was elected and it is no replica of it, it is no longer an
         * endpoint of the Service, or it came back empty while a replica holds the data.
         */
        GONE
    }

    /** A verdict and why, in words for the log. */
    record Judgement(Verdict verdict, String why) {}

    /** What {@code topology} says about the node at {@code bound}, the address a connection is bound to. */
    static Judgement judge(Topology topology, String bound) {
        String master = topology.master().map(Node::address).orElse(null);
        boolean answersDemoted = topology.replicas().stream()
                        .anyMatch(n -> n.address().equals(bound))
                || topology.splitBrain()
                        .map(s -> s.losers().stream().anyMatch(n -> n.address().equals(bound)))
                        .orElse(false);
        if (bound.equals(master)) {
            return new Judgement(Verdict.MASTER, "it is the master");
        }
        if (master != null) {
            return new Judgement(answersDemoted ? Verdict.DEMOTED : Verdict.GONE, "the master is now " + master);
        }
        if (topology.masterWithheld()
                && topology.election()
                        .master()
                        .map(m -> m.address().equals(bound))
                        .orElse(false)) {
            return new Judgement(Verdict.GONE, "it came back empty while a replica holds the data");
        }
        if (answersDemoted) {
            boolean replica =
                    topology.replicas().stream().anyMatch(n -> n.address().equals(bound));
            return new Judgement(Verdict.DEMOTED, replica ? "it is a replica now" : "it lost a split brain");
        }
        if (topology.reports().stream().noneMatch(r -> r.endpoint().address().equals(bound))) {
            return new Judgement(Verdict.GONE, "it is no longer an endpoint of the Service (deleted or terminating)");
        }
        return topology.unreachable().stream()
                .filter(r -> r.endpoint().address().equals(bound))
                .findFirst()
                .map(r -> new Judgement(Verdict.NOT_ANSWERING, "it does not answer (" + r.failure() + ")"))
                .orElseGet(() -> new Judgement(Verdict.UNDECIDED, "no master is elected"));
    }

    /** What the caller does after a transition. */
    enum Action {
        NONE,
        /** New commands wait in the hold queue, in order. */
        HOLD,
        /** The hold queue may go out. */
        RELEASE,
        /** Let the replies to what is in flight arrive, then cut. */
        DRAIN,
        /** Disconnect the channel: what was written and unanswered has an unknown fate, the rest is sent again. */
        CUT
    }

    record Transition(State next, Action action) {}

    /** The channel is up. */
    static Transition afterConnect(boolean masterElsewhere) {
        // The master moved while the connection was being opened: the topology that said so found it unconnected.
        return masterElsewhere ? new Transition(State.CUT, Action.CUT) : new Transition(State.BOUND, Action.RELEASE);
    }

    /** The channel went down, whoever cut it: the next one goes to the next master. */
    static Transition afterLoss() {
        return new Transition(State.CONNECTING, Action.NONE);
    }

    /**
     * A topology, as its verdict on the bound node.
     *
     * @param awaitingReplies commands written to the channel still wait for their replies
     * @param stalledTooLong the node has not answered for {@code masterStallTimeout} (counted from now if it has not
     *        stalled before)
     */
    static Transition afterTopology(State state, Verdict verdict, boolean awaitingReplies, boolean stalledTooLong) {
        if (state != State.BOUND && state != State.STALLED) {
            // Unconnected: the reconnect asks for the master then. Draining: its deadline ends it. Cut: nothing left.
            return new Transition(state, Action.NONE);
        }
        return switch (verdict) {
            case MASTER, UNDECIDED ->
                // It answers: whatever waited for it goes out.
                state == State.STALLED
                        ? new Transition(State.BOUND, Action.RELEASE)
                        : new Transition(State.BOUND, Action.NONE);
            case NOT_ANSWERING -> {
                if (stalledTooLong) {
                    yield new Transition(State.CUT, Action.CUT);
                }
                // No other master: waiting for this one is all there is to do, without pushing into its socket.
                yield state == State.STALLED
                        ? new Transition(State.STALLED, Action.NONE)
                        : new Transition(State.STALLED, Action.HOLD);
            }
            case DEMOTED ->
                awaitingReplies ? new Transition(State.DRAINING, Action.DRAIN) : new Transition(State.CUT, Action.CUT);
            case GONE -> new Transition(State.CUT, Action.CUT);
        };
    }

    /** A drain is over: nothing is awaited any more, or its deadline passed. */
    static Transition afterDrain(State state) {
        return state == State.DRAINING ? new Transition(State.CUT, Action.CUT) : new Transition(state, Action.NONE);
    }
}
