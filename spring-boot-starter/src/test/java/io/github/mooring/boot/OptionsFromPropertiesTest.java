package io.github.mooring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import io.github.mooring.MooringOptions;
import io.github.mooring.discovery.AutoSource;
import io.github.mooring.discovery.DnsSource;
import io.github.mooring.discovery.KubernetesSource;
import io.github.mooring.discovery.StaticSource;
import io.github.mooring.healer.DataAtRiskPolicy;
import io.github.mooring.healer.HealerMode;
import io.github.mooring.healer.HealerSettings;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Every invalid {@code mooring.*} value is refused with the property's name and what to set instead. */
class OptionsFromPropertiesTest {

    private static MooringOptions.Builder map(String... keyValues) {
        Map<String, String> values = new HashMap<>(Map.of("mooring.service", "redis"));
        for (int i = 0; i < keyValues.length; i += 2) {
            values.put(keyValues[i], keyValues[i + 1]);
        }
        MooringProperties properties =
                new Binder(new MapConfigurationPropertySource(values)).bindOrCreate("mooring", MooringProperties.class);
        return OptionsFromProperties.builder(properties, () -> null);
    }

    /**
     * Each property is refused with core's wording for its kind, naming the property where core names the builder
     * method ({@code probeInterval must be at least 10 ms} becomes {@code mooring.probe.interval must be at least
     * 10 ms}); a message about one entry of a list is kept as core words it.
     */
    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', textBlock = """
            mooring.service                | Redis_Main     | mooring.service          | mooring.service must be a DNS label (lowercase letters, digits and '-', at most 63 characters), was 'Redis_Main'
            mooring.service                | ' '            | mooring.service          | mooring.service must be set: the name of the Kubernetes Service
            mooring.namespace              | Shop           | mooring.namespace        | mooring.namespace must be a DNS label
            mooring.port                   | 70000          | mooring.port             | mooring.port must be 1..65535, was 70000
            mooring.port                   | Redis Port     | mooring.port             | mooring.port must be a port name (lowercase letters, digits and '-') or a number, was 'Redis Port'
            mooring.source                 | static         | mooring.static-nodes     | mooring.static-nodes must not be empty
            mooring.static-nodes           | host:notaport  | mooring.static-nodes     | static node port must be a number, was 'host:notaport'
            mooring.dns.interval           | 1ms            | mooring.dns.interval     | mooring.dns.interval must be at least 10 ms, was PT0.001S
            mooring.dns.query-timeout      | 0s             | mooring.dns.query-timeout | mooring.dns.query-timeout must be at least 1 ms, was PT0S
            mooring.dns.cluster-domain     | .local         | mooring.dns.cluster-domain | mooring.dns.cluster-domain must be a DNS domain such as cluster.local, was '.local'
            mooring.dns.name-servers       | 10.0.0.1:abc   | mooring.dns.name-servers | name server port must be a number, was '10.0.0.1:abc'
            mooring.dns.name-servers       | '[fd00::1'     | mooring.dns.name-servers | mooring.dns.name-servers must be host, host:port or [IPv6 address]:port, was '[fd00::1'
            mooring.probe.interval         | 5ms            | mooring.probe.interval   | mooring.probe.interval must be at least 10 ms, was PT0.005S
            mooring.probe.calm-interval    | 500ms          | mooring.probe.calm-interval | mooring.probe.calm-interval must be at least mooring.probe.interval (PT1S), was PT0.5S
            mooring.probe.calm-after       | -1s            | mooring.probe.calm-after | mooring.probe.calm-after must be zero or positive, was PT-1S
            mooring.probe.timeout          | 0s             | mooring.probe.timeout    | mooring.probe.timeout must be positive, was PT0S
            mooring.probe.connect-timeout  | -1s            | mooring.probe.connect-timeout | mooring.probe.connect-timeout must be positive, was PT-1S
            mooring.failover-wait          | -1s            | mooring.failover-wait    | mooring.failover-wait must be zero or positive, was PT-1S
            mooring.startup-wait           | -1s            | mooring.startup-wait     | mooring.startup-wait must be zero or positive, was PT-1S
            mooring.master-stall-timeout   | -1s            | mooring.master-stall-timeout | mooring.master-stall-timeout must be zero or positive, was PT-1S
            mooring.max-queued-commands    | 0              | mooring.max-queued-commands | mooring.max-queued-commands must be at least 1, was 0
            mooring.stale-replica-after    | -5s            | mooring.stale-replica-after | mooring.stale-replica-after must be zero or positive, was PT-5S
            mooring.retry.max-attempts     | 0              | mooring.retry.max-attempts | mooring.retry.max-attempts must be at least 1, was 0
            mooring.retry.initial-backoff  | 0ms            | mooring.retry.initial-backoff | mooring.retry.initial-backoff must be at least 1 ms, was PT0S
            mooring.retry.max-backoff      | 1ms            | mooring.retry.max-backoff | mooring.retry.max-backoff must be at least mooring.retry.initial-backoff (PT0.02S), was PT0.001S
            mooring.idempotent-commands    | 'SET key'      | mooring.idempotent-commands | mooring.idempotent-commands must be command names (no arguments), was 'SET key'
            mooring.healer.stable-for      | -1s            | mooring.healer.stable-for | mooring.healer.stable-for must be zero or positive, was PT-1S
            mooring.healer.min-action-interval | -1s        | mooring.healer.min-action-interval | mooring.healer.min-action-interval must be zero or positive, was PT-1S
            mooring.healer.lease-duration  | 1s             | mooring.healer.lease-duration | mooring.healer.lease-duration must be leaseDuration > renewDeadline > retryPeriod, was [PT1S, PT10S, PT2S]
            mooring.healer.lease-renew-deadline | -1s       | mooring.healer.lease-renew-deadline | mooring.healer.lease-renew-deadline must be zero or positive, was PT-1S
            mooring.healer.lease-retry-period | -1s         | mooring.healer.lease-retry-period | mooring.healer.lease-retry-period must be zero or positive, was PT-1S
            mooring.healer.data-at-risk-wait | -1s         | mooring.healer.data-at-risk-wait | mooring.healer.data-at-risk-wait must be zero or positive, was PT-1S
            mooring.sentinel.failover-hold | -1s            | mooring.sentinel.failover-hold | mooring.sentinel.failover-hold must be zero or positive, was PT-1S
            mooring.sentinel.username      | mooring        | mooring.sentinel.username | mooring.sentinel.username needs mooring.sentinel.password
            """)
    void refusesInvalidValues(String property, String value, String reported, String reason) {
        assertThatExceptionOfType(InvalidMooringPropertyException.class)
                .isThrownBy(() -> map(property, value).build())
                .satisfies(e -> {
                    assertThat(e.property()).isEqualTo(reported);
                    assertThat(e.reason()).startsWith(reason);
                    assertThat(e.action()).contains(reported);
                    FailureAnalysis analysis = new InvalidMooringPropertyFailureAnalyzer(null).analyze(e);
                    assertThat(analysis.getDescription())
                            .startsWith("Mooring cannot start: ")
                            .contains(reported);
                    assertThat(analysis.getAction()).isEqualTo(e.action());
                });
    }

    @Test
    void acceptsTheLimits() {
        MooringOptions options = map(
                        "mooring.failover-wait",
                        "0s",
                        "mooring.startup-wait",
                        "0s",
                        "mooring.master-stall-timeout",
                        "0s",
                        "mooring.max-queued-commands",
                        "1",
                        "mooring.probe.interval",
                        "10ms",
                        "mooring.probe.timeout",
                        "1ms",
                        "mooring.probe.connect-timeout",
                        "1ms",
                        "mooring.probe.calm-interval",
                        "10ms",
                        "mooring.probe.calm-after",
                        "0s",
                        "mooring.stale-replica-after",
                        "0s",
                        "mooring.dns.interval",
                        "10ms",
                        "mooring.dns.query-timeout",
                        "1ms",
                        "mooring.retry.max-attempts",
                        "1",
                        "mooring.retry.initial-backoff",
                        "1ms",
                        "mooring.retry.max-backoff",
                        "1ms",
                        "mooring.healer.stable-for",
                        "0s",
                        "mooring.healer.min-action-interval",
                        "0s",
                        "mooring.port",
                        "65535")
                .build();

        assertThat(options.failoverWait()).isZero();
        assertThat(options.startupWait()).isZero();
        assertThat(options.masterStallTimeout()).isZero();
        assertThat(options.maxQueuedCommands()).isEqualTo(1);
        assertThat(options.probeInterval()).hasMillis(10);
        assertThat(options.calmProbeInterval()).hasMillis(10);
        assertThat(options.calmAfter()).isZero();
        assertThat(options.staleReplicaAfter()).isZero();
        assertThat(options.retry().getMaxAttempts()).isEqualTo(1);
        assertThat(options.port().number()).isEqualTo(65535);
    }

    @Test
    void healerModeAndTimingAreMapped() {
        MooringOptions options = map(
                        "mooring.healer.mode",
                        "repair",
                        "mooring.healer.stable-for",
                        "2s",
                        "mooring.healer.lease-duration",
                        "30s")
                .build();
        assertThat(options.healer().mode()).isEqualTo(HealerMode.REPAIR);
        assertThat(options.healer().stableFor()).hasSeconds(2);
        assertThat(options.healer().leaseDuration()).hasSeconds(30);
        assertThat(map().build().healer().mode()).isEqualTo(HealerMode.REPORT);
        assertThat(map().build().healer().onDataAtRisk()).isEqualTo(DataAtRiskPolicy.FAIL_WRITES);
        HealerSettings policy = map(
                        "mooring.healer.on-data-at-risk",
                        "write-to-new-master",
                        "mooring.healer.data-at-risk-wait",
                        "5s")
                .build()
                .healer();
        assertThat(policy.onDataAtRisk()).isEqualTo(DataAtRiskPolicy.WRITE_TO_NEW_MASTER);
        assertThat(policy.dataAtRiskWait()).hasSeconds(5);
        assertThat(policy.withoutLease()).isFalse();
        assertThat(map("mooring.healer.without-lease", "true").build().healer().withoutLease())
                .isTrue();
    }

    @Test
    void sentinelHoldAndCredentialsAreMapped() {
        MooringOptions options = map(
                        "mooring.sentinel.failover-hold",
                        "2s",
                        "mooring.sentinel.username",
                        "watcher",
                        "mooring.sentinel.password",
                        "sentinel-secret-7a1c")
                .build();
        assertThat(options.sentinelFailoverHold()).hasSeconds(2);
        assertThat(options.sentinelCredentials()).hasValueSatisfying(credentials -> {
            assertThat(credentials.getUsername()).isEqualTo("watcher");
            assertThat(credentials.getPassword()).isEqualTo("sentinel-secret-7a1c".toCharArray());
        });
        // requirepass: a password alone.
        assertThat(map("mooring.sentinel.password", "pw").build().sentinelCredentials())
                .hasValueSatisfying(
                        credentials -> assertThat(credentials.hasUsername()).isFalse());
        // Unset, or left empty by an unset ${SENTINEL_PASSWORD:}: the Sentinels ask for none.
        assertThat(map().build().sentinelCredentials()).isEmpty();
        assertThat(map("mooring.sentinel.password", "").build().sentinelCredentials())
                .isEmpty();
        assertThat(map("mooring.sentinel.failover-hold", "0s").build().sentinelFailoverHold())
                .isZero();
    }

    @Test
    void aRefusedSentinelUserNeverShowsThePassword() {
        assertThatExceptionOfType(InvalidMooringPropertyException.class)
                .isThrownBy(() -> map("mooring.sentinel.username", " ", "mooring.sentinel.password", "secret-9f3e"))
                .satisfies(e -> {
                    assertThat(e.property()).isEqualTo("mooring.sentinel.username");
                    assertThat(e.reason()).startsWith("mooring.sentinel.username must not be blank");
                    FailureAnalysis analysis = new InvalidMooringPropertyFailureAnalyzer(null).analyze(e);
                    assertThat(e.getMessage() + analysis.getDescription() + analysis.getAction())
                            .doesNotContain("secret-9f3e");
                });
    }

    @Test
    void staticNodesContradictingAnotherSourceAreRefused() {
        assertThatExceptionOfType(InvalidMooringPropertyException.class)
                .isThrownBy(() -> map("mooring.source", "kubernetes", "mooring.static-nodes", "10.0.0.1:6379"))
                .satisfies(e -> assertThat(e.action()).contains("mooring.source=static"));
    }

    @Test
    void srvNeedsANamedPort() {
        assertThatExceptionOfType(InvalidMooringPropertyException.class)
                .isThrownBy(() -> map("mooring.source", "dns", "mooring.dns.srv", "true", "mooring.port", "6379"))
                .satisfies(e -> assertThat(e.property()).isEqualTo("mooring.dns.srv"));
    }

    @Test
    void mapsEachSource() {
        assertThat(map().build().source()).isInstanceOf(AutoSource.class);
        assertThat(map("mooring.source", "kubernetes").build().source()).isInstanceOf(KubernetesSource.class);
        assertThat(map("mooring.source", "dns", "mooring.dns.name-servers", "10.96.0.10,[fd00::10]:5353")
                        .build()
                        .source())
                .isInstanceOf(DnsSource.class);
        assertThat(map("mooring.static-nodes", "10.0.0.1:6379,10.0.0.2").build().source())
                .isInstanceOf(StaticSource.class);
    }
}
