package io.github.mooring.boot.health;

import io.github.mooring.MooringClient;
import io.github.mooring.boot.MooringAutoConfiguration;
import io.github.mooring.boot.TopologyHistory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.data.redis.connection.RedisConnectionFactory;

/**
 * Auto-configuration of the {@code mooring} health contributor ({@link MooringHealthIndicator}), when Spring Boot's
 * health support is on the classpath, Mooring is active, and {@code management.health.mooring.enabled} is not
 * {@code false}. Spring Boot's own {@code redis} health contributor keeps working alongside (it pings through the
 * Mooring connection factory).
 */
@AutoConfiguration(after = MooringAutoConfiguration.class)
@ConditionalOnClass({HealthIndicator.class, ConditionalOnEnabledHealthIndicator.class, MooringClient.class})
@ConditionalOnBean({MooringClient.class, TopologyHistory.class})
@ConditionalOnEnabledHealthIndicator("mooring")
public final class MooringHealthContributorAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = {"mooringHealthIndicator", "mooringHealthContributor"})
    MooringHealthIndicator mooringHealthIndicator(MooringClient mooringClient, TopologyHistory history) {
        return new MooringHealthIndicator(mooringClient, history);
    }

    @Bean
    @ConditionalOnClass(name = "org.springframework.boot.data.redis.health.DataRedisHealthIndicator")
    @ConditionalOnEnabledHealthIndicator("redis")
    @ConditionalOnMissingBean(name = {"redisHealthIndicator", "redisHealthContributor"})
    MooringRedisHealthIndicator redisHealthContributor(
            MooringClient mooringClient, RedisConnectionFactory connectionFactory) {
        return new MooringRedisHealthIndicator(mooringClient, connectionFactory);
    }
}
