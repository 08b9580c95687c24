package io.github.mooring.internal.probe;

import io.github.mooring.internal.Require;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import java.time.Duration;
import java.util.Objects;

/**
 * How the {@link RoleProber} talks to pods.
 *
 * @param uriTemplate credentials, TLS, database and client name to probe with; its host and port are ignored
 * @param connectTimeout how long a probe connection may take to open
 * @param timeout how long one probe (connect, if needed, and the INFO commands) may take
 * @param sslOptions trust and key material for TLS (the application's), used when {@code uriTemplate} enables TLS
 */
public record ProbeSettings(RedisURI uriTemplate, Duration connectTimeout, Duration timeout, SslOptions sslOptions) {

    /** Probes give up after 1 s (connect 500 ms): a pod that slow is not one to send writes to. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);

    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofMillis(500);

    public ProbeSettings {
        Objects.requireNonNull(uriTemplate, "uriTemplate");
        // Named as MooringOptions.Builder names them: that is where they are set.
        Require.positive(connectTimeout, "probeConnectTimeout");
        Require.positive(timeout, "probeTimeout");
        Objects.requireNonNull(sslOptions, "sslOptions");
    }

    public ProbeSettings(RedisURI uriTemplate, Duration connectTimeout, Duration timeout) {
        this(uriTemplate, connectTimeout, timeout, SslOptions.create());
    }

    public static ProbeSettings defaults(RedisURI uriTemplate) {
        return new ProbeSettings(uriTemplate, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT);
    }
}
