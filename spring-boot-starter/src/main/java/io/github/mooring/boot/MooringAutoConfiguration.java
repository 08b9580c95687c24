package io.github.mooring.boot;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.mooring.MooringClient;
import io.github.mooring.MooringOptions;
import io.github.mooring.topology.Topology;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.resource.ClientResources;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
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
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.util.StringUtils;

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

    private final MooringProperties mooring;

    private final DataRedisProperties redis;

    private final Environment environment;

    private final ConfigurableListableBeanFactory beanFactory;

    private final ObjectProvider<DataRedisConnectionDetails> connectionDetails;

    private final ObjectProvider<RedisStandaloneConfiguration> standaloneConfiguration;

    private final ObjectProvider<RedisSentinelConfiguration> sentinelConfiguration;

    private final ObjectProvider<RedisClusterConfiguration> clusterConfiguration;

    private final ObjectProvider<RedisStaticMasterReplicaConfiguration> masterReplicaConfiguration;

    private final ObjectProvider<ClientResources> clientResources;

    private final ObjectProvider<LettuceClientOptionsBuilderCustomizer> clientOptionsCustomizers;

    private final ObjectProvider<LettuceClientConfigurationBuilderCustomizer> clientConfigurationCustomizers;

    private @Nullable BootLettuceSettings settings;

    MooringAutoConfiguration(
            MooringProperties mooring,
            DataRedisProperties redis,
            Environment environment,
            ConfigurableListableBeanFactory beanFactory,
            ObjectProvider<DataRedisConnectionDetails> connectionDetails,
            ObjectProvider<RedisStandaloneConfiguration> standaloneConfiguration,
            ObjectProvider<RedisSentinelConfiguration> sentinelConfiguration,
            ObjectProvider<RedisClusterConfiguration> clusterConfiguration,
            ObjectProvider<RedisStaticMasterReplicaConfiguration> masterReplicaConfiguration,
            ObjectProvider<ClientResources> clientResources,
            ObjectProvider<LettuceClientOptionsBuilderCustomizer> clientOptionsCustomizers,
            ObjectProvider<LettuceClientConfigurationBuilderCustomizer> clientConfigurationCustomizers) {
        this.mooring = mooring;
        this.redis = redis;
        this.environment = environment;
        this.beanFactory = beanFactory;
        this.connectionDetails = connectionDetails;
        this.standaloneConfiguration = standaloneConfiguration;
        this.sentinelConfiguration = sentinelConfiguration;
        this.clusterConfiguration = clusterConfiguration;
        this.masterReplicaConfiguration = masterReplicaConfiguration;
        this.clientResources = clientResources;
        this.clientOptionsCustomizers = clientOptionsCustomizers;
        this.clientConfigurationCustomizers = clientConfigurationCustomizers;
    }

    @Bean
    @ConditionalOnMissingBean
    TopologyHistory mooringTopologyHistory() {
        return new TopologyHistory();
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    MooringClient mooringClient(
            TopologyHistory history,
            ObjectProvider<KubernetesClient> kubernetesClient,
            ObjectProvider<MooringOptionsCustomizer> customizers) {
        MooringOptions.Builder builder = OptionsFromProperties.builder(mooring, kubernetesClient::getIfUnique);
        MooringOptions defaults = builder.build();
        BootLettuceSettings settings = settings(defaults.clientOptions(), tlsHost(defaults));
        builder.redisUri(settings.redisUri());
        settings.clientConfiguration().getClientOptions().ifPresent(builder::clientOptions);
        settings.clientConfiguration().getClientResources().ifPresent(builder::clientResources);
        customizers.orderedStream().forEach(customizer -> customizer.customize(builder));
        MooringOptions options = builder.build();
        // Closed before the Lettuce resources and the Kubernetes client it uses (found through providers, which
        // record no dependency by themselves), so that discovery and probing stop while those still work.
        dependsOn("mooringClient", ClientResources.class, KubernetesClient.class);

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
    MooringLettuceConnectionFactory redisConnectionFactory(MooringClient mooringClient, TopologyHistory history) {
        history.attach(mooringClient); // done already, unless the application defined its own MooringClient
        BootLettuceSettings settings =
                settings(mooringClient.options().clientOptions(), tlsHost(mooringClient.options()));
        dependsOn("redisConnectionFactory", ClientResources.class);
        return new MooringLettuceConnectionFactory(mooringClient, settings.clientConfiguration());
    }

    private void dependsOn(String dependent, Class<?>... types) {
        for (Class<?> type : types) {
            for (String name : beanFactory.getBeanNamesForType(type, true, false)) {
                beanFactory.registerDependentBean(name, dependent);
            }
        }
    }

    /** Boot's connection settings, assembled once (customizers are called once) for both beans. */
    private synchronized BootLettuceSettings settings(ClientOptions mooringClientOptions, @Nullable String tlsHost) {
        if (settings == null) {
            DataRedisConnectionDetails details = connectionDetails.getIfAvailable();
            if (details == null) {
                throw new IllegalStateException("Mooring reads spring.data.redis.* through Spring Boot's"
                        + " DataRedisConnectionDetails bean, which DataRedisAutoConfiguration defines, but there is"
                        + " none: do not exclude DataRedisAutoConfiguration (its own connection factory backs off"
                        + " when Mooring's is present), define a DataRedisConnectionDetails bean, or set"
                        + " mooring.enabled=false.");
            }
            checkConflicts(details);
            settings = BootLettuceSettings.of(
                    redis,
                    details,
                    standaloneConfiguration.getIfAvailable(),
                    tlsHost,
                    mooringClientOptions,
                    clientResources.getIfAvailable(),
                    clientOptionsCustomizers.orderedStream(),
                    clientConfigurationCustomizers.orderedStream());
        }
        return settings;
    }

    /**
     * The host name connections present for TLS: the Service's cluster DNS name, as Service certificates name it,
     * unless the application names a host in {@code spring.data.redis.host}/{@code url}, a
     * {@link RedisStandaloneConfiguration} bean or connection details of its own.
     */
    private @Nullable String tlsHost(MooringOptions options) {
        DataRedisConnectionDetails details = connectionDetails.getIfAvailable();
        boolean propertyDetails =
                details == null || details.getClass().getName().endsWith(".PropertiesDataRedisConnectionDetails");
        if (environment.containsProperty("spring.data.redis.host")
                || StringUtils.hasText(redis.getUrl())
                || !propertyDetails) {
            return null;
        }
        return options.service() + "." + options.namespace() + ".svc." + clusterDomain();
    }

    private String clusterDomain() {
        String domain = mooring.dns().clusterDomain();
        return domain.endsWith(".") ? domain.substring(0, domain.length() - 1) : domain;
    }

    // ---------------------------------------------------------------- conflicts

    private void checkConflicts(DataRedisConnectionDetails details) {
        String service = "mooring.service=" + mooring.service();
        if (redis.getClientType() == DataRedisProperties.ClientType.JEDIS) {
            throw new MooringConfigurationConflictException(
                    service + " asks for Mooring's connection factory, which"
                            + " is built on Lettuce, but spring.data.redis.client-type=jedis asks for Jedis.",
                    "Remove spring.data.redis.client-type (or set it to lettuce) to use Mooring, or set"
                            + " mooring.enabled=false to keep Jedis without Mooring.");
        }
        String sentinel = redis.getSentinel() != null
                ? "spring.data.redis.sentinel.*"
                : sentinelConfiguration.getIfAvailable() != null
                        ? "a RedisSentinelConfiguration bean"
                        : details.getSentinel() != null ? describe(details) + " (Sentinel)" : null;
        if (sentinel != null) {
            throw new MooringConfigurationConflictException(
                    service + " and " + sentinel + " are two ways of finding"
                            + " the Redis master. Mooring follows the master of the Kubernetes Service by asking its pods"
                            + " their role; Spring Boot would ask Sentinel instead, and the two disagree exactly when it"
                            + " matters: Sentinel keeps the IP of a replaced master pod, while Mooring follows the pod.",
                    "Remove " + sentinel + " to let Mooring follow the master (Sentinel may keep running: Mooring"
                            + " sees its promotions by asking the pods), or set mooring.enabled=false to connect"
                            + " through Sentinel with Spring Boot's own connection factory.");
        }
        String cluster = redis.getCluster() != null
                ? "spring.data.redis.cluster.*"
                : clusterConfiguration.getIfAvailable() != null
                        ? "a RedisClusterConfiguration bean"
                        : details.getCluster() != null ? describe(details) + " (Cluster)" : null;
        if (cluster != null) {
            throw new MooringConfigurationConflictException(
                    service + " and " + cluster + " cannot both apply."
                            + " Mooring follows the one master of a replicated Redis (a master with replicas behind a"
                            + " Service); Redis Cluster shards data over several masters and has its own topology protocol,"
                            + " which Lettuce's cluster client follows by itself.",
                    "Remove " + cluster + " if the Service's pods are one master with replicas, or set"
                            + " mooring.enabled=false (or remove mooring.service) for Redis Cluster.");
        }
        String masterReplica = redis.getMasterreplica() != null
                ? "spring.data.redis.masterreplica.*"
                : masterReplicaConfiguration.getIfAvailable() != null
                        ? "a RedisStaticMasterReplicaConfiguration bean"
                        : details.getMasterReplica() != null ? describe(details) + " (master/replica)" : null;
        if (masterReplica != null) {
            throw new MooringConfigurationConflictException(
                    service + " and " + masterReplica + " are two ways of"
                            + " finding the Redis master. A static master/replica list is read once and never follows a pod"
                            + " that moves; Mooring discovers the pods and follows the master.",
                    "Remove " + masterReplica + " to let Mooring find the pods through the Service, or set"
                            + " mooring.enabled=false to keep the static list without Mooring.");
        }
    }

    private static String describe(DataRedisConnectionDetails details) {
        return "the DataRedisConnectionDetails bean (" + details.getClass().getName() + ")";
    }
}
