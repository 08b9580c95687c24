package io.github.mooring.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Each source's settings are checked when they are built, not when discovery first runs. */
class SourceBuildersTest {

    private static final ServiceRef REDIS = ServiceRef.of("redis", "shop");

    // ------------------------------------------------------------------ dns

    @Test
    void dnsDefaults() {
        DnsSource dns = DnsSource.builder().build();

        assertThat(dns.interval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(dns.queryTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(dns.srv()).isFalse();
        assertThat(dns.hostnameFor(REDIS)).isEqualTo("redis.shop.svc.cluster.local.");
        assertThat(dns.srvNameFor(REDIS)).isEqualTo("_redis._tcp.redis.shop.svc.cluster.local.");
        assertThat(dns.portFor(REDIS)).isEqualTo(6379);
        assertThat(dns.portFor(new ServiceRef("redis", "shop", ServicePort.number(6380))))
                .isEqualTo(6380);
    }

    @Test
    void dnsClusterDomainAndHostname() {
        assertThat(DnsSource.builder().clusterDomain("corp.example.").build().hostnameFor(REDIS))
                .isEqualTo("redis.shop.svc.corp.example.");
        assertThat(DnsSource.builder().hostname("redis.example.com").build().hostnameFor(REDIS))
                .isEqualTo("redis.example.com");
    }

    @ParameterizedTest
    @ValueSource(longs = {-1000, -1, 0, 1, 9})
    void dnsIntervalMustBeAtLeastTenMilliseconds(long millis) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> DnsSource.builder().interval(Duration.ofMillis(millis)))
                .withMessage("interval must be at least 10 ms, was " + Duration.ofMillis(millis));
        assertThat(DnsSource.builder().interval(Duration.ofMillis(10)).build().interval())
                .isEqualTo(Duration.ofMillis(10));
    }

    @Test
    void dnsRejectsBadSettings() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> DnsSource.builder().interval(null))
                .withMessage("interval must not be null");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> DnsSource.builder().queryTimeout(Duration.ZERO))
                .withMessage("queryTimeout must be at least 1 ms, was PT0S");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> DnsSource.builder().queryTimeout(Duration.ofSeconds(-1)));
        assertThatIllegalArgumentException()
                .isThrownBy(() -> DnsSource.builder().queryTimeout(null));
        assertThatIllegalArgumentException()
                .isThrownBy(() -> DnsSource.builder().ndots(-1))
                .withMessage("ndots must be zero or positive, was -1");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> DnsSource.builder().defaultPort(0))
                .withMessage("defaultPort must be 1..65535, was 0");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> DnsSource.builder().defaultPort(-6379));
        assertThatIllegalArgumentException()
                .isThrownBy(() -> DnsSource.builder().defaultPort(65536));
        assertThatIllegalArgumentException()
                .isThrownBy(() -> DnsSource.builder().hostname(" "))
                .withMessage("hostname must not be blank");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> DnsSource.builder().hostname(null));
        for (String domain : new String[] {null, "", " "}) {
            assertThatIllegalArgumentException()
                    .isThrownBy(() -> DnsSource.builder().clusterDomain(domain))
                    .withMessageStartingWith("clusterDomain must not be ");
        }
        assertThatIllegalArgumentException()
                .isThrownBy(() -> DnsSource.builder().clusterDomain(".cluster.local"))
                .withMessage("clusterDomain must be a DNS domain such as cluster.local, was '.cluster.local'");
        assertThatNullPointerException()
                .isThrownBy(() -> DnsSource.builder().nameServers(new InetSocketAddress[] {null}))
                .withMessage("name server must not be null");
    }

    @Test
    void dnsSrvNeedsThePortByName() {
        DnsSource srv = DnsSource.builder().srv(true).build();
        ServiceRef byNumber = new ServiceRef("redis", "shop", ServicePort.number(6379));

        assertThatIllegalArgumentException()
                .isThrownBy(() -> srv.watch(byNumber, new Ignore()))
                .withMessageContaining("SRV lookup needs the port by name");
    }

    // ------------------------------------------------------------------ kubernetes

    @Test
    void kubernetesTakesAClientOrAConfigNotBoth() {
        Config config = new ConfigBuilder(Config.empty())
                .withMasterUrl("http://127.0.0.1:1")
                .build();
        try (KubernetesClient client =
                new KubernetesClientBuilder().withConfig(config).build()) {
            assertThatIllegalArgumentException()
                    .isThrownBy(() -> KubernetesSource.builder()
                            .client(client)
                            .config(config)
                            .build())
                    .withMessage("client and config must not both be set");
            assertThat(KubernetesSource.builder().client(client).build().client())
                    .isSameAs(client);
        }
        assertThat(KubernetesSource.builder().config(config).build().config()).isSameAs(config);
        assertThatNullPointerException()
                .isThrownBy(() -> KubernetesSource.builder().client(null));
        assertThatNullPointerException()
                .isThrownBy(() -> KubernetesSource.builder().config(null));
        assertThatNullPointerException()
                .isThrownBy(() -> AutoSource.of(null, DnsSource.builder().build()));
        assertThatNullPointerException()
                .isThrownBy(() -> AutoSource.of(KubernetesSource.builder().build(), null));
    }

    // ------------------------------------------------------------------ static

    @Test
    void staticNodesDefaultToTheRedisPort() {
        assertThat(StaticSource.of("redis-a", "10.0.0.1:6380", "[fd00::1]:6381", "[fd00::2]", "fd00::3"))
                .hasToString("StaticSource[redis-a:6379, 10.0.0.1:6380, fd00::1:6381, fd00::2:6379, fd00::3:6379]");
    }

    @Test
    void staticNeedsAtLeastOneNode() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> StaticSource.of(List.of()))
                .withMessage("static nodes must not be empty");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> StaticSource.of())
                .withMessage("static nodes must not be empty");
    }

    @ParameterizedTest
    @ValueSource(strings = {"redis:0", "redis:-1", "redis:65536", "redis:port", "redis:", "[fd00::1]:0"})
    void staticRejectsBadPorts(String node) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> StaticSource.of(node))
                .withMessageStartingWith("static node port must be ")
                .withMessageEndingWith(", was '" + node + "'");
    }

    @ParameterizedTest
    @ValueSource(strings = {":6379", "", "  ", "[fd00::1", "[]:6379"})
    void staticRejectsMissingHosts(String node) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> StaticSource.of(node))
                .withMessage("static node must be host, host:port or [IPv6 address]:port, was '" + node + "'");
    }

    @Test
    void staticRejectsNull() {
        assertThatNullPointerException().isThrownBy(() -> StaticSource.of((String) null));
    }

    private static final class Ignore implements EndpointListener {
        @Override
        public void onEndpoints(EndpointSnapshot snapshot) {}

        @Override
        public void onError(DiscoveryException error) {}
    }
}
