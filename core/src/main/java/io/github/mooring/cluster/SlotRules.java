package io.github.mooring.cluster;

import java.time.Duration;
import java.util.List;

/**
 * How a cluster connection keeps each slot's commands in the order the application issued them, as rules: when a
 * command may go to a node, which replies mean "not applied, try again", and how long a command waits for its slot to
 * have a master. Pure functions of the facts; {@link ClusterOrder} gathers them. What a reply does to commands held
 * behind it and what a lost node connection leaves are {@code OrderRules}, shared with the replication group's
 * connections.
 * <p>
 * Order is per slot: commands to different slots go to different masters and have no order between them on a server.
 */
final class SlotRules {

    private SlotRules() {}

    /** Where a command of a slot stands, seen from the commands issued after it. */
    enum Place {
        /** In Lettuce's routing (a connection being opened, a redirect being followed): at no node yet. */
        ROUTING,
        /** Being handed to a node connection by another thread. */
        SENDING,
        /** Handed to a node connection: written there in order, or buffered there while it reconnects. */
        SENT,
        /** Arrived at a node connection while an earlier command of its slot was elsewhere: waits its turn there. */
        PARKED,
        /** Refused ({@code CLUSTERDOWN}, ...) or not routable: waits to be sent again once its slot has a master. */
        WAITING
    }

    /** An earlier command of the same slot: where it stands, and at which node connection if any. */
    record Earlier(Place place, Object node) {}

    /**
     * Whether a command may be handed to the node connection {@code node} now: only when every command issued before
     * it to the same slot has already been handed to that same connection (which writes in order), or is answered.
     * Otherwise it would overtake them: an earlier command still being redirected by {@code MOVED}, waiting for its
     * slot's master, or on the wire of the node that owned the slot before.
     */
    static boolean maySend(List<Earlier> earlierOfItsSlot, Object node) {
        for (Earlier earlier : earlierOfItsSlot) {
            if (earlier.place() != Place.SENT || earlier.node() != node) {
                return false;
            }
        }
        return true;
    }

    /** The slot's last {@code MOVED} redirect: a command sent to node connection {@code from} was sent on to {@code to}. */
    record Moved(Object from, Object to) {}

    /**
     * Whether a command arriving at {@code node} comes there by a {@code MOVED} redirect: it was last handed to another
     * node connection ({@code before}), and comes neither with {@code ASKING} (an {@code ASK} redirect, for one
     * command only) nor re-routed by Lettuce from a node connection that was closed.
     */
    static boolean movedHere(Place place, Object before, Object node, boolean asking, boolean rerouted) {
        return place == Place.SENT && before != null && before != node && !asking && !rerouted;
    }

    /**
     * Where a command goes that arrives at {@code node}: to the node connection its slot's last {@code MOVED} redirect
     * went to, when Lettuce routed it (not redirected: {@link Place#ROUTING}) to the node connection that sent that
     * redirect, and that connection is up. Lettuce keeps routing a slot by its last topology refresh until the next
     * one; sent to the slot's old master, the command would wait there behind the earlier commands of its slot now at
     * the new one (it may not overtake them) only to be answered {@code MOVED} in its turn, one round trip per turn.
     * The new master answers {@code MOVED} itself if the slot moved on again, and Lettuce follows that.
     */
    static Object destination(Place place, boolean asking, Moved lastMoved, Object node, boolean movedToIsUp) {
        if (place != Place.ROUTING || asking || lastMoved == null || lastMoved.from() != node || !movedToIsUp) {
            return node;
        }
        return lastMoved.to();
    }

    /**
     * A reply that says the command was not applied because its slot has no usable master right now, so it is safe to
     * send again: {@code CLUSTERDOWN} (the slot's master failed and no replica is promoted yet), {@code TRYAGAIN} (a
     * slot in migration), {@code MASTERDOWN}, {@code LOADING}, {@code READONLY}.
     */
    static boolean isRefusal(String error) {
        return error != null
                && (error.startsWith("CLUSTERDOWN")
                        || error.startsWith("TRYAGAIN")
                        || error.startsWith("MASTERDOWN")
                        || error.startsWith("LOADING")
                        || error.startsWith("READONLY"));
    }

    /** What becomes of a command refused, or not routable, {@code waited} after the application issued it. */
    enum AfterRefusal {
        /** Sent again after {@link #RETRY_DELAY}, in its place: the slot's master may be promoted by then. */
        WAIT,
        /** It waited the whole failover wait: it fails with {@code NoMasterException}, applied nowhere. */
        FAIL_NO_MASTER
    }

    /**
     * How long a refused command waits before it is sent again: a replica's promotion is seen by a topology refresh
     * started at the first refusal, so a short pause suffices; a longer one would add to the write gap.
     */
    static final Duration RETRY_DELAY = Duration.ofMillis(25);

    static AfterRefusal afterRefusal(Duration waited, Duration failoverWait) {
        return waited.plus(RETRY_DELAY).compareTo(failoverWait) > 0 ? AfterRefusal.FAIL_NO_MASTER : AfterRefusal.WAIT;
    }

    /** Which of a slot's waiting commands (refused, or taken back from a lost connection) are routed again now. */
    enum Resend {
        /** None: a command whose reply decides is still unanswered; look again after {@link #RETRY_DELAY}. */
        NOT_YET,
        /** Only the first, alone: whether the slot takes writes again is not known. */
        FIRST,
        /** All, in issue order: a command sent again was just taken, so the slot takes writes again. */
        ALL
    }

    /**
     * What a slot's waiting commands do now. After a refusal only the first is sent again, alone, until a node takes
     * it: a whole lane sent at once to a node that starts taking writes in the middle of it would have its first
     * commands refused and its later ones applied, and those applied ones pin the refused ones out of order for good
     * ({@code CommandNotResentException}: up to 338 per master pod replacement with 500 writes in flight). Sent alone,
     * the first one's answer says "still refused" (it waits again) or "taken" (the others follow it at once, in
     * order, without a pause).
     *
     * @param laterUnanswered a command issued after the first waiting one is on a node's wire (sent again now, the
     *     waiting one would land behind it, which may yet be applied)
     * @param resentUnanswered a command sent again after a refusal or a loss is not answered yet (its answer decides)
     * @param taken a command sent again was just answered by a node without a refusal
     */
    static Resend resend(boolean laterUnanswered, boolean resentUnanswered, boolean taken) {
        if (laterUnanswered || resentUnanswered) {
            return Resend.NOT_YET;
        }
        return taken ? Resend.ALL : Resend.FIRST;
    }
}
