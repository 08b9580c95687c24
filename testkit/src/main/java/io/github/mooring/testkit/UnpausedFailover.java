package io.github.mooring.testkit;

import java.time.Duration;
import java.util.Objects;

/**
 * A failover that did not pause writes first (a {@code SENTINEL FAILOVER}, a master that died, a replica promoted with
 * {@code REPLICAOF NO ONE} while the old master kept taking writes), during which Redis's own asynchronous replication
 * may lose writes the old master acknowledged. Tell {@link WriteLedger#check} about it so that those losses are counted
 * apart from the client's.
 * <p>
 * Redis replicates a master's writes as one ordered stream, and a promoted replica holds a prefix of it. What such a
 * failover can lose is therefore the tail of the old master's stream: the writes it acknowledged after the last one
 * the promoted replica received, up to the moment the writer's connection moved. In one writer's issue order that is
 * one contiguous run of missing writes, acknowledged between {@linkplain #replicationLag() the replication lag} before
 * the failover {@linkplain #startNanos() began} and its {@linkplain #endNanos() end}. The checker attributes at most
 * {@linkplain #failovers() one such run per failover} to replication; every other missing acknowledged write is the
 * client's loss, since a write cannot vanish from the middle of a replicated stream, nor outside a failover.
 */
public final class UnpausedFailover {

    /** How far behind the master a promoted replica may have been, unless told otherwise. */
    public static final Duration DEFAULT_REPLICATION_LAG = Duration.ofSeconds(1);

    private final long startNanos;
    private final long endNanos;
    private final int failovers;
    private final Duration replicationLag;

    private UnpausedFailover(long startNanos, long endNanos, int failovers, Duration replicationLag) {
        if (endNanos - startNanos < 0) {
            throw new IllegalArgumentException("the failover window ends before it starts: start " + startNanos
                    + ", end " + endNanos + " (both System.nanoTime())");
        }
        if (failovers < 1) {
            throw new IllegalArgumentException("failovers must be at least 1, was " + failovers);
        }
        Objects.requireNonNull(replicationLag, "replicationLag");
        if (replicationLag.isNegative()) {
            throw new IllegalArgumentException("replication lag must not be negative, was " + replicationLag);
        }
        this.startNanos = startNanos;
        this.endNanos = endNanos;
        this.failovers = failovers;
        this.replicationLag = replicationLag;
    }

    /**
     * One failover, begun at {@code startNanos} (when the test started it, or the master died) and over at
     * {@code endNanos} (once the writer's commands demonstrably reach the new master), both {@link System#nanoTime()}.
     */
    public static UnpausedFailover between(long startNanos, long endNanos) {
        return new UnpausedFailover(startNanos, endNanos, 1, DEFAULT_REPLICATION_LAG);
    }

    /** The same window holding {@code count} failovers (Sentinel may fail over again on a loaded machine). */
    public UnpausedFailover times(int count) {
        return new UnpausedFailover(startNanos, endNanos, count, replicationLag);
    }

    /** How far the promoted replica may have lagged behind the old master when the failover began. */
    public UnpausedFailover replicationLag(Duration lag) {
        return new UnpausedFailover(startNanos, endNanos, failovers, lag);
    }

    public long startNanos() {
        return startNanos;
    }

    public long endNanos() {
        return endNanos;
    }

    /** How many runs of lost writes this window may explain. */
    public int failovers() {
        return failovers;
    }

    public Duration replicationLag() {
        return replicationLag;
    }

    /** Whether an acknowledgement at {@code nanos} lies in the window (its start moved back by the lag). */
    boolean covers(long nanos) {
        return nanos - (startNanos - replicationLag.toNanos()) >= 0 && endNanos - nanos >= 0;
    }

    @Override
    public String toString() {
        return "UnpausedFailover[" + failovers + " failover(s), "
                + Duration.ofNanos(endNanos - startNanos).toMillis() + " ms, replication lag "
                + replicationLag.toMillis() + " ms]";
    }
}
