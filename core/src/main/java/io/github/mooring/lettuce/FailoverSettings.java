package io.github.mooring.lettuce;

import io.github.mooring.internal.Require;
import io.github.resilience4j.retry.RetryConfig;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * How connections behave while the master changes.
 *
 * @param failoverWait how long a command may wait for a master before it fails with a
 *        {@link io.github.mooring.topology.NoMasterException}
 * @param maxQueuedCommands how many commands one connection holds while it has no master; more fail at once with a
 *        {@link io.github.mooring.exceptions.FailoverQueueFullException}
 * @param retry the policy for commands a node rejected because of a failover ({@code READONLY}, {@code LOADING},
 *        {@code MASTERDOWN}), or null to surface those errors at once
 * @param idempotentCommands commands (besides read-only ones) that may be sent again when their fate is unknown,
 *        e.g. {@code SET} for an application that only ever sets a key to one value
 * @param masterStallTimeout how long connections stay on a master that stopped answering (a GC pause, CPU
 *        throttling, a frozen node, a partition) while no other master is elected, counted from the first probe round
 *        that found it not answering: meanwhile new commands wait for it in order and written ones complete when it
 *        answers; then the connections are cut, written and unanswered commands fail with a
 *        {@link io.github.mooring.exceptions.CommandFateUnknownException} and the others keep waiting for a master
 *        (up to the failover wait). Another master elected cuts them at once.
 */
public record FailoverSettings(
        Duration failoverWait,
        int maxQueuedCommands,
        RetryConfig retry,
        Set<String> idempotentCommands,
        Duration masterStallTimeout) {

    /** Long enough for Kubernetes to restart a Redis container or replace its pod. */
    public static final Duration DEFAULT_FAILOVER_WAIT = Duration.ofSeconds(30);

    public static final int DEFAULT_MAX_QUEUED_COMMANDS = 100_000;

    public FailoverSettings {
        Require.zeroOrPositive(failoverWait, "failoverWait");
        Require.atLeast(maxQueuedCommands, 1, "maxQueuedCommands");
        Require.zeroOrPositive(masterStallTimeout, "masterStallTimeout");
        idempotentCommands = Require.nonNull(idempotentCommands, "idempotentCommands").stream()
                .map(c -> c.toUpperCase(Locale.ROOT))
                .collect(Collectors.toUnmodifiableSet());
    }

    /** The defaults; {@code masterStallTimeout} is the failover wait, so that a stall shorter than it costs no error. */
    public static FailoverSettings defaults() {
        return new FailoverSettings(
                DEFAULT_FAILOVER_WAIT,
                DEFAULT_MAX_QUEUED_COMMANDS,
                FailoverRetry.defaultConfig(),
                Set.of(),
                DEFAULT_FAILOVER_WAIT);
    }
}
