package io.github.mooring.boot;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.resource.ClientResources;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.boot.data.redis.autoconfigure.DataRedisProperties;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientConfigurationBuilderCustomizer;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientOptionsBuilderCustomizer;
import org.springframework.core.env.Environment;
import org.springframework.data.redis.connection.RedisClusterConfiguration;
import org.springframework.data.redis.connection.RedisSentinelConfiguration;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.RedisStaticMasterReplicaConfiguration;
import org.springframework.util.StringUtils;

/**
 * {@code spring.data.redis.*} as Mooring's connections take it. Made once per context: it checks, once, that what
 * Spring Boot is told describes one Redis server or a Redis Cluster (whose addresses Mooring takes from the Service)
 * and the Lettuce client, not Sentinel, a list of cluster nodes, a static master/replica list or Jedis; and it
 * assembles Boot's Lettuce settings for the one set of options they are asked for, and the cluster settings that keep
 * their meaning ({@link ClusterSettings}).
 */
final class SpringDataRedis {

    private final DataRedisProperties properties;
    private final DataRedisConnectionDetails details;
    private final @Nullable RedisStandaloneConfiguration standalone;
    private final boolean namesHost;
    private final String clusterDomain;
    private final @Nullable ClientResources clientResources;
    private final List<LettuceClientOptionsBuilderCustomizer> clientOptionsCustomizers;
    private final List<LettuceClientConfigurationBuilderCustomizer> clientConfigurationCustomizers;
    private final ClusterSettings clusterSettings;

    private SpringDataRedis(
            DataRedisProperties properties,
            DataRedisConnectionDetails details,
            @Nullable RedisStandaloneConfiguration standalone,
            boolean namesHost,
            String clusterDomain,
            @Nullable ClientResources clientResources,
            List<LettuceClientOptionsBuilderCustomizer> optionsCustomizers,
            List<LettuceClientConfigurationBuilderCustomizer> configurationCustomizers,
            ClusterSettings clusterSettings) {
        this.properties = properties;
        this.details = details;
        this.standalone = standalone;
        this.namesHost = namesHost;
        this.clusterDomain = clusterDomain;
        this.clientResources = clientResources;
        this.clientOptionsCustomizers = optionsCustomizers;
        this.clientConfigurationCustomizers = configurationCustomizers;
        this.clusterSettings = clusterSettings;
    }

    /**
     * Takes Boot's properties, its connection details (which DataRedisAutoConfiguration defines) and the
     * application's Redis configuration beans, if any; {@code mooring} gives the Service named in a conflict and the
     * cluster domain.
     *
     * @throws MooringConfigurationConflictException when {@code spring.data.redis.*} contradicts Mooring
     */
    static SpringDataRedis of(
            MooringProperties mooring,
            DataRedisProperties properties,
            Environment environment,
            @Nullable DataRedisConnectionDetails details,
            @Nullable RedisStandaloneConfiguration standalone,
            @Nullable RedisSentinelConfiguration sentinel,
            @Nullable RedisClusterConfiguration cluster,
            @Nullable RedisStaticMasterReplicaConfiguration masterReplica,
            @Nullable ClientResources clientResources,
            Stream<LettuceClientOptionsBuilderCustomizer> optionsCustomizers,
            Stream<LettuceClientConfigurationBuilderCustomizer> configurationCustomizers) {
        if (details == null) {
            throw new IllegalStateException("Mooring reads spring.data.redis.* through Spring Boot's"
                    + " DataRedisConnectionDetails bean, which DataRedisAutoConfiguration defines, but there is"
                    + " none: do not exclude DataRedisAutoConfiguration (its own connection factory backs off"
                    + " when Mooring's is present), define a DataRedisConnectionDetails bean, or set"
                    + " mooring.enabled=false.");
        }
        requireOneServer(
                "mooring.service=" + mooring.service(),
                properties,
                Topology.of(properties, details, sentinel, cluster, masterReplica));
        ClusterSettings clusterSettings = ClusterSettings.of(properties, Binder.get(environment));
        if (Boolean.TRUE.equals(clusterSettings.dynamicRefreshSources())) {
            throw new MooringConfigurationConflictException(
                    "mooring.service=" + mooring.service() + " has Mooring take a Redis Cluster's refresh sources"
                            + " from the Service's endpoints, but"
                            + " spring.data.redis.lettuce.cluster.refresh.dynamic-refresh-sources=true asks Lettuce to"
                            + " refresh from the node addresses the cluster lists, which are stale after a pod is"
                            + " replaced with a new IP.",
                    "Remove spring.data.redis.lettuce.cluster.refresh.dynamic-refresh-sources, or set"
                            + " mooring.enabled=false to use Lettuce's cluster client without Mooring.");
        }
        // Boot's own details from spring.data.redis.* name a host only if one was set; the application's always do.
        boolean namesHost = environment.containsProperty("spring.data.redis.host")
                || StringUtils.hasText(properties.getUrl())
                || !isPropertyDetails(details);
        String domain = mooring.dns().clusterDomain();
        return new SpringDataRedis(
                properties,
                details,
                standalone,
                namesHost,
                domain.endsWith(".") ? domain.substring(0, domain.length() - 1) : domain,
                clientResources,
                optionsCustomizers.toList(),
                configurationCustomizers.toList(),
                clusterSettings);
    }

