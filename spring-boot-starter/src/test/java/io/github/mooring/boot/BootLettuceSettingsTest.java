package io.github.mooring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import io.github.mooring.MooringOptions;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisURI;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.boot.data.redis.autoconfigure.DataRedisProperties;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.data.redis.connection.lettuce.LettucePoolingClientConfiguration;

/**
 * {@code spring.data.redis.*} becomes the same Lettuce settings Spring Boot's own connection factory would get, and
 * the same {@link RedisURI} {@code LettuceConnectionFactory} would build: the URI Mooring connects and probes with.
 */
class BootLettuceSettingsTest {

    private static final ClientOptions MOORING_DEFAULTS =
            MooringOptions.builder().service("redis").build().clientOptions();

    private static BootLettuceSettings settings(
            DataRedisProperties properties, DataRedisConnectionDetails details, String tlsHost) {
        return BootLettuceSettings.of(
                properties, details, null, tlsHost, MOORING_DEFAULTS, null, Stream.empty(), Stream.empty());
    }

    private static DataRedisConnectionDetails details(
            String username, String password, int database, SslBundle sslBundle) {
        return new DataRedisConnectionDetails() {
            @Override
            public String getUsername() {
                return username;
            }

            @Override
            public String getPassword() {
                return password;
            }

            @Override
            public SslBundle getSslBundle() {
                return sslBundle;
            }

            @Override
            public Standalone getStandalone() {
                return Standalone.of("ignored-host", 6380, database);
            }
        };
    }

    @Test
    void credentialsDatabaseAndTlsGoIntoTheUriUnderTheServicesName() {
        DataRedisProperties properties = new DataRedisProperties();
        properties.setTimeout(Duration.ofSeconds(3));
        properties.setClientName("checkout");
        BootLettuceSettings settings = settings(
                properties, details("app", "secret", 2, SslBundle.systemDefault()), "redis.shop.svc.cluster.local");

        RedisURI uri = settings.redisUri();
        assertThat(uri.getHost()).isEqualTo("redis.shop.svc.cluster.local");
        assertThat(uri.isSsl()).isTrue();
        assertThat(uri.isVerifyPeer()).isTrue();
        assertThat(uri.getDatabase()).isEqualTo(2);
        assertThat(uri.getClientName()).isEqualTo("checkout");
        assertThat(uri.getTimeout()).isEqualTo(Duration.ofSeconds(3));
        // Lettuce 6.x resolves static credentials through ImmediateRedisCredentialsProvider, 7.x through a Mono.
        RedisCredentials credentials =
                uri.getCredentialsProvider().resolveCredentials().block();
        assertThat(credentials.getUsername()).isEqualTo("app");
        assertThat(credentials.getPassword()).isEqualTo("secret".toCharArray());
        // The bundle's trust material, for the handshake with whichever pod is master.
        assertThat(settings.clientConfiguration()
                        .getClientOptions()
                        .orElseThrow()
                        .getSslOptions())
                .isNotNull();
        assertThat(settings.clientConfiguration().isUseSsl()).isTrue();
        // Never printed.
        assertThat(uri.toString()).doesNotContain("secret");
    }

    @Test
    void anUrlWithRedissTurnsTlsOn() {
        DataRedisProperties properties = new DataRedisProperties();
        properties.setUrl("rediss://redis.example:6379");
        assertThat(settings(properties, details(null, null, 0, null), null)
                        .redisUri()
                        .isSsl())
                .isTrue();
    }

    @Test
    void withoutAServiceNameTheConfiguredHostNamesTheServer() {
        BootLettuceSettings settings = settings(new DataRedisProperties(), details(null, null, 0, null), null);
        assertThat(settings.redisUri().getHost()).isEqualTo("ignored-host");
        assertThat(settings.standalone().getHostName()).isEqualTo("ignored-host");
    }

    @Test
    void poolSettingsAreBoots() {
        DataRedisProperties properties = new DataRedisProperties();
        properties.getLettuce().getPool().setEnabled(true);
        properties.getLettuce().getPool().setMaxActive(16);
        properties.getLettuce().getPool().setMaxIdle(5);
        assertThat(settings(properties, details(null, null, 0, null), null).clientConfiguration())
                .isInstanceOfSatisfying(LettucePoolingClientConfiguration.class, pooling -> {
                    assertThat(pooling.getPoolConfig().getMaxTotal()).isEqualTo(16);
                    assertThat(pooling.getPoolConfig().getMaxIdle()).isEqualTo(5);
                });
        properties.getLettuce().getPool().setEnabled(false);
        assertThat(settings(properties, details(null, null, 0, null), null).clientConfiguration())
                .isNotInstanceOf(LettucePoolingClientConfiguration.class);
    }

    @Test
    void keepsMooringsKeepAliveWhenBootSetsAConnectTimeout() {
        DataRedisProperties properties = new DataRedisProperties();
        properties.setConnectTimeout(Duration.ofMillis(750));
        ClientOptions options = settings(properties, details(null, null, 0, null), null)
                .clientConfiguration()
                .getClientOptions()
                .orElseThrow();
        assertThat(options.getSocketOptions().getConnectTimeout()).isEqualTo(Duration.ofMillis(750));
        assertThat(options.getSocketOptions().isKeepAlive()).isTrue();
        assertThat(options.getSocketOptions().getKeepAlive().getIdle())
                .isEqualTo(MOORING_DEFAULTS.getSocketOptions().getKeepAlive().getIdle());
    }

    @Test
    void readFromIsRefused() {
        DataRedisProperties properties = new DataRedisProperties();
        properties.getLettuce().setReadFrom("replicaPreferred");
        assertThatExceptionOfType(MooringConfigurationConflictException.class)
                .isThrownBy(() -> settings(properties, details(null, null, 0, null), null))
                .satisfies(e -> assertThat(e.action()).contains("read-from"));
    }
}
