package io.github.mooring.discovery;

import static io.github.mooring.discovery.WatchRestart.End.FAILED;
import static io.github.mooring.discovery.WatchRestart.End.GONE;
import static io.github.mooring.discovery.WatchRestart.End.WORKED;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * How the kubernetes source re-establishes its watch. Each row: how the last attempt ended, the failures in a row
 * before it, the random draw, and what comes next (list or not, delay, failures now). Backoff: 200 ms first, 30 s cap.
 */
class WatchRestartTest {

    static final Duration FIRST = Duration.ofMillis(200);
    static final Duration CAP = Duration.ofSeconds(30);

    record Scenario(String name, WatchRestart.End end, int failuresBefore, double random, WatchRestart.Step step) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Scenario scenario(
            String name, WatchRestart.End end, int failuresBefore, double random, boolean list, long ms, int failures) {
        return new Scenario(
                name, end, failuresBefore, random, new WatchRestart.Step(list, Duration.ofMillis(ms), failures));
    }

    static Stream<Scenario> scenarios() {
        return Stream.of(
                // Rule 1: a watch that worked ended (timeout, load balancer, API server failover): watch again now.
                scenario("a watch that worked ended: watch again at once, no list", WORKED, 0, 0.7, false, 0, 0),
                scenario("a watch that worked after failures: the count starts over", WORKED, 5, 0.7, false, 0, 0),

                // Rule 2: the resourceVersion is gone: list at once, but only once in a row.
                scenario("410 after a working watch: list and watch at once", GONE, 0, 0.7, true, 0, 1),
                scenario("410 again right after that list: back off as a failure", GONE, 1, 0.0, true, 200, 2),

                // Rule 3: failures back off, doubling, capped, jittered between half and all of the backoff.
                scenario("first failure, shortest draw", FAILED, 0, 0.0, true, 100, 1),
                scenario("first failure, longest draw", FAILED, 0, 0.999, true, 199, 1),
                scenario("second failure in a row", FAILED, 1, 0.5, true, 300, 2),
                scenario("eighth failure in a row: 25.6 s backoff", FAILED, 7, 0.0, true, 12_800, 8),
                scenario("ninth failure: capped at 30 s", FAILED, 8, 0.0, true, 15_000, 9),
                scenario("hundredth failure: still capped", FAILED, 99, 0.999, true, 29_985, 100));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void decides(Scenario scenario) {
        assertThat(WatchRestart.next(scenario.end(), scenario.failuresBefore(), FIRST, CAP, scenario.random()))
                .isEqualTo(scenario.step());
    }

    @Test
    void aWatchThatDeliveredOrStayedOpenWorkedAndOneThatEndedAtOnceFailed() {
        assertThat(WatchRestart.classify(false, true, Duration.ofMillis(5))).isEqualTo(WORKED);
        assertThat(WatchRestart.classify(false, false, WatchRestart.HEALTHY)).isEqualTo(WORKED);
        assertThat(WatchRestart.classify(false, false, Duration.ofMillis(999))).isEqualTo(FAILED);
        assertThat(WatchRestart.classify(true, true, Duration.ofMinutes(5))).isEqualTo(GONE);
    }

    @Test
    void theBoundCountsEveryDelayAtItsShortest() {
        // Attempts at 0, then after 100, 200, 400, 800, 1600, 3200, 6400 ms (cumulative 12.7 s), then 12.8 s more.
        assertThat(WatchRestart.maxAttempts(Duration.ofMillis(12_700), FIRST, CAP))
                .isEqualTo(8);
        assertThat(WatchRestart.maxAttempts(Duration.ofMillis(12_699), FIRST, CAP))
                .isEqualTo(7);
        // After the cap is reached, one attempt per 15 s at most: 4 a minute, 240 an hour.
        int firstHour = WatchRestart.maxAttempts(Duration.ofHours(1), FIRST, CAP);
        assertThat(firstHour).isBetween(240, 250);
    }
}
