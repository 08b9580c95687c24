package io.github.mooring.testkit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * One writer's account of its writes, to check at the end of a failover test that what it was told matches what the
 * final master holds: its writes were applied in the order it issued them, nothing acknowledged was lost, nothing was
 * applied twice, and nothing reported as failed was applied.
 * <p>
 * The writer (one connection, any client library) takes its writes from {@link #next()}, numbered 1, 2, 3, ...: odd
 * ones append their number to a list ({@code RPUSH} {@link #logKey()}), even ones set a string key to it
 * ({@code SET} {@link #registerKey()}). For every write it reports exactly one outcome: {@link #acknowledged},
 * {@link #failed} (the client said it was not applied) or {@link #fateUnknown} (it may or may not have been). Once
 * every write has its outcome, {@link #check(RedisPod, UnpausedFailover...)} reads the final master and judges:
 * <ul>
 * <li>the list must be in issue order and hold each write at most once; it must hold every acknowledged write, no
 * failed one, and any subset of those of unknown fate;</li>
 * <li>the register must hold the last acknowledged {@code SET}, or a later one of unknown fate;</li>
 * <li>acknowledged writes missing in a way only Redis's asynchronous replication explains are counted apart, not as
 * violations, when the test declares the {@link UnpausedFailover} that allowed it.</li>
 * </ul>
 * Thread-safe: a pipelined writer may report outcomes from any thread.
 */
public final class WriteLedger {

    /** Where a write goes. */
    public enum Target {
        /** {@code RPUSH} {@link #logKey()} with the write's number. */
        LOG,
        /** {@code SET} {@link #registerKey()} to the write's number. */
        REGISTER
    }

    /**
     * One write to issue.
     *
     * @param seq its number in the writer's issue order, from 1
     * @param target the list or the register
     * @param key the key to write
     */
    public record Write(long seq, Target target, String key) {
        /** The value to write: the number itself. */
        public String value() {
            return Long.toString(seq);
        }
    }

    private static final byte PENDING = 0;
    private static final byte ACKNOWLEDGED = 1;
    private static final byte FAILED = 2;
    private static final byte FATE_UNKNOWN = 3;

    private final String name;
    private final String logKey;
    private final String registerKey;
    private final LongSupplier clock;

    // Guarded by this.
    private long last;
    private byte[] outcomes = new byte[1024];
    private long[] acknowledgedAt = new long[1024];

    private WriteLedger(String name, LongSupplier clock) {
        this.name = Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("a writer needs a name: it names its keys");
        }
        this.logKey = "ledger:{" + name + "}:log";
        this.registerKey = "ledger:{" + name + "}:register";
        this.clock = clock;
    }

    /** A ledger for the writer {@code name}; its keys are {@code ledger:{name}:log} and {@code ledger:{name}:register}. */
    public static WriteLedger named(String name) {
        return new WriteLedger(name, System::nanoTime);
    }

    /** With a clock of its own, for tests of the checker: acknowledgements are stamped with it. */
    static WriteLedger named(String name, LongSupplier clock) {
        return new WriteLedger(name, clock);
    }

    public String name() {
        return name;
    }

    /** The list the odd writes append to. */
    public String logKey() {
        return logKey;
    }

    /** The string the even writes set. */
    public String registerKey() {
        return registerKey;
    }

    /** The next write, in issue order. */
    public synchronized Write next() {
        long seq = ++last;
        if (seq >= outcomes.length) {
            outcomes = Arrays.copyOf(outcomes, outcomes.length * 2);
            acknowledgedAt = Arrays.copyOf(acknowledgedAt, acknowledgedAt.length * 2);
        }
        return new Write(seq, target(seq), target(seq) == Target.LOG ? logKey : registerKey);
    }

    /** The server answered the write successfully. */
    public void acknowledged(long seq) {
        record(seq, ACKNOWLEDGED);
    }

    /** The client reported that the write was not applied (e.g. it was never sent, or refused). */
    public void failed(long seq) {
        record(seq, FAILED);
    }

    /** The client reported that the write may or may not have been applied (e.g. the connection died mid-flight). */
    public void fateUnknown(long seq) {
        record(seq, FATE_UNKNOWN);
    }

    /** Writes issued so far. */
    public synchronized long issued() {
        return last;
    }

    /** Writes still waiting for their outcome. */
    public synchronized long pending() {
        long pending = 0;
        for (long seq = 1; seq <= last; seq++) {
            if (outcomes[(int) seq] == PENDING) {
                pending++;
            }
        }
        return pending;
    }

    private synchronized void record(long seq, byte outcome) {
        if (seq < 1 || seq > last) {
            throw new IllegalArgumentException("write " + seq + " was never issued by " + name);
        }
        if (outcomes[(int) seq] != PENDING) {
            throw new IllegalStateException(
                    "write " + seq + " of " + name + " already has an outcome: " + describe(outcomes[(int) seq]));
        }
        outcomes[(int) seq] = outcome;
        if (outcome == ACKNOWLEDGED) {
            acknowledgedAt[(int) seq] = clock.getAsLong();
        }
    }

    /**
     * Reads the writer's list and register from {@code finalMaster} (the master the group settled on) and checks them.
     *
     * @param failovers the failovers during which Redis's asynchronous replication may have lost acknowledged writes
     */
    public WriteCheck check(RedisPod finalMaster, UnpausedFailover... failovers) {
        Object log = finalMaster.command("LRANGE", logKey, "0", "-1");
        if (!(log instanceof List<?> entries)) {
            throw new IllegalStateException("LRANGE " + logKey + " on " + finalMaster.name() + " answered " + log);
        }
        Object register = finalMaster.command("GET", registerKey);
        if (register != null && !(register instanceof String)) {
            throw new IllegalStateException(
                    "GET " + registerKey + " on " + finalMaster.name() + " answered " + register);
        }
        return check(entries.stream().map(String::valueOf).toList(), (String) register, failovers);
    }

    /**
     * Checks the writer's list and register as read from the final master.
     *
     * @param log the list's entries, head first
     * @param register the register's value, or null when the key does not exist
     * @param failovers the failovers during which Redis's asynchronous replication may have lost acknowledged writes
     */
    public WriteCheck check(List<String> log, String register, UnpausedFailover... failovers) {
        Objects.requireNonNull(log, "log");
        byte[] outcomes;
        long[] acknowledgedAt;
        long issued;
        synchronized (this) {
            issued = last;
            outcomes = Arrays.copyOf(this.outcomes, (int) last + 1);
            acknowledgedAt = Arrays.copyOf(this.acknowledgedAt, (int) last + 1);
        }
        return new Judgement(issued, outcomes, acknowledgedAt, List.of(failovers)).judge(log, register);
    }

    static Target target(long seq) {
        return seq % 2 == 1 ? Target.LOG : Target.REGISTER;
    }

    private static String describe(byte outcome) {
        return switch (outcome) {
            case ACKNOWLEDGED -> "acknowledged";
            case FAILED -> "reported failed";
            case FATE_UNKNOWN -> "of unknown fate";
            default -> "pending";
        };
    }

    /** One check: the rules, applied to a snapshot of the ledger and what the final master holds. */
    private final class Judgement {

        private final long issued;
        private final byte[] outcomes;
        private final long[] acknowledgedAt;
        private final List<UnpausedFailover> failovers;
        private final long[] counts = new long[WriteCheck.Kind.values().length];
        private final List<WriteCheck.Violation> violations = new ArrayList<>();
        private final List<WriteCheck.ReplicationLoss> replicationLosses = new ArrayList<>();
        /** Open intervals (after, before) of issue order that a replication loss swallowed. */
        private final List<long[]> swallowed = new ArrayList<>();

        Judgement(long issued, byte[] outcomes, long[] acknowledgedAt, List<UnpausedFailover> failovers) {
            this.issued = issued;
            this.outcomes = outcomes;
            this.acknowledgedAt = acknowledgedAt;
            this.failovers = failovers;
        }

        WriteCheck judge(List<String> log, String register) {
            long notSettled = count(PENDING);
            if (notSettled > 0) {
                violation(
                        WriteCheck.Kind.NOT_SETTLED,
                        0,
                        notSettled,
                        notSettled + " write(s) had no outcome yet when"
                                + " checked: wait until every command of the writer has completed");
            }
            BitSet applied = checkLog(log);
            checkMissing(applied);
            checkRegister(register);
            long unknownApplied = 0;
            for (long seq = 1; seq <= issued; seq += 2) {
                if (outcomes[(int) seq] == FATE_UNKNOWN && applied.get((int) seq)) {
                    unknownApplied++;
                }
            }
            return new WriteCheck(
                    name,
                    issued,
                    count(ACKNOWLEDGED),
                    count(FAILED),
                    count(FATE_UNKNOWN),
                    unknownApplied,
                    counts,
                    replicationLosses,
                    violations,
                    log.size(),
                    register);
        }

        /** The list: issue order, each write once, nothing reported failed, nothing foreign. */
        private BitSet checkLog(List<String> log) {
            BitSet applied = new BitSet((int) issued + 1);
            long highest = 0;
            for (int position = 0; position < log.size(); position++) {
                String entry = log.get(position);
                long seq = parse(entry);
                if (seq < 1 || seq > issued || target(seq) != Target.LOG) {
                    violation(
                            WriteCheck.Kind.FOREIGN_VALUE,
                            Math.max(seq, 0),
                            1,
                            "'" + entry + "' at position " + position + " of the log is no log write of " + name);
                    continue;
                }
                if (applied.get((int) seq)) {
                    violation(
                            WriteCheck.Kind.APPLIED_TWICE,
                            seq,
                            1,
                            "write " + seq + " (" + describe(outcomes[(int) seq]) + ") is in the log again at position "
                                    + position);
                    continue;
                }
                applied.set((int) seq);
                if (seq < highest) {
                    violation(
                            WriteCheck.Kind.OUT_OF_ORDER,
                            seq,
                            1,
                            "write " + seq + " was applied after write " + highest
                                    + ", which was issued after it (log position " + position + ")");
                }
                highest = Math.max(highest, seq);
                if (outcomes[(int) seq] == FAILED) {
                    violation(
                            WriteCheck.Kind.APPLIED_THOUGH_FAILED,
                            seq,
                            1,
                            "write " + seq + " was reported as not" + " applied, and is in the log (position "
                                    + position + ")");
                }
            }
            return applied;
        }

        /**
         * Acknowledged log writes the final master lacks, grouped into runs with no applied log write between them;
         * runs an {@link UnpausedFailover} explains are replication losses, the others are lost.
         */
        private void checkMissing(BitSet applied) {
            List<Run> runs = new ArrayList<>();
            Run current = null;
            long lastApplied = 0;
            for (long seq = 1; seq <= issued; seq += 2) {
                if (applied.get((int) seq)) {
                    if (current != null) {
                        current.before = seq;
                        current = null;
                    }
                    lastApplied = seq;
                } else if (outcomes[(int) seq] == ACKNOWLEDGED) {
                    if (current == null) {
                        current = new Run(lastApplied);
                        runs.add(current);
                    }
                    current.add(seq, acknowledgedAt[(int) seq]);
                }
            }
            int[] capacity =
                    failovers.stream().mapToInt(UnpausedFailover::failovers).toArray();
            for (Run run : runs) {
                int window = explaining(run, capacity);
                if (window >= 0) {
                    capacity[window]--;
                    replicationLosses.add(new WriteCheck.ReplicationLoss(run.first, run.last, run.count));
                    swallowed.add(new long[] {run.after, run.before});
                } else {
                    violation(
                            WriteCheck.Kind.LOST,
                            run.first,
                            run.count,
                            run.count == 1
                                    ? "write " + run.first + " was acknowledged and is missing from the final master"
                                    : run.count + " acknowledged writes, " + run.first + " to " + run.last
                                            + ", are missing from the final master"
                                            + (failovers.isEmpty()
                                                    ? ""
                                                    : " (not one run acknowledged within a declared unpaused failover)"));
                }
            }
        }

        /** The first failover window with room left that covers every acknowledgement of the run, or -1. */
        private int explaining(Run run, int[] capacity) {
            for (int i = 0; i < failovers.size(); i++) {
                UnpausedFailover failover = failovers.get(i);
                if (capacity[i] > 0
                        && failover.covers(run.firstAcknowledged)
                        && failover.covers(run.lastAcknowledged)) {
                    return i;
                }
            }
            return -1;
        }

        /** The register: the last acknowledged SET, or a later one of unknown fate; never a failed one. */
        private void checkRegister(String register) {
            long lastAcknowledged = 0;
            for (long seq = 2; seq <= issued; seq += 2) {
                if (outcomes[(int) seq] == ACKNOWLEDGED && !swallowedByReplication(seq)) {
                    lastAcknowledged = seq;
                }
            }
            if (register == null) {
                if (lastAcknowledged > 0) {
                    violation(
                            WriteCheck.Kind.STALE_REGISTER,
                            lastAcknowledged,
                            1,
                            "the register is absent although" + " write " + lastAcknowledged
                                    + " set it and was acknowledged");
                }
                return;
            }
            long seq = parse(register);
            if (seq < 1 || seq > issued || target(seq) != Target.REGISTER) {
                violation(
                        WriteCheck.Kind.FOREIGN_VALUE,
                        Math.max(seq, 0),
                        1,
                        "the register holds '" + register + "', no register write of " + name);
                return;
            }
            if (outcomes[(int) seq] == FAILED) {
                violation(
                        WriteCheck.Kind.APPLIED_THOUGH_FAILED,
                        seq,
                        1,
                        "the register holds write " + seq + ", which was reported as not applied");
            }
            if (seq < lastAcknowledged) {
                violation(
                        WriteCheck.Kind.STALE_REGISTER,
                        seq,
                        1,
                        "the register holds write " + seq + " although write " + lastAcknowledged
                                + ", issued after it, was acknowledged: applied out of order, or lost");
            }
        }

        private boolean swallowedByReplication(long seq) {
            for (long[] range : swallowed) {
                if (seq > range[0] && seq < range[1]) {
                    return true;
                }
            }
            return false;
        }

        private long count(byte outcome) {
            long count = 0;
            for (long seq = 1; seq <= issued; seq++) {
                if (outcomes[(int) seq] == outcome) {
                    count++;
                }
            }
            return count;
        }

        private void violation(WriteCheck.Kind kind, long seq, long count, String detail) {
            counts[kind.ordinal()] += count;
            if (violations.size() < WriteCheck.SHOWN) {
                violations.add(new WriteCheck.Violation(kind, seq, detail));
            }
        }

        private static long parse(String value) {
            try {
                return Long.parseLong(value);
            } catch (NumberFormatException e) {
                return -1;
            }
        }
    }

    /** Acknowledged log writes missing with no applied log write between them. */
    private static final class Run {
        final long after;
        long before = Long.MAX_VALUE;
        long first;
        long last;
        long count;
        long firstAcknowledged;
        long lastAcknowledged;

        Run(long after) {
            this.after = after;
        }

        void add(long seq, long acknowledgedAt) {
            if (count++ == 0) {
                first = seq;
                firstAcknowledged = acknowledgedAt;
                lastAcknowledged = acknowledgedAt;
            }
            last = seq;
            // System.nanoTime() values: compared by their difference
            if (acknowledgedAt - firstAcknowledged < 0) {
                firstAcknowledged = acknowledgedAt;
            }
            if (acknowledgedAt - lastAcknowledged > 0) {
                lastAcknowledged = acknowledgedAt;
            }
        }
    }
}