    /** The Redis Cluster settings of {@code spring.data.redis.*} that keep their meaning with Mooring. */
    ClusterSettings clusterSettings() {
        return clusterSettings;
    }

    /**
     * {@code spring.data.redis.cluster.max-redirects} and {@code spring.data.redis.lettuce.cluster.refresh.*}, each
     * null when not set (Mooring's defaults then apply: Lettuce's redirects, a periodic refresh every 30 s, every
     * adaptive trigger).
     *
     * @param configured whether any of them is set: the application says it talks to a Redis Cluster
     * @param maxRedirects {@code spring.data.redis.cluster.max-redirects}
     * @param refreshPeriod {@code spring.data.redis.lettuce.cluster.refresh.period}
     * @param adaptive {@code spring.data.redis.lettuce.cluster.refresh.adaptive}
     * @param dynamicRefreshSources {@code spring.data.redis.lettuce.cluster.refresh.dynamic-refresh-sources}
     */
    record ClusterSettings(
            boolean configured,
            @Nullable Integer maxRedirects,
            @Nullable Duration refreshPeriod,
            @Nullable Boolean adaptive,
            @Nullable Boolean dynamicRefreshSources) {

        private static final String REFRESH = "spring.data.redis.lettuce.cluster.refresh.";

        static ClusterSettings of(DataRedisProperties properties, Binder binder) {
            Integer maxRedirects =
                    properties.getCluster() != null ? properties.getCluster().getMaxRedirects() : null;
            Duration period = binder.bind(REFRESH + "period", Duration.class).orElse(null);
            Boolean adaptive = binder.bind(REFRESH + "adaptive", Boolean.class).orElse(null);
            Boolean dynamic = binder.bind(REFRESH + "dynamic-refresh-sources", Boolean.class)
                    .orElse(null);
            boolean configured =
                    properties.getCluster() != null || period != null || adaptive != null || dynamic != null;
            return new ClusterSettings(configured, maxRedirects, period, adaptive, dynamic);
        }
    }

    /**
     * Boot's Lettuce settings for connections to the Service's master: asked for once per context, since the
     * application's customizers are called here.
     *
     * The Service's cluster DNS name is the host connections present for TLS (as Service certificates name it),
     * unless the application names a host in {@code spring.data.redis.host}/{@code url}, a
     * {@link RedisStandaloneConfiguration} bean or connection details of its own.
     *
     * @param mooringClientOptions the client options Boot's settings refine
     */
    BootLettuceSettings lettuceSettings(ClientOptions mooringClientOptions, String service, String namespace) {
        String tlsHost = namesHost ? null : service + "." + namespace + ".svc." + clusterDomain;
        return BootLettuceSettings.of(
                properties,
                details,
                standalone,
                tlsHost,
                mooringClientOptions,
                clientResources,
                clientOptionsCustomizers.stream(),
                clientConfigurationCustomizers.stream());
    }

    /** Whether {@code details} are Boot's own, made from {@code spring.data.redis.*}. */
    private static boolean isPropertyDetails(DataRedisConnectionDetails details) {
        return details.getClass().getName().endsWith(".PropertiesDataRedisConnectionDetails");
    }

    /** The one conflict check: Jedis, or a topology other than one server. */
    private static void requireOneServer(String service, DataRedisProperties properties, @Nullable Described other) {
        if (properties.getClientType() == DataRedisProperties.ClientType.JEDIS) {
            throw new MooringConfigurationConflictException(
                    service + " asks for Mooring's connection factory, which"
                            + " is built on Lettuce, but spring.data.redis.client-type=jedis asks for Jedis.",
                    "Remove spring.data.redis.client-type (or set it to lettuce) to use Mooring, or set"
                            + " mooring.enabled=false to keep Jedis without Mooring.");
        }
        if (other != null) {
            throw new MooringConfigurationConflictException(
                    other.topology().why.formatted(service, other.source()),
                    other.topology().action.formatted(other.source()));
        }
    }

