package io.github.mooring.boot;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.resource.ClientResources;
import java.time.Duration;
import java.util.Locale;
import java.util.stream.Stream;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.boot.data.redis.autoconfigure.DataRedisProperties;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientConfigurationBuilderCustomizer;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientOptionsBuilderCustomizer;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslOptions;
import org.springframework.data.redis.connection.RedisPassword;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration.LettuceClientConfigurationBuilder;
import org.springframework.data.redis.connection.lettuce.LettucePoolingClientConfiguration;
import org.springframework.util.ClassUtils;
import org.springframework.util.StringUtils;

/**
 * What {@code spring.data.redis.*} says about connections, assembled as Spring Boot's own (package-private)
 * {@code LettuceConnectionConfiguration} assembles it for its {@code LettuceConnectionFactory}: pool, SSL bundle,
 * timeouts, client name, shutdown, {@code LettuceClientOptionsBuilderCustomizer} and
 * {@code LettuceClientConfigurationBuilderCustomizer} beans, and Boot's shared {@link ClientResources}. The
 * connection details (credentials, database, SSL bundle, URL) come from Boot's own
 * {@link DataRedisConnectionDetails} bean. Two things differ: the socket options start from Mooring's (keep-alive that
 * notices a vanished master within seconds), and the host only names the server for TLS, since Mooring picks the
 * address.
 *
 * @param clientConfiguration for the {@code LettuceConnectionFactory}
 * @param standalone credentials and database as the factory reports them
 * @param redisUri the same settings as one {@link RedisURI}, as {@code LettuceConnectionFactory} would build it: every
 *        data connection and every probe uses it
 */
