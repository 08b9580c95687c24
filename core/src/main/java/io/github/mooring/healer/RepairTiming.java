package io.github.mooring.healer;

import java.time.Duration;
import java.util.Objects;

/**
 * When the leader may repair the most urgent finding: a pure function of what the finding is, since when and since
 * which probe round it has been seen, and when the last repair was sent. The rules, in order:
 * <ol>
 *   <li>{@link Rule#RESTING}: a repair was sent less than {@code minActionInterval} ago: wait (its effect must show in
 *       fresh rounds first);</li>
 *   <li>{@link Rule#CONFIRMED_BY_A_LATER_ROUND}: data at risk (an empty master withheld while a replica holds the
 *       data) is repaired as soon as a later probe round shows it again (the healer asks for that round at once). It
 *       never resolves by itself, and the application's writes wait for this repair: waiting {@code stableFor} would
 *       only lengthen their gap. The second round rules out one stale or odd answer;</li>
 *   <li>{@link Rule#STABLE}: any other finding is repaired once it has lasted {@code stableFor}: a replica re-linking
 *       or a pod still starting often mends itself, and a repair then would only disturb it;</li>
 *   <li>{@link Rule#TOO_FRESH}: otherwise, wait.</li>
 * </ol>
 */
final class RepairTiming {

    private RepairTiming() {}

    enum Rule {
        RESTING,
        CONFIRMED_BY_A_LATER_ROUND,
        STABLE,
        TOO_FRESH
    }

    record Decision(Rule rule, boolean repairNow) {}

    /** When and in which probe round (the healer's count of rounds) a finding was first seen. */
    record Sighting(long nanos, long round) {}

    /**
     * @param finding the most urgent finding, with a fix
     * @param first when and in which round it was first seen (since then seen in every round)
     * @param nowNanos now
     * @param round the probe round that shows it now (the healer's count of rounds, not the topology's version, which
     *     stays the same while the group does)
     * @param lastActionNanos when the last repair command was sent
     */
    static Decision decide(
            Finding finding,
            Sighting first,
            long nowNanos,
            long round,
            long lastActionNanos,
            Duration stableFor,
            Duration minActionInterval) {
        Objects.requireNonNull(finding, "finding");
        if (nowNanos - lastActionNanos < minActionInterval.toNanos()) {
            return new Decision(Rule.RESTING, false);
        }
        if (finding instanceof Finding.DataAtRiskFinding) {
            return round > first.round()
                    ? new Decision(Rule.CONFIRMED_BY_A_LATER_ROUND, true)
                    : new Decision(Rule.TOO_FRESH, false);
        }
        return nowNanos - first.nanos() >= stableFor.toNanos()
                ? new Decision(Rule.STABLE, true)
                : new Decision(Rule.TOO_FRESH, false);
    }
}
