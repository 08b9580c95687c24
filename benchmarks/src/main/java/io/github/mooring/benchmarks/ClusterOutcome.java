package io.github.mooring.benchmarks;

import io.github.mooring.testkit.WriteCheck;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * What one writer of one contender saw in one repetition of a {@link ClusterScenario}, and the pure rules that compute
 * it from the writer's acknowledgement times and its ledgers' end checks.
 *
 * @param contender the client, as named in the tables
 * @param mode {@code sync} or {@code async}
 * @param shards one entry per shard (slot owner at the start of the repetition)
 * @param failures calls the application saw fail (any kind)
 * @param failureKinds the failures by exception class and Redis error code
 * @param ledger the end check of the writer's ledgers, summed over its lanes
 */
record ClusterOutcome(
        ClusterScenario scenario,
        int rep,
        String contender,
        String mode,
        List<Shard> shards,
        int failures,
        Map<String, Integer> failureKinds,
        LedgerTally ledger) {

    /** An outage still going on at the end counts as "not recovered" when it is longer than this. */
    static final long OPEN_OUTAGE_NANOS = 200_000_000;

    ClusterOutcome {
        shards = List.copyOf(shards);
        failureKinds = Map.copyOf(failureKinds);
    }

    /**
     * One shard as one writer saw it.
     *
     * @param disrupted whether the scenario disrupted this shard's master
     * @param writableMs from the start of the disruption to the moment the shard's slots took a write again from a
     *     direct probe (NaN for a shard not disrupted, or never writable again)
     * @param windowMs the longest time without an acknowledgement on this shard, from the last one at or before the
     *     disruption to the end of the observation (NaN when the writer had none before)
     * @param censored the outage was still going on at the end: the window is at least {@code windowMs}
     * @param afterWritableMs from the slots writable again to the writer's first acknowledgement on the shard at or
     *     after that moment (NaN when there was none, or the shard was not disrupted)
     */
    record Shard(
            int shard,
            boolean disrupted,
            double writableMs,
            double windowMs,
            boolean censored,
            double afterWritableMs) {}

    /** The end checks of a writer's ledgers, summed: log writes ({@code RPUSH}) are judged one by one. */
    record LedgerTally(
            long acknowledged,
            long lost,
            long appliedThoughFailed,
            long fateUnknown,
            long fateUnknownApplied,
            long appliedTwice,
            long outOfOrder,
            long notSettled) {

        static final LedgerTally NONE = new LedgerTally(0, 0, 0, 0, 0, 0, 0, 0);

        /** The CSV columns of {@link #csv()}. */
        static final String CSV_COLUMNS = "acknowledged,lost,applied_though_failed,fate_unknown,fate_unknown_applied,"
                + "applied_twice,out_of_order,not_settled";

        static LedgerTally of(WriteCheck check) {
            return new LedgerTally(
                    check.acknowledged(),
                    check.lost() + check.lostToReplication(),
                    check.count(WriteCheck.Kind.APPLIED_THOUGH_FAILED),
                    check.fateUnknown(),
                    check.fateUnknownApplied(),
                    check.appliedTwice(),
                    check.orderViolations(),
                    check.count(WriteCheck.Kind.NOT_SETTLED));
        }

        static LedgerTally of(List<WriteCheck> checks) {
            return checks.stream().map(LedgerTally::of).reduce(NONE, LedgerTally::plus);
        }

        LedgerTally plus(LedgerTally other) {
            return new LedgerTally(
                    acknowledged + other.acknowledged,
                    lost + other.lost,
                    appliedThoughFailed + other.appliedThoughFailed,
                    fateUnknown + other.fateUnknown,
                    fateUnknownApplied + other.fateUnknownApplied,
                    appliedTwice + other.appliedTwice,
                    outOfOrder + other.outOfOrder,
                    notSettled + other.notSettled);
        }

        List<String> csv() {
            return java.util.stream.LongStream.of(
                            acknowledged,
                            lost,
                            appliedThoughFailed,
                            fateUnknown,
                            fateUnknownApplied,
                            appliedTwice,
                            outOfOrder,
                            notSettled)
                    .mapToObj(Long::toString)
                    .toList();
        }
    }

    /**
     * The disrupted shard this writer waited longest for (an outage still going on ranks first), or null when no shard
     * was disrupted or the writer never wrote before the disruption.
     */
    Shard worst() {
        return shards.stream()
                .filter(Shard::disrupted)
                .filter(s -> !Double.isNaN(s.windowMs()))
                .max(Comparator.comparing(Shard::censored).thenComparingDouble(Shard::windowMs))
                .orElse(null);
    }

    /** The longest {@link Shard#afterWritableMs()} over the disrupted shards, NaN when none has one. */
    double afterWritableMs() {
        return shards.stream()
                .filter(Shard::disrupted)
                .mapToDouble(Shard::afterWritableMs)
                .filter(ms -> !Double.isNaN(ms))
                .max()
                .orElse(Double.NaN);
    }

    /**
     * The window of one shard: the longest time between two acknowledgements, from the last one at or before
     * {@code disruptedAt} to {@code end}; when the time since the last one is longer (and longer than
     * {@link #OPEN_OUTAGE_NANOS}), that, censored.
     *
     * @param ackTimes the shard's acknowledgement times, ascending
     * @return {windowMs, censored ? 1 : 0}; windowMs NaN when no acknowledgement came at or before the disruption
     */
    static double[] window(long[] ackTimes, long disruptedAt, long end) {
        int before = lastAtOrBefore(ackTimes, disruptedAt);
        if (before < 0) {
            return new double[] {Double.NaN, 0};
        }
        long previous = ackTimes[before];
        long longest = 0;
        for (int i = before + 1; i < ackTimes.length && ackTimes[i] <= end; i++) {
            longest = Math.max(longest, ackTimes[i] - previous);
            previous = ackTimes[i];
        }
        long tail = end - previous;
        if (tail > longest && tail > OPEN_OUTAGE_NANOS) {
            return new double[] {tail / 1e6, 1};
        }
        return new double[] {longest / 1e6, 0};
    }

    /** From {@code writableAt} to the first acknowledgement at or after it, in ms; NaN when there is none (or no time). */
    static double afterWritable(long[] ackTimes, long writableAt, long end) {
        if (writableAt <= 0) {
            return Double.NaN;
        }
        int index = lastAtOrBefore(ackTimes, writableAt - 1) + 1;
        if (index >= ackTimes.length || ackTimes[index] > end) {
            return Double.NaN;
        }
        return (ackTimes[index] - writableAt) / 1e6;
    }

    /** Index of the last time at or before {@code nanos}, or -1. */
    static int lastAtOrBefore(long[] times, long nanos) {
        int low = 0;
        int high = times.length - 1;
        int found = -1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            if (times[mid] <= nanos) {
                found = mid;
                low = mid + 1;
            } else {
                high = mid - 1;
            }
        }
        return found;
    }
}
