package io.github.mooring.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.mooring.testkit.WriteCheck.Kind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The checker itself, on crafted histories: each case is what a writer was told, what the final master holds, and what
 * the check must find. Writes are numbered from 1; odd ones go to the log, even ones to the register; write n is
 * acknowledged at n ms on the checker's clock.
 */
class WriteLedgerTest {

    /**
     * One history.
     *
     * @param outcomes one letter per write: A acknowledged, F failed (not applied), U fate unknown, P pending
     * @param log the final master's list, head first
     * @param register the final master's register, or null
     */
    record Case(
            String name,
            String outcomes,
            List<String> log,
            String register,
            List<UnpausedFailover> failovers,
            Map<Kind, Long> violations,
            long lostToReplication,
            long fateUnknownApplied) {

        Case violation(Kind kind, long count) {
            Map<Kind, Long> more = new EnumMap<>(Kind.class);
            more.putAll(violations);
            more.put(kind, count);
            return new Case(name, outcomes, log, register, failovers, more, lostToReplication, fateUnknownApplied);
        }

        Case failover(UnpausedFailover failover) {
            List<UnpausedFailover> more = new ArrayList<>(failovers);
            more.add(failover);
            return new Case(name, outcomes, log, register, more, violations, lostToReplication, fateUnknownApplied);
        }

        Case lostToReplication(long count) {
            return new Case(name, outcomes, log, register, failovers, violations, count, fateUnknownApplied);
        }

        Case unknownApplied(long count) {
            return new Case(name, outcomes, log, register, failovers, violations, lostToReplication, count);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                // Clean histories
                expect("every write acknowledged and applied in order", "AAAAAA", log(1, 3, 5), "6"),
                expect("nothing written at all", "", log(), null),
                expect("failed writes are absent", "AAFFAA", log(1, 5), "6"),
                expect("a failed last SET leaves the previous one", "AAAF", log(1, 3), "2"),
                expect("fate unknown: applied once, in its place", "AAUAAA", log(1, 3, 5), "6")
                        .unknownApplied(1),
                expect("fate unknown: not applied", "AAUAAA", log(1, 5), "6"),
                expect("a later SET of unknown fate may be the register's value", "AAAAAU", log(1, 3, 5), "6"),
                expect("a later SET of unknown fate may be absent", "AAAAAU", log(1, 3, 5), "4"),

                // Order
                expect("a write re-sent after later ones (the READONLY bug)", "AAAAAAAA", log(1, 5, 7, 3), "8")
                        .violation(Kind.OUT_OF_ORDER, 1),
                expect("two writes swapped", "AAAAAA", log(3, 1, 5), "6").violation(Kind.OUT_OF_ORDER, 1),
                expect("unknown fate applied out of order", "AAUAAA", log(1, 5, 3), "6")
                        .violation(Kind.OUT_OF_ORDER, 1)
                        .unknownApplied(1),
                expect("the register holds an older SET than the last acknowledged", "AAAAAAAA", log(1, 3, 5, 7), "4")
                        .violation(Kind.STALE_REGISTER, 1),
                expect("the register is absent although a SET was acknowledged", "AA", log(1), null)
                        .violation(Kind.STALE_REGISTER, 1),

                // Lost, doubled, applied though failed, foreign
                expect("an acknowledged write missing from the middle", "AAAAAA", log(1, 5), "6")
                        .violation(Kind.LOST, 1),
                expect("an acknowledged run missing without a declared failover", "AAAAAAAAAA", log(1, 9), "10")
                        .violation(Kind.LOST, 3),
                expect("applied twice", "AAAA", log(1, 3, 3), "4").violation(Kind.APPLIED_TWICE, 1),
                expect("unknown fate applied twice", "AAUA", log(1, 3, 3), "4")
                        .violation(Kind.APPLIED_TWICE, 1)
                        .unknownApplied(1),
                expect("a write reported failed is in the log", "AAFA", log(1, 3), "4")
                        .violation(Kind.APPLIED_THOUGH_FAILED, 1),
                expect("a SET reported failed is in the register", "AAAF", log(1, 3), "4")
                        .violation(Kind.APPLIED_THOUGH_FAILED, 1),
                expect("a foreign value in the log", "AA", List.of("1", "x"), "2")
                        .violation(Kind.FOREIGN_VALUE, 1),
                expect("a register write's number in the log", "AAAA", log(1, 2, 3), "4")
                        .violation(Kind.FOREIGN_VALUE, 1),
                expect("a number never issued in the register", "AA", log(1), "8")
                        .violation(Kind.FOREIGN_VALUE, 1),
                expect("writes still pending cannot be judged", "AAPP", log(1), "2")
                        .violation(Kind.NOT_SETTLED, 2),

                // Asynchronous replication: one run per declared unpaused failover, acknowledged within its window
                expect("the old master's tail lost in a declared failover", "AAAAAAAAAAAA", log(1, 3, 11), "12")
                        .failover(window(4, 10))
                        .lostToReplication(3),
                expect("a SET in the lost tail leaves the register older", "AAAAAAAA", log(1, 3), "2")
                        .failover(window(4, 8))
                        .lostToReplication(2),
                expect("...but a SET acknowledged after the lost run must be there", "AAAAAAAAAA", log(1, 3, 9), "4")
                        .failover(window(4, 9))
                        .lostToReplication(2)
                        .violation(Kind.STALE_REGISTER, 1),
                expect(
                                "a run acknowledged before the failover window is the client's",
                                "AAAAAAAAAAAA",
                                log(1, 3, 11),
                                "12")
                        .failover(window(8, 12))
                        .violation(Kind.LOST, 3),
                expect("the replication lag moves the window back", "AAAAAAAAAAAA", log(1, 3, 11), "12")
                        .failover(window(8, 12).replicationLag(Duration.ofMillis(4)))
                        .lostToReplication(3),
                expect("two runs, one failover: the second is the client's", "AAAAAAAAAAAAAAAA", log(1, 7, 15), "16")
                        .failover(window(2, 14))
                        .lostToReplication(2)
                        .violation(Kind.LOST, 3),
                expect("two runs, two failovers (Sentinel failed over again)", "AAAAAAAAAAAAAAAA", log(1, 7, 15), "16")
                        .failover(window(2, 14).times(2))
                        .lostToReplication(5),
                expect("a single missing write is a run too", "AAAAAAAAAA", log(1, 3, 7, 9), "10")
                        .failover(window(1, 10))
                        .lostToReplication(1),
                expect("a failover explains a loss, never a reorder", "AAAAAAAA", log(1, 5, 3, 7), "8")
                        .failover(window(1, 8))
                        .violation(Kind.OUT_OF_ORDER, 1));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void findsExactlyTheViolationsOfEachHistory(Case c) {
        WriteCheck check = replay(c);

        Map<Kind, Long> found = new EnumMap<>(Kind.class);
        for (Kind kind : Kind.values()) {
            if (check.count(kind) > 0) {
                found.put(kind, check.count(kind));
            }
        }
        assertThat(found).as("%s", check).isEqualTo(c.violations());
        assertThat(check.holds()).as("%s", check).isEqualTo(c.violations().isEmpty());
        assertThat(check.lostToReplication()).as("%s", check).isEqualTo(c.lostToReplication());
        assertThat(check.fateUnknownApplied()).as("%s", check).isEqualTo(c.fateUnknownApplied());
        assertThat(check.violations()).extracting(WriteCheck.Violation::kind).isSubsetOf(found.keySet());
    }

    @Test
    void tellsWhatWasSeenInItsMessage() {
        WriteCheck check = replay(expect("", "AAAAAAAA", log(1, 5, 7, 3), "4")
                .violation(Kind.OUT_OF_ORDER, 1)
                .violation(Kind.STALE_REGISTER, 1));

        assertThat(check.toString())
                .contains("writer w: 8 issued = 8 acknowledged + 0 failed + 0 fate unknown")
                .contains("VIOLATED: 1 out of order, 0 lost")
                .contains("write 3 was applied after write 7, which was issued after it (log position 3)")
                .contains("the register holds write 4 although write 8, issued after it, was acknowledged");
        assertThat(check.orderViolations()).isEqualTo(2);
    }

    @Test
    void keepsTheFirstViolationsOnly() {
        long[] reversed =
                LongStream.iterate(39, seq -> seq >= 1, seq -> seq - 2).toArray();
        WriteCheck check =
                replay(expect("", "A".repeat(40), log(reversed), "40").violation(Kind.OUT_OF_ORDER, 19));

        assertThat(check.violations()).hasSize(WriteCheck.SHOWN);
        assertThat(check.toString()).contains("First " + WriteCheck.SHOWN + ":");
    }

    @Test
    void namesItsKeysAndAlternatesThem() {
        WriteLedger ledger = WriteLedger.named("order-1");

        assertThat(List.of(ledger.next(), ledger.next(), ledger.next()))
                .containsExactly(
                        new WriteLedger.Write(1, WriteLedger.Target.LOG, "ledger:{order-1}:log"),
                        new WriteLedger.Write(2, WriteLedger.Target.REGISTER, "ledger:{order-1}:register"),
                        new WriteLedger.Write(3, WriteLedger.Target.LOG, "ledger:{order-1}:log"));
        assertThat(ledger.pending()).isEqualTo(3);
    }

    @Test
    void refusesASecondOutcomeOrOneForAWriteNeverIssued() {
        WriteLedger ledger = WriteLedger.named("w");
        long seq = ledger.next().seq();
        ledger.acknowledged(seq);

        assertThatThrownBy(() -> ledger.fateUnknown(seq))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("write 1 of w already has an outcome: acknowledged");
        assertThatThrownBy(() -> ledger.failed(2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("write 2 was never issued by w");
    }

    @Test
    void refusesAWindowThatEndsBeforeItStarts() {
        assertThatThrownBy(() -> UnpausedFailover.between(10, 5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ends before it starts");
        assertThatThrownBy(() -> UnpausedFailover.between(1, 5).times(0)).isInstanceOf(IllegalArgumentException.class);
    }

    private static WriteCheck replay(Case c) {
        long[] now = {0};
        WriteLedger ledger = WriteLedger.named("w", () -> now[0]);
        for (char outcome : c.outcomes().toCharArray()) {
            long seq = ledger.next().seq();
            now[0] = Duration.ofMillis(seq).toNanos();
            switch (outcome) {
                case 'A' -> ledger.acknowledged(seq);
                case 'F' -> ledger.failed(seq);
                case 'U' -> ledger.fateUnknown(seq);
                case 'P' -> {}
                default -> throw new IllegalArgumentException("outcome " + outcome);
            }
        }
        return ledger.check(c.log(), c.register(), c.failovers().toArray(UnpausedFailover[]::new));
    }

    // ---------------------------------------------------------------- a small language for the cases

    private static List<String> log(long... seqs) {
        return Arrays.stream(seqs).mapToObj(Long::toString).toList();
    }

    /** A failover window from {@code fromMillis} to {@code toMillis} on the checker's clock, with no lag. */
    private static UnpausedFailover window(long fromMillis, long toMillis) {
        return UnpausedFailover.between(
                        Duration.ofMillis(fromMillis).toNanos(),
                        Duration.ofMillis(toMillis).toNanos())
                .replicationLag(Duration.ZERO);
    }

    private static Case expect(String name, String outcomes, List<String> log, String register) {
        return new Case(name, outcomes, log, register, List.of(), Map.of(), 0, 0);
    }
}
