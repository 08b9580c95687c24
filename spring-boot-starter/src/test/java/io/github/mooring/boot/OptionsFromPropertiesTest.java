package io.github.mooring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import io.github.mooring.MooringOptions;
import io.github.mooring.discovery.AutoSource;
import io.github.mooring.discovery.DnsSource;
import io.github.mooring.discovery.KubernetesSource;
import io.github.mooring.discovery.StaticSource;
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

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', textBlock = """
            mooring.service                | Redis_Main     | mooring.service          | not a valid DNS label
            mooring.service                | ' '            | mooring.service          | must name the Kubernetes Service
            mooring.namespace              | Shop           | mooring.namespace        | not a valid DNS label
            mooring.port                   | 70000          | mooring.port             | 1..65535
            mooring.port                   | Redis Port     | mooring.port             | not a valid port name
            mooring.source                 | static         | mooring.static-nodes     | at least one node
            mooring.static-nodes           | host:notaport  | mooring.static-nodes     | host:notaport
            mooring.dns.interval           | 1ms            | mooring.dns.interval     | at least 10 ms
            mooring.dns.query-timeout      | 0s             | mooring.dns.query-timeout | positive
            mooring.dns.cluster-domain     | .local         | mooring.dns.cluster-domain | not a DNS domain
            mooring.dns.name-servers       | 10.0.0.1:abc   | mooring.dns.name-servers | not a port number
            mooring.probe.interval         | 5ms            | mooring.probe.interval   | at least 10 ms
            mooring.probe.timeout          | 0s             | mooring.probe.timeout    | must be positive
            mooring.probe.connect-timeout  | -1s            | mooring.probe.connect-timeout | must be positive
            mooring.failover-wait          | -1s            | mooring.failover-wait    | zero or positive
            mooring.startup-wait           | -1s            | mooring.startup-wait     | cannot be negative
            mooring.max-queued-commands    | 0              | mooring.max-queued-commands | at least 1
            mooring.stale-replica-after    | -5s            | mooring.stale-replica-after | must not be negative
            mooring.retry.max-attempts     | 0              | mooring.retry.max-attempts | at least once
            mooring.retry.initial-backoff  | 0ms            | mooring.retry.initial-backoff | at least 1ms
            mooring.retry.max-backoff      | 1ms            | mooring.retry.max-backoff | shorter than
            mooring.idempotent-commands    | 'SET key'      | mooring.idempotent-commands | not a Redis command name
            mooring.healer.stable-for      | -1s            | mooring.healer.stable-for | zero or positive
            mooring.healer.lease-duration  | 1s             | mooring.healer.lease-duration | duration > renew deadline
            """)
    void refusesInvalidValues(String property, String value, String reported, String reason) {
        assertThatExceptionOfType(InvalidMooringPropertyException.class)
                .isThrownBy(() -> map(property, value).build())
                .satisfies(e -> {
                    assertThat(e.property()).isEqualTo(reported);
                    assertThat(e.reason()).contains(reason);
                    assertThat(e.action()).contains(reported);
                    FailureAnalysis analysis = new InvalidMooringPropertyFailureAnalyzer(null).analyze(e);
                    assertThat(analysis.getDescription())
                            .startsWith("Mooring cannot start: ")
                            .contains(reported);
                    assertThat(analysis.getAction()).isEqualTo(e.action());
                });
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
        assertThat(options.healer().mode()).isEqualTo(io.github.mooring.healer.HealerMode.REPAIR);
        assertThat(options.healer().stableFor()).hasSeconds(2);
        assertThat(options.healer().leaseDuration()).hasSeconds(30);
        assertThat(map().build().healer().mode()).isEqualTo(io.github.mooring.healer.HealerMode.REPORT);
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