record BootLettuceSettings(
        LettuceClientConfiguration clientConfiguration, RedisStandaloneConfiguration standalone, RedisURI redisUri) {

    private static final boolean COMMONS_POOL2_AVAILABLE =
            ClassUtils.isPresent("org.apache.commons.pool2.ObjectPool", BootLettuceSettings.class.getClassLoader());

    /**
     * @param tlsHost the host name to present for TLS (SNI, hostname verification) when {@code spring.data.redis}
     *        names none; null to take Boot's host
     * @param userStandalone a {@link RedisStandaloneConfiguration} bean of the application, which Boot would use
     *        instead of the properties
     * @param mooringClientOptions Mooring's default client options, which Boot's settings refine
     */
    static BootLettuceSettings of(
            DataRedisProperties properties,
            DataRedisConnectionDetails details,
            @Nullable RedisStandaloneConfiguration userStandalone,
            @Nullable String tlsHost,
            ClientOptions mooringClientOptions,
            @Nullable ClientResources clientResources,
            Stream<LettuceClientOptionsBuilderCustomizer> optionsCustomizers,
            Stream<LettuceClientConfigurationBuilderCustomizer> configurationCustomizers) {
        RedisStandaloneConfiguration standalone = standalone(details, userStandalone, tlsHost);
        SslBundle sslBundle = details.getSslBundle();

        LettuceClientConfigurationBuilder builder = isPoolEnabled(
                        properties.getLettuce().getPool())
                ? PoolBuilderFactory.createBuilder(properties.getLettuce().getPool())
                : LettuceClientConfiguration.builder();
        if (sslBundle != null || urlUsesSsl(properties.getUrl())) {
            builder.useSsl();
        }
        if (properties.getTimeout() != null) {
            builder.commandTimeout(properties.getTimeout());
        }
        Duration shutdownTimeout = properties.getLettuce().getShutdownTimeout();
        if (shutdownTimeout != null && !shutdownTimeout.isZero()) {
            builder.shutdownTimeout(shutdownTimeout);
        }
        if (properties.getLettuce().getReadFrom() != null) {
            throw readFromConflict("spring.data.redis.lettuce.read-from="
                    + properties.getLettuce().getReadFrom());
        }
        if (StringUtils.hasText(properties.getClientName())) {
            builder.clientName(properties.getClientName());
        }
        builder.clientOptions(clientOptions(properties, sslBundle, mooringClientOptions, optionsCustomizers));
        if (clientResources != null) {
            builder.clientResources(clientResources);
        }
        configurationCustomizers.forEach(customizer -> customizer.customize(builder));
        LettuceClientConfiguration configuration = builder.build();
        if (configuration.getReadFrom().isPresent()) {
            throw readFromConflict("a LettuceClientConfigurationBuilderCustomizer bean sets readFrom("
                    + configuration.getReadFrom().get() + ")");
        }
        return new BootLettuceSettings(configuration, standalone, redisUri(standalone, configuration));
    }

    private static RedisStandaloneConfiguration standalone(
            DataRedisConnectionDetails details,
            @Nullable RedisStandaloneConfiguration userStandalone,
            @Nullable String tlsHost) {
        if (userStandalone != null) {
            return userStandalone;
        }
        DataRedisConnectionDetails.Standalone bootStandalone = details.getStandalone();
        RedisStandaloneConfiguration standalone = new RedisStandaloneConfiguration();
        standalone.setHostName(
                tlsHost != null ? tlsHost : bootStandalone != null ? bootStandalone.getHost() : "localhost");
        standalone.setPort(bootStandalone != null ? bootStandalone.getPort() : RedisURI.DEFAULT_REDIS_PORT);
        standalone.setDatabase(bootStandalone != null ? bootStandalone.getDatabase() : 0);
        standalone.setUsername(details.getUsername());
        standalone.setPassword(RedisPassword.of(details.getPassword()));
        return standalone;
    }

    private static ClientOptions clientOptions(
            DataRedisProperties properties,
            @Nullable SslBundle sslBundle,
            ClientOptions mooringClientOptions,
            Stream<LettuceClientOptionsBuilderCustomizer> customizers) {
        ClientOptions.Builder builder = mooringClientOptions.mutate();
        Duration connectTimeout = properties.getConnectTimeout();
        if (connectTimeout != null) {
            // Boot replaces the socket options here; keeping Mooring's keeps the keep-alive that spots a dead master.
            SocketOptions socketOptions = mooringClientOptions.getSocketOptions();
            builder.socketOptions(
                    socketOptions.mutate().connectTimeout(connectTimeout).build());
        }
        if (sslBundle != null) {
            io.lettuce.core.SslOptions.Builder ssl = io.lettuce.core.SslOptions.builder();
            ssl.keyManager(sslBundle.getManagers().getKeyManagerFactory());
            ssl.trustManager(sslBundle.getManagers().getTrustManagerFactory());
            SslOptions options = sslBundle.getOptions();
            if (options.getCiphers() != null) {
                ssl.cipherSuites(options.getCiphers());
            }
            if (options.getEnabledProtocols() != null) {
                ssl.protocols(options.getEnabledProtocols());
            }
            builder.sslOptions(ssl.build());
        }
        builder.timeoutOptions(TimeoutOptions.enabled());
        customizers.forEach(customizer -> customizer.customize(builder));
        return builder.build();
    }

    /** The URI {@code LettuceConnectionFactory.createRedisURIAndApplySettings} would build for this host. */
    private static RedisURI redisUri(
            RedisStandaloneConfiguration standalone, LettuceClientConfiguration configuration) {
        RedisURI.Builder builder = RedisURI.Builder.redis(standalone.getHostName(), standalone.getPort());
        String username = standalone.getUsername();
        if (StringUtils.hasText(username)) {
            builder.withAuthentication(
                    username, new String(standalone.getPassword().toOptional().orElse(new char[0])));
        } else {
            standalone.getPassword().toOptional().ifPresent(builder::withPassword);
        }
        configuration
                .getRedisCredentialsProviderFactory()
                .map(factory -> factory.createCredentialsProvider(standalone))
                .ifPresent(builder::withAuthentication);
        configuration.getClientName().ifPresent(builder::withClientName);
        builder.withDatabase(standalone.getDatabase());
        builder.withSsl(configuration.isUseSsl());
        builder.withVerifyPeer(configuration.getVerifyMode());
        builder.withStartTls(configuration.isStartTls());
        builder.withTimeout(configuration.getCommandTimeout());
        return builder.build();
    }

    private static boolean isPoolEnabled(DataRedisProperties.Pool pool) {
        Boolean enabled = pool.getEnabled();
        return enabled != null ? enabled : COMMONS_POOL2_AVAILABLE;
    }

    private static boolean urlUsesSsl(@Nullable String url) {
        return url != null && url.trim().toLowerCase(Locale.ROOT).startsWith("rediss:");
    }

    private static MooringConfigurationConflictException readFromConflict(String setting) {
        return new MooringConfigurationConflictException(
                setting + " asks Lettuce to read from replicas, but with"
                        + " mooring.service set every connection goes to the master Mooring follows: Mooring does not route"
                        + " reads to replicas, and Lettuce's master/replica support would pin the topology it saw at startup.",
                "Remove the read-from setting to read from the master, or set mooring.enabled=false to connect"
                        + " without Mooring.");
    }

    /** Keeps the optional commons-pool2 classes out of the way when they are absent (as Boot does). */
    private static final class PoolBuilderFactory {

        static LettuceClientConfigurationBuilder createBuilder(DataRedisProperties.Pool properties) {
            GenericObjectPoolConfig<StatefulConnection<?, ?>> config = new GenericObjectPoolConfig<>();
            config.setMaxTotal(properties.getMaxActive());
            config.setMaxIdle(properties.getMaxIdle());
            config.setMinIdle(properties.getMinIdle());
            if (properties.getTimeBetweenEvictionRuns() != null) {
                config.setTimeBetweenEvictionRuns(properties.getTimeBetweenEvictionRuns());
            }
            if (properties.getMaxWait() != null) {
                config.setMaxWait(properties.getMaxWait());
            }
            return LettucePoolingClientConfiguration.builder().poolConfig(config);
        }
    }
}
