package io.github.mooring.boot;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.mooring.MooringClient;
import io.github.mooring.MooringOptions;
import io.github.mooring.cluster.MooringClusterClient;
import io.github.mooring.discovery.ServiceRef;
import io.lettuce.core.RedisClient;
import io.lettuce.core.resource.ClientResources;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.boot.data.redis.autoconfigure.DataRedisProperties;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientConfigurationBuilderCustomizer;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientOptionsBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.data.redis.connection.RedisClusterConfiguration;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.RedisSentinelConfiguration;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.RedisStaticMasterReplicaConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * Auto-configuration of a {@link MooringLettuceConnectionFactory}: the application's
 * Redis connections follow the live master of the Kubernetes Service named by {@code mooring.service}; or, when the
 * Service is a Redis Cluster, of a {@link MooringClusterConnectionFactory} whose cluster topology follows the
 * Service's endpoints. Which one is decided once, at start ({@code mooring.mode}, default {@code auto}: a
 * {@code spring.data.redis.cluster.*} setting, or else pods that report {@code cluster_enabled:1}, mean a cluster), so
 * that the same configuration serves both.
 * <p>
 * Applies when {@code mooring.service} is set, {@code mooring.enabled} is not {@code false}, and the application
 * defines no {@link RedisConnectionFactory} of its own; it runs before Spring Boot's
 * {@link DataRedisAutoConfiguration}, whose connection factory then backs off while its templates, repositories,
 * health indicator and Lettuce {@link ClientResources} apply as usual. {@code spring.data.redis.*} keeps its meaning
 * (credentials, database, client name, SSL bundle, timeouts, pool, shutdown, and the
 * {@link LettuceClientConfigurationBuilderCustomizer} / {@link LettuceClientOptionsBuilderCustomizer} /
 * {@code ClientResourcesBuilderCustomizer} beans) except for host and port, and for a cluster
 * {@code spring.data.redis.cluster.max-redirects} and {@code spring.data.redis.lettuce.cluster.refresh.period} and
 * {@code .adaptive}; Sentinel, a list of cluster nodes, dynamic refresh sources, static master/replica settings,
 * replica reads of a replication group and the Jedis client contradict Mooring and fail the start with an
 * explanation.
 * <p>
 * The {@link MooringClient} starts with the context and the start fails, with the topology problem spelled out, if
 * no master is found within {@code mooring.startup-wait} (for a cluster: if the cluster's nodes do not answer). On shutdown the connection factory closes its connections
 * first (after Boot's graceful shutdown of the web server), then the client stops discovery, probing and its threads,
 * and Boot's {@code ClientResources} go last.
 *
 * @see MooringProperties
 */
@AutoConfiguration(before = DataRedisAutoConfiguration.class)
@ConditionalOnClass({
    MooringClient.class,
    RedisClient.class,
    LettuceConnectionFactory.class,
    DataRedisConnectionDetails.class
})
@ConditionalOnBooleanProperty(name = "mooring.enabled", matchIfMissing = true)
@ConditionalOnProperty("mooring.service")
@ConditionalOnMissingBean(RedisConnectionFactory.class)
@EnableConfigurationProperties({MooringProperties.class, DataRedisProperties.class})
public final class MooringAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    TopologyHistory mooringTopologyHistory() {
        return new TopologyHistory();
    }

    /** {@code spring.data.redis.*} as Mooring takes it, checked once against Mooring. */
    @Bean
    SpringDataRedis mooringSpringDataRedis(
            MooringProperties mooring,
            DataRedisProperties redis,
            Environment environment,
            ObjectProvider<DataRedisConnectionDetails> connectionDetails,
            ObjectProvider<RedisStandaloneConfiguration> standaloneConfiguration,
            ObjectProvider<RedisSentinelConfiguration> sentinelConfiguration,
            ObjectProvider<RedisClusterConfiguration> clusterConfiguration,
            ObjectProvider<RedisStaticMasterReplicaConfiguration> masterReplicaConfiguration,
            ObjectProvider<ClientResources> clientResources,
            ObjectProvider<LettuceClientOptionsBuilderCustomizer> clientOptionsCustomizers,
            ObjectProvider<LettuceClientConfigurationBuilderCustomizer> clientConfigurationCustomizers) {
        return SpringDataRedis.of(
                mooring,
                redis,
                environment,
                connectionDetails.getIfAvailable(),
                standaloneConfiguration.getIfAvailable(),
                sentinelConfiguration.getIfAvailable(),
                clusterConfiguration.getIfAvailable(),
                masterReplicaConfiguration.getIfAvailable(),
                clientResources.getIfAvailable(),
                clientOptionsCustomizers.orderedStream(),
                clientConfigurationCustomizers.orderedStream());
    }

    /**
     * The {@code mooringClient}'s options, validated and built once ({@code mooring.*}, then
     * {@code spring.data.redis.*}, then the application's {@link MooringOptionsCustomizer}s), with the Lettuce client
     * configuration its connection factory gets. Absent when the application defines its own {@link MooringClient}.
     */
    @Bean
    @ConditionalOnMissingBean(MooringClient.class)
    ClientSettings mooringClientSettings(
            MooringProperties mooring,
            SpringDataRedis redis,
            ObjectProvider<KubernetesClient> kubernetesClient,
            ObjectProvider<MooringOptionsCustomizer> customizers) {
        MooringOptions.Builder builder = OptionsFromProperties.builder(mooring, kubernetesClient::getIfUnique);
        String namespace = mooring.namespace() != null ? mooring.namespace() : ServiceRef.currentNamespace();
        BootLettuceSettings boot =
                redis.lettuceSettings(MooringOptions.defaultClientOptions(), mooring.service(), namespace);
        builder.namespace(namespace).redisUri(boot.redisUri());
        boot.clientConfiguration().getClientOptions().ifPresent(builder::clientOptions);
        boot.clientConfiguration().getClientResources().ifPresent(builder::clientResources);
        customizers.orderedStream().forEach(customizer -> customizer.customize(builder));
        return new ClientSettings(builder.build(), boot.clientConfiguration());
    }

    /**
     * The client the connection factory stands on, started once: a {@link MooringClient} for a replication group, a
     * {@link MooringClusterClient} for a Redis Cluster ({@code mooring.mode}, {@code spring.data.redis.cluster.*}, or
     * else what the pods report: {@link ConnectionMode}). Absent when the application defines its own
     * {@link MooringClient}.
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean(MooringClient.class)
    MooringConnections mooringConnections(
            MooringProperties mooring,
            ClientSettings settings,
            SpringDataRedis redis,
            TopologyHistory history,
            ConfigurableListableBeanFactory beanFactory) {
        // Closed before the Lettuce resources and the Kubernetes client it uses (found through providers, which
        // record no dependency by themselves), so that discovery and probing stop while those still work.
        dependsOn(beanFactory, "mooringConnections", ClientResources.class, KubernetesClient.class);
        ConnectionMode mode =
                ConnectionMode.of(mooring.mode(), redis.clusterSettings().configured());
        return MooringConnections.start(mode, settings.options(), redis.clusterSettings(), history);
    }

    /**
     * The replication group's client; none (a null bean) for a Redis Cluster. Closed by {@code mooringConnections}.
     */
    @Bean(destroyMethod = "")
    @ConditionalOnMissingBean
    @Nullable
    MooringClient mooringClient(MooringConnections connections) {
        return connections.replication();
    }

    /** The Redis Cluster's client; none (a null bean) for a replication group. Closed by {@code mooringConnections}. */
    @Bean(destroyMethod = "")
    @ConditionalOnBean(MooringConnections.class)
    @ConditionalOnMissingBean
    @Nullable
    MooringClusterClient mooringClusterClient(MooringConnections connections) {
        return connections.cluster();
    }

    /**
     * {@link MooringLettuceConnectionFactory} on the {@link MooringClient}, or for a Redis Cluster a
     * {@link MooringClusterConnectionFactory} on the {@link MooringClusterClient}.
     */
    @Bean
    LettuceConnectionFactory redisConnectionFactory(
            ObjectProvider<MooringClient> mooringClient,
            ObjectProvider<MooringClusterClient> clusterClient,
            TopologyHistory history,
            ObjectProvider<ClientSettings> clientSettings,
            SpringDataRedis redis,
            ConfigurableListableBeanFactory beanFactory) {
        // Destroyed before the client it stands on (found through providers, which record no dependency).
        dependsOn(
                beanFactory,
                "redisConnectionFactory",
                ClientResources.class,
                MooringClient.class,
                MooringClusterClient.class,
                MooringConnections.class);
        ClientSettings ours = clientSettings.getIfAvailable();
        MooringClient replication = mooringClient.getIfAvailable();
        if (replication == null) {
            MooringClusterClient cluster = clusterClient.getObject();
            return new MooringClusterConnectionFactory(
                    cluster,
                    ours.options(),
                    ours.clientConfiguration(),
                    redis.clusterSettings().maxRedirects());
        }
        history.attach(replication); // done already, unless the application defined its own MooringClient
        MooringOptions options = replication.options();
        LettuceClientConfiguration configuration = ours != null
                ? ours.clientConfiguration()
                : redis.lettuceSettings(options.clientOptions(), options.service(), options.namespace())
                        .clientConfiguration();
        return new MooringLettuceConnectionFactory(replication, configuration);
    }

    private static void dependsOn(ConfigurableListableBeanFactory beanFactory, String dependent, Class<?>... types) {
        for (Class<?> type : types) {
            for (String name : beanFactory.getBeanNamesForType(type, true, false)) {
                beanFactory.registerDependentBean(name, dependent);
            }
        }
    }

    /**
     * The options of the auto-configured {@link MooringClient}, and the Lettuce client configuration of its
     * connection factory: Boot's settings, assembled once for both.
     */
    record ClientSettings(MooringOptions options, LettuceClientConfiguration clientConfiguration) {}
}
