package io.github.mooring.boot.health;

import io.github.mooring.MooringClient;
import io.github.mooring.boot.MooringAutoConfiguration;
import io.github.mooring.boot.MooringClusterConnectionFactory;
import io.github.mooring.boot.TopologyHistory;
import io.github.mooring.cluster.MooringClusterClient;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.data.redis.connection.RedisConnectionFactory;

/**
 * Auto-configuration of the {@code mooring} health contributor ({@link MooringHealthIndicator}, or for a Redis Cluster
 * {@link MooringClusterHealthIndicator}), when Spring Boot's
 * health support is on the classpath, Mooring is active, and {@code management.health.mooring.enabled} is not
 * {@code false}. Spring Boot's own {@code redis} health contributor keeps working alongside (it pings through the
 * Mooring connection factory).
 */
@AutoConfiguration(after = MooringAutoConfiguration.class)
@ConditionalOnClass({HealthIndicator.class, ConditionalOnEnabledHealthIndicator.class, MooringClient.class})
@ConditionalOnBean(TopologyHistory.class) // Mooring's auto-configuration is active
@ConditionalOnEnabledHealthIndicator("mooring")
public final class MooringHealthContributorAutoConfiguration {

    /** {@link MooringHealthIndicator}, or {@link MooringClusterHealthIndicator} for a Redis Cluster. */
    @Bean
    @ConditionalOnMissingBean(name = {"mooringHealthIndicator", "mooringHealthContributor"})
    HealthIndicator mooringHealthIndicator(
            ObjectProvider<MooringClient> mooringClient,
            ObjectProvider<MooringClusterClient> clusterClient,
            RedisConnectionFactory connectionFactory,
            TopologyHistory history) {
        MooringClient client = mooringClient.getIfAvailable();
        if (client != null) {
            return new MooringHealthIndicator(client, history);
        }
        MooringClusterConnectionFactory cluster = (MooringClusterConnectionFactory) connectionFactory;
        return new MooringClusterHealthIndicator(
                clusterClient.getObject(),
                cluster.getMooringOptions().service(),
                cluster.getMooringOptions().namespace());
    }

    /**
     * {@link MooringRedisHealthIndicator}; for a Redis Cluster, Boot's own check (a cluster has no single master to
     * wait for, and its {@code CLUSTER INFO} answers during a shard's failover).
     */
    @Bean
    @ConditionalOnClass(name = "org.springframework.boot.data.redis.health.DataRedisHealthIndicator")
    @ConditionalOnEnabledHealthIndicator("redis")
    @ConditionalOnMissingBean(name = {"redisHealthIndicator", "redisHealthContributor"})
    HealthIndicator redisHealthContributor(
            ObjectProvider<MooringClient> mooringClient, RedisConnectionFactory connectionFactory) {
        MooringClient client = mooringClient.getIfAvailable();
        return client != null
                ? new MooringRedisHealthIndicator(client, connectionFactory)
                : MooringRedisHealthIndicator.bootCheck(connectionFactory);
    }
}