    /** A topology besides one server, and where the application describes it. */
    private record Described(Topology topology, String source) {}

    /** The topologies Spring Boot knows besides one server: each contradicts the master Mooring follows. */
    private enum Topology {
        SENTINEL(
                "spring.data.redis.sentinel.*",
                "a RedisSentinelConfiguration bean",
                "Sentinel",
                "%s and %s are two ways of finding the Redis master. Mooring follows the master of the Kubernetes"
                        + " Service by asking its pods their role; Spring Boot would ask Sentinel instead, and the two"
                        + " disagree exactly when it matters: Sentinel keeps the IP of a replaced master pod, while"
                        + " Mooring follows the pod.",
                "Remove %s to let Mooring follow the master (Sentinel may keep running: Mooring sees its promotions"
                        + " by asking the pods), or set mooring.enabled=false to connect through Sentinel with Spring"
                        + " Boot's own connection factory."),
        CLUSTER(
                "spring.data.redis.cluster.nodes",
                "a RedisClusterConfiguration bean with nodes",
                "Cluster nodes",
                "%s and %s both say where the Redis nodes are. Mooring finds a Redis Cluster's nodes through the"
                        + " Kubernetes Service and follows them as pods are replaced; a list of node addresses goes"
                        + " stale the first time a pod comes back with a new IP.",
                "Remove %s and let Mooring find the nodes (spring.data.redis.cluster.max-redirects and"
                        + " spring.data.redis.lettuce.cluster.refresh.period/adaptive keep their meaning), or set"
                        + " mooring.enabled=false to connect to the listed nodes without Mooring."),
        MASTER_REPLICA(
                "spring.data.redis.masterreplica.*",
                "a RedisStaticMasterReplicaConfiguration bean",
                "master/replica",
                "%s and %s are two ways of finding the Redis master. A static master/replica list is read once and"
                        + " never follows a pod that moves; Mooring discovers the pods and follows the master.",
                "Remove %s to let Mooring find the pods through the Service, or set mooring.enabled=false to keep"
                        + " the static list without Mooring.");

        private final String property;
        private final String bean;
        private final String kind;
        /** What conflicts, why: formatted with the Service and the source. */
        private final String why;
        /** The ways out: formatted with the source. */
        private final String action;

        Topology(String property, String bean, String kind, String why, String action) {
            this.property = property;
            this.bean = bean;
            this.kind = kind;
            this.why = why;
            this.action = action;
        }

        /**
         * The first topology besides one server that {@code spring.data.redis.*} describes, looked for as Spring Boot
         * looks (its properties, then a configuration bean, then the connection details), or null.
         */
        static @Nullable Described of(
                DataRedisProperties properties,
                DataRedisConnectionDetails details,
                @Nullable RedisSentinelConfiguration sentinel,
                @Nullable RedisClusterConfiguration cluster,
                @Nullable RedisStaticMasterReplicaConfiguration masterReplica) {
            Described found = SENTINEL.described(properties.getSentinel(), sentinel, details.getSentinel(), details);
            if (found == null) {
                // Cluster settings without nodes (max-redirects) keep their meaning: only a list of nodes conflicts.
                found = CLUSTER.described(
                        properties.getCluster() != null
                                        && properties.getCluster().getNodes() != null
                                        && !properties.getCluster().getNodes().isEmpty()
                                ? properties.getCluster()
                                : null,
                        cluster != null && !cluster.getClusterNodes().isEmpty() ? cluster : null,
                        nodesOfDetails(details),
                        details);
            }
            if (found == null) {
                found = MASTER_REPLICA.described(
                        properties.getMasterreplica(), masterReplica, details.getMasterReplica(), details);
            }
            return found;
        }

        /**
         * The cluster nodes of connection details other than Boot's own from {@code spring.data.redis.*} (those are
         * the properties, read above; and with {@code cluster.max-redirects} alone, Boot's would map absent nodes).
         */
        private static @Nullable Object nodesOfDetails(DataRedisConnectionDetails details) {
            if (isPropertyDetails(details)) {
                return null;
            }
            DataRedisConnectionDetails.Cluster cluster = details.getCluster();
            return cluster != null && !cluster.getNodes().isEmpty() ? cluster : null;
        }

        private @Nullable Described described(
                @Nullable Object inProperties,
                @Nullable Object asBean,
                @Nullable Object inDetails,
                DataRedisConnectionDetails details) {
            String source = inProperties != null
                    ? property
                    : asBean != null
                            ? bean
                            : inDetails != null
                                    ? "the DataRedisConnectionDetails bean ("
                                            + details.getClass().getName() + ") (" + kind + ")"
                                    : null;
            return source == null ? null : new Described(this, source);
        }
    }
}
