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
 * @param unreachableRoundsBeforeDisconnect how many probe rounds in a row the master must stay unreachable (frozen,
 *        partitioned) before its connections are dropped
 */
public record FailoverSettings(
        Duration failoverWait,
        int maxQueuedCommands,
        RetryConfig retry,
        Set<String> idempotentCommands,
        int unreachableRoundsBeforeDisconnect) {

    /** Long enough for Kubernetes to restart a Redis container or replace its pod. */
    public static final Duration DEFAULT_FAILOVER_WAIT = Duration.ofSeconds(30);

    public static final int DEFAULT_MAX_QUEUED_COMMANDS = 100_000;

    public FailoverSettings {
        Require.zeroOrPositive(failoverWait, "failoverWait");
        Require.atLeast(maxQueuedCommands, 1, "maxQueuedCommands");
        Require.atLeast(unreachableRoundsBeforeDisconnect, 1, "unreachableRoundsBeforeDisconnect");
        idempotentCommands = Require.nonNull(idempotentCommands, "idempotentCommands").stream()
                .map(c -> c.toUpperCase(Locale.ROOT))
                .collect(Collectors.toUnmodifiableSet());
    }

    public static FailoverSettings defaults() {
        return new FailoverSettings(
                DEFAULT_FAILOVER_WAIT, DEFAULT_MAX_QUEUED_COMMANDS, FailoverRetry.defaultConfig(), Set.of(), 2);
    }
}
