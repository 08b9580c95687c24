package io.github.mooring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mooring.MooringOptions;
import io.github.mooring.discovery.IpFamilyPreference;
import io.github.mooring.discovery.ServicePort;
import io.github.mooring.lettuce.FailoverRetry;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The properties' defaults are core's defaults, and every property is documented for IDEs. */
class MooringPropertiesTest {

    private static MooringProperties bind(Map<String, String> values) {
        return new Binder(new MapConfigurationPropertySource(values)).bindOrCreate("mooring", MooringProperties.class);
    }

    @Test
    void defaultsAreCoresDefaults() {
        MooringProperties properties = bind(Map.of("mooring.service", "redis"));
        MooringOptions core = MooringOptions.builder().service("redis").build();

        assertThat(properties.enabled()).isTrue();
        assertThat(ServicePort.parse(properties.port())).isEqualTo(ServicePort.DEFAULT);
        assertThat(properties.ipFamily()).isEqualTo(core.ipFamily());
        assertThat(properties.effectiveSource()).isEqualTo(MooringProperties.Source.AUTO);
        assertThat(properties.failoverWait()).isEqualTo(core.failoverWait());
        assertThat(properties.startupWait()).isNull();
        assertThat(properties.masterStallTimeout()).isNull(); // the failover wait, as in core
        assertThat(core.masterStallTimeout()).isEqualTo(core.failoverWait());
        assertThat(properties.maxQueuedCommands()).isEqualTo(core.maxQueuedCommands());
        assertThat(properties.staleReplicaAfter()).isEqualTo(core.staleReplicaAfter());
        assertThat(properties.probe().interval()).isEqualTo(core.probeInterval());
        assertThat(properties.probe().timeout()).isEqualTo(core.probeTimeout());
        assertThat(properties.probe().connectTimeout()).isEqualTo(core.probeConnectTimeout());
        assertThat(properties.probe().calmInterval()).as("null: core's default").isNull();
        assertThat(properties.probe().calmAfter()).isEqualTo(core.calmAfter());
        assertThat(properties.idempotentCommands()).isEmpty();
        assertThat(properties.sentinel().failoverHold()).isEqualTo(core.sentinelFailoverHold());
        assertThat(properties.healer().onDataAtRisk().name())
                .isEqualTo(core.healer().onDataAtRisk().name());
        assertThat(properties.healer().dataAtRiskWait()).isEqualTo(core.healer().dataAtRiskWait());
        assertThat(properties.sentinel().username()).isNull();
        assertThat(properties.sentinel().password()).isNull();

        var retry = FailoverRetry.defaultConfig();
        assertThat(properties.retry().enabled()).isTrue();
        assertThat(properties.retry().maxAttempts()).isEqualTo(retry.getMaxAttempts());
        assertThat(properties.retry().initialBackoff().toMillis())
                .isEqualTo(retry.getIntervalFunction().apply(1));
        assertThat(properties.retry().maxBackoff().toMillis())
                .isEqualTo(retry.getIntervalFunction().apply(30));

        assertThat(properties.dns().interval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(properties.dns().clusterDomain()).isEqualTo("cluster.local");
        assertThat(properties.dns().srv()).isFalse();
        assertThat(properties.dns().nameServers()).isEmpty();
    }

    @Test
    void theIpFamilyIsSpelledAsInTheDocumentation() {
        for (IpFamilyPreference family : IpFamilyPreference.values()) {
            MooringProperties properties =
                    bind(Map.of("mooring.service", "redis", "mooring.ip-family", family.propertyValue()));
            assertThat(properties.ipFamily()).isEqualTo(family);
            assertThat(OptionsFromProperties.builder(properties, () -> null)
                            .build()
                            .ipFamily())
                    .isEqualTo(family);
        }
    }

    @Test
    void printedPropertiesNeverShowTheSentinelPassword() {
        MooringProperties properties = bind(Map.of(
                "mooring.service", "redis",
                "mooring.sentinel.username", "watcher",
                "mooring.sentinel.password", "sentinel-secret-7a1c"));
        assertThat(properties.toString())
                .contains("username=watcher")
                .contains("password=******")
                .doesNotContain("sentinel-secret-7a1c");
    }

    @Test
    void staticNodesImplyTheStaticSourceUnlessAnotherIsChosen() {
        assertThat(bind(Map.of("mooring.static-nodes", "a:1,b:2")).effectiveSource())
                .isEqualTo(MooringProperties.Source.STATIC);
        assertThat(bind(Map.of("mooring.source", "dns")).effectiveSource()).isEqualTo(MooringProperties.Source.DNS);
        assertThat(bind(Map.of("mooring.static-nodes", "a:1,b:2")).staticNodes())
                .containsExactly("a:1", "b:2");
    }

    @Test
    void everyPropertyIsDocumentedInTheConfigurationMetadata() throws Exception {
        JsonNode metadata;
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(in)
                    .as("spring-configuration-metadata.json generated by the configuration processor")
                    .isNotNull();
            metadata = JsonMapper.builder().build().readTree(in);
        }
        List<JsonNode> properties = metadata.get("properties")
                .valueStream()
                .filter(p -> p.get("name").asString().startsWith("mooring."))
                .toList();
        assertThat(properties)
                .extracting(p -> p.get("name").asString())
                .contains(
                        "mooring.service",
                        "mooring.namespace",
                        "mooring.port",
                        "mooring.source",
                        "mooring.static-nodes",
                        "mooring.enabled",
                        "mooring.dns.name-servers",
                        "mooring.dns.interval",
                        "mooring.dns.srv",
                        "mooring.dns.cluster-domain",
                        "mooring.probe.interval",
                        "mooring.probe.timeout",
                        "mooring.probe.calm-interval",
                        "mooring.probe.calm-after",
                        "mooring.failover-wait",
                        "mooring.startup-wait",
                        "mooring.master-stall-timeout",
                        "mooring.max-queued-commands",
                        "mooring.retry.enabled",
                        "mooring.retry.max-attempts",
                        "mooring.retry.initial-backoff",
                        "mooring.retry.max-backoff",
                        "mooring.idempotent-commands",
                        "mooring.healer.mode",
                        "mooring.healer.stable-for",
                        "mooring.healer.lease-duration",
                        "mooring.healer.on-data-at-risk",
                        "mooring.healer.data-at-risk-wait",
                        "mooring.healer.without-lease",
                        "mooring.sentinel.failover-hold",
                        "mooring.sentinel.username",
                        "mooring.sentinel.password");
        assertThat(properties).allSatisfy(p -> {
            assertThat(p.has("description")).as(p.get("name").asString()).isTrue();
            String description = p.get("description").asString();
            assertThat(description)
                    .as(p.get("name").asString())
                    .matches("[A-Z].*\\.")
                    .doesNotContain("{@");
        });
        assertThat(properties)
                .filteredOn(p -> p.get("name").asString().equals("mooring.source"))
                .singleElement()
                .satisfies(p -> assertThat(p.get("defaultValue").asString()).isEqualTo("auto"));
    }
}
