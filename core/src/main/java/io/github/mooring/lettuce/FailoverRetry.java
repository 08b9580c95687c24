package io.github.mooring.lettuce;

import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.RetryConfig;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisLoadingException;
import io.lettuce.core.RedisReadOnlyException;
import java.time.Duration;

/**
 * The retry policy for commands a Redis node rejected because of a failover. Mooring reports each rejection to the
 * policy as a {@link RedisCommandExecutionException} carrying the error reply ({@link RedisReadOnlyException} for
 * {@code READONLY}, {@link RedisLoadingException} for {@code LOADING}); a rejected command was not applied, so it is
 * always safe to send again. A replacement policy should retry on {@link #isFailoverRejection(Throwable)}.
 */
public final class FailoverRetry {

    private FailoverRetry() {}

    /**
     * Up to 12 attempts, 20 ms apart at first, doubling to at most 1 s: covers the seconds a Sentinel or an operator
     * takes between promoting a replica and demoting the old master, while the topology monitor moves the
     * connection after the first rejection.
     */
    public static RetryConfig defaultConfig() {
        return RetryConfig.custom()
                .maxAttempts(12)
                .intervalFunction(
                        IntervalFunction.ofExponentialBackoff(Duration.ofMillis(20), 2.0, Duration.ofSeconds(1)))
                .retryOnException(FailoverRetry::isFailoverRejection)
                .failAfterMaxAttempts(false)
                .build();
    }

    /** {@code READONLY}, {@code LOADING}, {@code MASTERDOWN}: refused by a node that is not (yet) a usable master. */
    public static boolean isFailoverRejection(Throwable error) {
        if (error instanceof RedisReadOnlyException || error instanceof RedisLoadingException) {
            return true;
        }
        return error instanceof RedisCommandExecutionException && isFailoverReply(error.getMessage());
    }

    /** Whether an error reply is one of the failover rejections. */
    static boolean isFailoverReply(String error) {
        return error != null
                && (error.startsWith("READONLY") || error.startsWith("LOADING") || error.startsWith("MASTERDOWN"));
    }
}
