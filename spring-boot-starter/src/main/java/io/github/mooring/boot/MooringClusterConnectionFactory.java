package io.github.mooring.boot;

import io.github.mooring.MooringOptions;
import io.github.mooring.cluster.MooringClusterClient;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisURI;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.springframework.data.redis.connection.RedisClusterConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * A Spring Data Redis {@link LettuceConnectionFactory} for a Redis Cluster behind a Kubernetes Service: a cluster
 * connection factory ({@code RedisTemplate}, the reactive templates, repositories and {@code RedisClusterConnection}
 * work as on any cluster) whose Lettuce client is a {@link MooringClusterClient}, so that its topology follows the
 * Service's endpoints instead of node IPs that went stale when a pod was replaced.
 * <p>
 * Its {@link RedisClusterConfiguration} names the Service's address as the one node, and mirrors the
 * {@link MooringOptions#redisUri()}'s static credentials and the maximum redirects, so that the factory reports what
 * connections use; connections get their nodes from the client, never from that configuration.
 * <p>
 * Lifecycle: {@link #stop()} (and {@link #destroy()}) closes the connections and shuts the cluster client down, which
 * stops following the Service. The factory cannot be started again once stopped.
 */
public class MooringClusterConnectionFactory extends LettuceConnectionFactory {

    private final MooringClusterClient client;
    private final MooringOptions options;
    private final String service;
    private final AtomicBoolean clientCreated = new AtomicBoolean();

    /**
     * A factory on {@code client}.
     *
     * @param client the cluster client, with the cluster client options it should use already set
     * @param options the options {@code client} was created with (its Service and {@code RedisURI})
     * @param clientConfiguration pool, timeouts, shutdown and read-from, as for any {@code LettuceConnectionFactory};
     *        its client options are not applied here (set them on {@code client})
     * @param maxRedirects the maximum redirects the client follows, reported by {@link #getClusterConfiguration()};
     *        null for Lettuce's default
     */
    public MooringClusterConnectionFactory(
            MooringClusterClient client,
            MooringOptions options,
            LettuceClientConfiguration clientConfiguration,
            @Nullable Integer maxRedirects) {
        super(
                clusterOf(Objects.requireNonNull(options, "options").redisUri(), maxRedirects),
                Objects.requireNonNull(clientConfiguration, "clientConfiguration"));
        this.client = Objects.requireNonNull(client, "client");
        this.options = options;
        this.service = options.serviceRef().toString();
    }

    /** The options the cluster client was created with: the Service, namespace and discovery it follows. */
    public MooringOptions getMooringOptions() {
        return options;
    }

    /** The cluster client whose topology this factory's connections follow (its partitions: shards, nodes). */
    public MooringClusterClient getMooringClusterClient() {
        return client;
    }

    /**
     * Returns the {@link MooringClusterClient}.
     *
     * @throws IllegalStateException when the factory is started again after a stop: its client was shut down
     */
    @Override
    protected AbstractRedisClient createClient() {
        if (!clientCreated.compareAndSet(false, true)) {
            throw new IllegalStateException("This MooringClusterConnectionFactory for " + service
                    + " was stopped, which shut its cluster client down; it cannot be started again. Create a new"
                    + " factory (and MooringClusterClient), e.g. by refreshing a new application context.");
        }
        return client;
    }

    private static RedisClusterConfiguration clusterOf(RedisURI uri, @Nullable Integer maxRedirects) {
        RedisClusterConfiguration cluster = new RedisClusterConfiguration(List.of(uri.getHost() + ":" + uri.getPort()));
        if (maxRedirects != null) {
            cluster.setMaxRedirects(maxRedirects);
        }
        MooringLettuceConnectionFactory.mirrorCredentials(uri, cluster);
        return cluster;
    }

    @Override
    public String toString() {
        return "MooringClusterConnectionFactory[" + service + "]";
    }
}
