package io.github.mooring.examples;

import java.time.Duration;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * What one writer achieved in a demo run, measured in that run.
 *
 * @param name            the writer, e.g. {@code Mooring}
 * @param attempted       writes started
 * @param succeeded       writes acknowledged by Redis
 * @param failed          writes that ended with an error (fate-unknown ones not included)
 * @param fateUnknown     writes that reached a master which went away before answering: maybe applied, maybe not;
 *                        Mooring says so ({@link io.github.mooring.exceptions.CommandFateUnknownException}) instead of sending
 *                        them again; empty for a client that has no such notion (plain Lettuce re-sends them)
 * @param longestGap      the longest time without a successful write (the start and the end of the run count)
 * @param gapLastsToEnd   whether the longest gap was still going on when the run ended
 * @param slowestSuccess  the longest a successful write took, from sending to the reply
 * @param changesFollowed master changes after which this writer wrote to the new master before the next disruption
 * @param changes         master changes the demo made
 * @param failureKinds    failed writes by kind, e.g. {@code timed out}, {@code READONLY (written to a replica)}
 * @param counter         the writer's counter on the master at the end (one INCR per write), when it could be read
 */
public record WriterStats(
        String name,
        int attempted,
        int succeeded,
        int failed,
        OptionalInt fateUnknown,
        Duration longestGap,
        boolean gapLastsToEnd,
        Duration slowestSuccess,
        int changesFollowed,
        int changes,
        Map<String, Integer> failureKinds,
        OptionalLong counter) {

    public WriterStats {
        failureKinds = Map.copyOf(failureKinds);
    }

    /** Without the counter: {@link FixedRateWriter} builds these before the counter is read. */
    WriterStats(
            String name,
            int attempted,
            int succeeded,
            int failed,
            OptionalInt fateUnknown,
            Duration longestGap,
            boolean gapLastsToEnd,
            Duration slowestSuccess,
            int changesFollowed,
            int changes,
            Map<String, Integer> failureKinds) {
        this(
                name,
                attempted,
                succeeded,
                failed,
                fateUnknown,
                longestGap,
                gapLastsToEnd,
                slowestSuccess,
                changesFollowed,
                changes,
                failureKinds,
                OptionalLong.empty());
    }

    /** A copy with the counter read from the master. */
    WriterStats withCounter(long value) {
        return new WriterStats(
                name,
                attempted,
                succeeded,
                failed,
                fateUnknown,
                longestGap,
                gapLastsToEnd,
                slowestSuccess,
                changesFollowed,
                changes,
                failureKinds,
                OptionalLong.of(value));
    }
}
