package io.github.mooring.internal.sentinel;

import io.github.mooring.internal.Require;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import java.time.Duration;
import java.util.Objects;

/**
 * How Mooring listens to Sentinels.
 *
 * @param podTemplate credentials and TLS of the pods (the probes'): the hello channel is read there
 * @param sentinelTemplate credentials and TLS of the Sentinels themselves (their {@code requirepass} or ACL user,
 *        which may differ from the pods'); host and port are ignored
 * @param sslOptions trust and key material for TLS
 * @param timeout connect and command timeout of the listening connections
 * @param failoverHold how long new writes wait while Sentinel fails the master over ({@code +odown},
 *        {@code +try-failover}, {@code +elected-leader}, {@code +failover-state-*}) for its switch or abort; after
 *        that they go to the master Sentinel named last (zero: never hold)
 * @param forgetAfter a view no Sentinel has confirmed for this long is dropped (Sentinels say hello every 2 s on
 *        every pod; where no hello comes, the follower asks them again): the monitor then elects by probing alone
 */
public record SentinelSettings(
        RedisURI podTemplate,
        RedisURI sentinelTemplate,
        SslOptions sslOptions,
        Duration timeout,
        Duration failoverHold,
        Duration forgetAfter) {

    public static final Duration DEFAULT_FORGET_AFTER = Duration.ofSeconds(10);

    /** A planned failover takes Sentinel about 1 to 2 s from {@code +try-failover} to {@code +switch-master}. */
    public static final Duration DEFAULT_FAILOVER_HOLD = Duration.ofSeconds(5);

    public SentinelSettings {
        Objects.requireNonNull(podTemplate, "podTemplate");
        Objects.requireNonNull(sentinelTemplate, "sentinelTemplate");
        Objects.requireNonNull(sslOptions, "sslOptions");
        Require.positive(timeout, "sentinelTimeout");
        Require.zeroOrPositive(failoverHold, "sentinelFailoverHold");
        Require.positive(forgetAfter, "sentinelForgetAfter");
    }

    /**
     * The pods' credentials and TLS for the hello channel; for the Sentinels, the same TLS and {@code
     * sentinelTemplate}'s credentials.
     */
    public static SentinelSettings of(RedisURI podTemplate, RedisURI sentinelTemplate, SslOptions sslOptions) {
        return new SentinelSettings(
                podTemplate,
                sentinelTemplate,
                sslOptions,
                Duration.ofSeconds(1),
                DEFAULT_FAILOVER_HOLD,
                DEFAULT_FORGET_AFTER);
    }

    public SentinelSettings withFailoverHold(Duration hold) {
        return new SentinelSettings(podTemplate, sentinelTemplate, sslOptions, timeout, hold, forgetAfter);
    }

    /** Sentinels without authentication, with the pods' TLS. */
    public static SentinelSettings withoutSentinelAuth(RedisURI podTemplate, SslOptions sslOptions) {
        RedisURI sentinels = RedisURI.builder()
                .withHost("localhost")
                .withSsl(podTemplate.isSsl())
                .withVerifyPeer(podTemplate.getVerifyMode())
                .build();
        if (podTemplate.getHost() != null) {
            sentinels.setHost(podTemplate.getHost()); // the name TLS certificates are checked against
        }
        return of(podTemplate, sentinels, sslOptions);
    }
}
