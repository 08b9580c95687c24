package io.github.mooring.testkit;

import java.util.List;
import java.util.Locale;

/**
 * What {@link WriteLedger#check} found on the final master: the writer's commands by outcome, the invariants' violations
 * (the first {@value #SHOWN} of them in full), and the acknowledged writes lost to Redis's asynchronous replication,
 * which are counted but are no violation. Its {@link #toString()} is written for assertion messages:
 * <pre>{@code assertThat(check.holds()).as("%s", check).isTrue();}</pre>
 * Counts of lost, doubled and applied writes are over the log's writes (every other command); the register's writes
 * show in its final value.
 */
public final class WriteCheck {

    /** How many violations {@link #violations()} keeps. */
    public static final int SHOWN = 10;

    /** What went wrong with one write. */
    public enum Kind {
        /** Applied after a write issued later on the same connection. */
        OUT_OF_ORDER,
        /** Applied more than once. */
        APPLIED_TWICE,
        /** Acknowledged, and missing from the final master (not explained by asynchronous replication). */
        LOST,
        /** Reported to the application as not applied, and applied. */
        APPLIED_THOUGH_FAILED,
        /** The register holds an older write than the last acknowledged one: applied out of order, or lost. */
        STALE_REGISTER,
        /** A value this writer never wrote there. */
        FOREIGN_VALUE,
        /** Still waiting for its outcome when checked: the check cannot judge it. */
        NOT_SETTLED
    }

    /**
     * One violation.
     *
     * @param kind what went wrong
     * @param seq the write it concerns (the first of a run, for {@link Kind#LOST})
     * @param detail a sentence saying what was seen
     */
    public record Violation(Kind kind, long seq, String detail) {
        @Override
        public String toString() {
            return kind + " " + detail;
        }
    }

    /**
     * A contiguous run of acknowledged writes lost to asynchronous replication in one failover.
     *
     * @param firstSeq the first lost write
     * @param lastSeq the last lost write
     * @param count how many acknowledged log writes the run holds
     */
    public record ReplicationLoss(long firstSeq, long lastSeq, long count) {}

    private final String writer;
    private final long issued;
    private final long acknowledged;
    private final long failed;
    private final long fateUnknown;
    private final long fateUnknownApplied;
    private final long[] counts = new long[Kind.values().length];
    private final long lostToReplication;
    private final List<ReplicationLoss> replicationLosses;
    private final List<Violation> violations;
    private final long logLength;
    private final String register;

    WriteCheck(
            String writer,
            long issued,
            long acknowledged,
            long failed,
            long fateUnknown,
            long fateUnknownApplied,
            long[] counts,
            List<ReplicationLoss> replicationLosses,
            List<Violation> violations,
            long logLength,
            String register) {
        this.writer = writer;
        this.issued = issued;
        this.acknowledged = acknowledged;
        this.failed = failed;
        this.fateUnknown = fateUnknown;
        this.fateUnknownApplied = fateUnknownApplied;
        System.arraycopy(counts, 0, this.counts, 0, this.counts.length);
        this.replicationLosses = List.copyOf(replicationLosses);
        this.lostToReplication =
                replicationLosses.stream().mapToLong(ReplicationLoss::count).sum();
        this.violations = List.copyOf(violations.subList(0, Math.min(SHOWN, violations.size())));
        this.logLength = logLength;
        this.register = register;
    }

    /** Whether every invariant holds: nothing out of order, lost, doubled, applied though failed, or unexplained. */
    public boolean holds() {
        return violationCount() == 0;
    }

    /** The writer's name. */
    public String writer() {
        return writer;
    }

    /** Commands the writer issued. */
    public long issued() {
        return issued;
    }

    public long acknowledged() {
        return acknowledged;
    }

    /** Commands the application was told were not applied. */
    public long failed() {
        return failed;
    }

    /** Commands whose fate the application was told is unknown (applied or not). */
    public long fateUnknown() {
        return fateUnknown;
    }

    /** Log writes of unknown fate that turned out applied (once, in order). */
    public long fateUnknownApplied() {
        return fateUnknownApplied;
    }

    /** Writes applied out of issue order: in the log, and a stale register. */
    public long orderViolations() {
        return count(Kind.OUT_OF_ORDER) + count(Kind.STALE_REGISTER);
    }

    /** Acknowledged log writes missing from the final master and not explained by asynchronous replication. */
    public long lost() {
        return count(Kind.LOST);
    }

    /** Acknowledged log writes lost to Redis's asynchronous replication in a declared {@link UnpausedFailover}. */
    public long lostToReplication() {
        return lostToReplication;
    }

    /** The runs behind {@link #lostToReplication()}. */
    public List<ReplicationLoss> replicationLosses() {
        return replicationLosses;
    }

    /** Log writes applied more than once (each extra application counts). */
    public long appliedTwice() {
        return count(Kind.APPLIED_TWICE);
    }

    /** How many violations of {@code kind} were found. */
    public long count(Kind kind) {
        return counts[kind.ordinal()];
    }

    /** How many violations were found, of every kind. */
    public long violationCount() {
        long total = 0;
        for (long count : counts) {
            total += count;
        }
        return total;
    }

    /** The first {@value #SHOWN} violations, in the order they were found. */
    public List<Violation> violations() {
        return violations;
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder();
        text.append(String.format(
                Locale.ROOT,
                "writer %s: %,d issued = %,d acknowledged + %,d failed + %,d fate unknown (%,d of them applied)%s; "
                        + "log of %,d, register %s. ",
                writer,
                issued,
                acknowledged,
                failed,
                fateUnknown,
                fateUnknownApplied,
                count(Kind.NOT_SETTLED) > 0 ? " + " + count(Kind.NOT_SETTLED) + " not settled" : "",
                logLength,
                register == null ? "absent" : register));
        text.append(holds() ? "Invariants hold" : "VIOLATED");
        text.append(String.format(
                Locale.ROOT,
                ": %,d out of order, %,d lost, %,d applied twice, %,d applied though "
                        + "failed, %,d stale register, %,d foreign",
                count(Kind.OUT_OF_ORDER),
                lost(),
                appliedTwice(),
                count(Kind.APPLIED_THOUGH_FAILED),
                count(Kind.STALE_REGISTER),
                count(Kind.FOREIGN_VALUE)));
        if (lostToReplication > 0) {
            text.append(String.format(
                    Locale.ROOT, "; %,d acknowledged lost to asynchronous replication (", lostToReplication));
            for (int i = 0; i < replicationLosses.size(); i++) {
                ReplicationLoss loss = replicationLosses.get(i);
                text.append(i == 0 ? "" : ", ")
                        .append("writes ")
                        .append(loss.firstSeq())
                        .append('-')
                        .append(loss.lastSeq());
            }
            text.append(')');
        }
        text.append('.');
        if (!violations.isEmpty()) {
            text.append(violationCount() > violations.size() ? " First " + violations.size() + ":" : "");
            for (Violation violation : violations) {
                text.append(System.lineSeparator()).append("  ").append(violation);
            }
        }
        return text.toString();
    }
}
