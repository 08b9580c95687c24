package io.github.mooring.lettuce;

/**
 * When a connection suspects its master of having stopped answering, as rules: a pure function from what is on the
 * connection's wire to whether to tell the monitor now, and when to look again.
 * <p>
 * Why it exists: while the monitor is calm it probes only on events and on a heartbeat up to
 * {@code calmProbeInterval} apart, so a master that freezes (SIGSTOP, a GC pause) would be noticed only at that
 * heartbeat or when a command's timeout fires (Lettuce's default: 60 s), and meanwhile new commands would be pushed
 * into the frozen socket instead of being held. A command that waits longer than the threshold (the probe timeout: a
 * pod that takes longer than that to answer a probe is reported as not answering anyway) is that event.
 * <p>
 * The rules, the first that holds decides: nothing handed to Lettuce: stop (the next write starts watching again);
 * nothing written yet: look again later; the oldest command waiting for its reply is a blocking one ({@code BLPOP},
 * {@code XREAD}, {@code WAIT}...): its reply comes when the server has data, and the commands behind it wait for it,
 * so silence means nothing; the connection has heard a reply or written its oldest waiting command less than the
 * threshold ago: look again when it would be overdue; it suspected less than a threshold ago: look again when that
 * is over (a slow command, a long {@code KEYS}, costs one suspicion per threshold per connection, not a storm);
 * else suspect.
 */
final class OverdueRules {

    private OverdueRules() {}

    /**
     * What one look at a connection finds. Times are {@link System#nanoTime()} values.
     *
     * @param inFlight some command was handed to Lettuce and is not answered (written or on its way)
     * @param oldestWrittenAt when the oldest command written and unanswered was written, or null when none is
     * @param oldestBlocking that command is a blocking one
     * @param lastReplyAt when the connection last received a reply
     * @param lastSuspicionAt when this connection last suspected its master, or null when never
     * @param now the time of the look
     * @param threshold how long a reply may be awaited before the master is suspected, in nanoseconds
     */
    record Look(
            boolean inFlight,
            Long oldestWrittenAt,
            boolean oldestBlocking,
            long lastReplyAt,
            Long lastSuspicionAt,
            long now,
            long threshold) {

        /** How long the connection has waited for a reply: since the later of the oldest write and the last reply. */
        long silence() {
            long since = oldestWrittenAt - lastReplyAt > 0 ? oldestWrittenAt : lastReplyAt;
            return Math.max(0, now - since);
        }
    }

    /** What to do. */
    enum Verdict {
        /** Nothing is awaited: no more looks until the next write. */
        STOP,
        /** Look again after {@link Decision#nextLookIn()}. */
        LOOK_AGAIN,
        /** Tell the monitor (the master may be frozen), and look again after {@link Decision#nextLookIn()}. */
        SUSPECT
    }

    /** A verdict, the delay to the next look in nanoseconds (0 with {@link Verdict#STOP}), and why, for tests. */
    record Decision(Verdict verdict, long nextLookIn, String why) {}

    static Decision look(Look look) {
        long threshold = look.threshold();
        if (!look.inFlight()) {
            return new Decision(Verdict.STOP, 0, "nothing awaits a reply");
        }
        if (look.oldestWrittenAt() == null) {
            return new Decision(Verdict.LOOK_AGAIN, threshold, "nothing written yet");
        }
        if (look.oldestBlocking()) {
            return new Decision(Verdict.LOOK_AGAIN, threshold, "a blocking command waits for data");
        }
        long silence = look.silence();
        if (silence < threshold) {
            return new Decision(Verdict.LOOK_AGAIN, threshold - silence, "not overdue yet");
        }
        if (look.lastSuspicionAt() != null) {
            long sinceSuspicion = look.now() - look.lastSuspicionAt();
            if (sinceSuspicion < threshold) {
                return new Decision(Verdict.LOOK_AGAIN, threshold - sinceSuspicion, "suspected within the threshold");
            }
        }
        return new Decision(Verdict.SUSPECT, threshold, "overdue");
    }
}
