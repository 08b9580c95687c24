package io.github.mooring.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.mooring.testkit.Credentials;
import io.github.mooring.testkit.RedisPod;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;
import io.github.mooring.topology.NoMasterException;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import io.lettuce.core.SslVerifyMode;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Pods that speak only TLS, with a certificate for the Service's DNS names (not the pod IPs), as cert-manager
 * issues them. Mooring connects to pod IPs yet verifies the certificate against the Service's name, for the
 * application's connections, the probes and (in repair mode) the healer.
 */
@ExtendWith(SimulatedNamespaceExtension.class)
class TlsIT {

    @Test
    void followsTheMasterOverTlsWithFullHostnameVerification(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis")
                .tls(true)
                .credentials(Credentials.password("tls-secret"))
                .persistence(true)
                .start();
        RedisURI uri = RedisURI.builder()
                .withHost(redis.serviceDnsName())
                .withSsl(true)
                .withVerifyPeer(SslVerifyMode.FULL)
                .withPassword("tls-secret".toCharArray())
                .build();
        ClientOptions trustTheCa = ClientOptions.builder()
                .sslOptions(SslOptions.builder()
                        .trustManager(redis.caCertificate().toFile())
                        .build())
                .build();
        try (MooringFixture mooring =
                new MooringFixture(ns, redis, b -> b.redisUri(uri).clientOptions(trustTheCa))) {
            StatefulRedisConnection<String, String> connection = mooring.client.connect();
            assertThat(connection.sync().incr("tls")).isEqualTo(1L);

            redis.pod(0).replace(RedisPod.Deletion.KILL, Duration.ofSeconds(1));
            redis.pod(0).awaitReady(Duration.ofSeconds(30));
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(
                            () -> assertThat(connection.sync().incr("tls")).isEqualTo(2L));
            assertThat(mooring.client
                            .topology()
                            .master()
                            .orElseThrow()
                            .endpoint()
                            .host())
                    .isEqualTo(redis.pod(0).ip());
        }
    }

    @Test
    void aCertificateThatDoesNotNameTheHostIsRefused(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").tls(true).start();
        RedisURI wrongName = RedisURI.builder()
                .withHost("not-redis.example.org")
                .withSsl(true)
                .withVerifyPeer(SslVerifyMode.FULL)
                .build();
        ClientOptions trustTheCa = ClientOptions.builder()
                .sslOptions(SslOptions.builder()
                        .trustManager(redis.caCertificate().toFile())
                        .build())
                .build();
        try (MooringFixture mooring = new MooringFixture(
                ns, redis, b -> b.redisUri(wrongName).clientOptions(trustTheCa).startupWait(Duration.ofSeconds(3)))) {
            // Verification is not weakened to make pod IPs work: the probes fail, and say so.
            assertThatThrownBy(() -> mooring.client.connect())
                    .isInstanceOf(NoMasterException.class)
                    .hasMessageContaining("redis-0");
        }
    }
}
