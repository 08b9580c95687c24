package io.github.mooring.boot;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.mooring.MooringClient;
import io.github.mooring.MooringOptions;
import io.github.mooring.discovery.ServiceRef;
import io.github.mooring.topology.Topology;
import io.lettuce.core.RedisClient;
import io.lettuce.core.resource.ClientResources;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
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
 * Redis connections follow the live master of the Kubernetes Service named by {@code mooring.service}.
 * <p>
 * Applies when {@code mooring.service} is set, {@code mooring.enabled} is not {@code false}, and the application
 * defines no {@link RedisConnectionFactory} of its own; it runs before Spring Boot's
 * {@link DataRedisAutoConfiguration}, whose connection factory then backs off while its templates, repositories,
 * health indicator and Lettuce {@link ClientResources} apply as usual. {@code spring.data.redis.*} keeps its meaning
 * (credentials, database, client name, SSL bundle, timeouts, pool, shutdown, and the
 * {@link LettuceClientConfigurationBuilderCustomizer} / {@link LettuceClientOptionsBuilderCustomizer} /
 * {@code ClientResourcesBuilderCustomizer} beans) except for host and port; Sentinel, Cluster, static master/replica
 * settings, replica reads and the Jedis client contradict Mooring and fail the start with an explanation.
 * <p>
 * The {@link MooringClient} starts with the context and the start fails, with the topology problem spelled out, if
 * no master is found within {@code mooring.startup-wait}. On shutdown the connection factory closes its connections
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

    private static final Log logger = LogFactory.getLog(MooringAutoConfiguration.class);

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

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    MooringClient mooringClient(
            ClientSettings settings, TopologyHistory history, ConfigurableListableBeanFactory beanFactory) {
        // Closed before the Lettuce resources and the Kubernetes client it uses (found through providers, which
        // record no dependency by themselves), so that discovery and probing stop while those still work.
        dependsOn(beanFactory, "mooringClient", ClientResources.class, KubernetesClient.class);
        MooringOptions options = settings.options();
        MooringClient client = MooringClient.create(options);
        try {
            history.attach(client);
            Topology topology = client.awaitMaster(options.startupWait());
            logger.info("Mooring follows " + options.serviceRef() + " (" + options.port() + ", source "
                    + options.source().name() + "): " + topology);
            return client;
        } catch (RuntimeException | Error e) {
            client.close();
            throw e;
        }
    }

    @Bean
    MooringLettuceConnectionFactory redisConnectionFactory(
            MooringClient mooringClient,
            TopologyHistory history,
            ObjectProvider<ClientSettings> clientSettings,
            SpringDataRedis redis,
            ConfigurableListableBeanFactory beanFactory) {
        history.attach(mooringClient); // done already, unless the application defined its own MooringClient
        ClientSettings ours = clientSettings.getIfAvailable();
        MooringOptions options = mooringClient.options();
        LettuceClientConfiguration configuration = ours != null
                ? ours.clientConfiguration()
                : redis.lettuceSettings(options.clientOptions(), options.service(), options.namespace())
                        .clientConfiguration();
        dependsOn(beanFactory, "redisConnectionFactory", ClientResources.class);
        return new MooringLettuceConnectionFactory(mooringClient, configuration);
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
