package io.github.mooring.boot.actuate;

import io.github.mooring.MooringClient;
import io.github.mooring.boot.MooringAutoConfiguration;
import io.github.mooring.boot.MooringClusterConnectionFactory;
import io.github.mooring.boot.TopologyHistory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.data.redis.connection.RedisConnectionFactory;

/**
 * Auto-configuration of the {@code mooring} actuator endpoint ({@link MooringEndpoint}), when the actuator is on the
 * classpath, Mooring is active, and the endpoint is available (exposed, e.g. with
 * {@code management.endpoints.web.exposure.include=health,mooring}, and not turned off).
 */
@AutoConfiguration(after = MooringAutoConfiguration.class)
@ConditionalOnClass({Endpoint.class, ConditionalOnAvailableEndpoint.class, MooringClient.class})
@ConditionalOnBean(TopologyHistory.class) // Mooring's auto-configuration is active
@ConditionalOnAvailableEndpoint(MooringEndpoint.class)
public final class MooringEndpointAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    MooringEndpoint mooringEndpoint(
            ObjectProvider<MooringClient> mooringClient,
            RedisConnectionFactory connectionFactory,
            TopologyHistory history) {
        MooringClient client = mooringClient.getIfAvailable();
        return client != null
                ? new MooringEndpoint(client, history)
                : new MooringEndpoint((MooringClusterConnectionFactory) connectionFactory);
    }
}
