package io.github.mooring.boot.metrics;

import io.github.mooring.MooringClient;
import io.github.mooring.boot.MooringAutoConfiguration;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration of {@link MooringMetrics}, when Micrometer is on the classpath, Mooring is active, and the
 * application has a {@link MeterRegistry} bean (as Spring Boot's actuator provides). Runs after Boot's metrics
 * auto-configuration so that its registries are known.
 */
@AutoConfiguration(
        after = MooringAutoConfiguration.class,
        afterName = {
            "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
            "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration"
        })
@ConditionalOnClass({MeterRegistry.class, MooringClient.class})
@ConditionalOnBean(MooringClient.class)
@ConditionalOnSingleCandidate(MeterRegistry.class)
public final class MooringMetricsAutoConfiguration {

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    @Nullable
    MooringMetrics mooringMetrics(ObjectProvider<MooringClient> mooringClient, MeterRegistry meterRegistry) {
        // None for a Redis Cluster (whose mooringClient is a null bean): its client is Lettuce's, with Lettuce's
        // metrics.
        MooringClient client = mooringClient.getIfAvailable();
        return client == null ? null : new MooringMetrics(client, meterRegistry);
    }
}
