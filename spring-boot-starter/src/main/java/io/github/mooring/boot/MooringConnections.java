package io.github.mooring.boot;

import io.github.mooring.MooringClient;
import io.github.mooring.MooringOptions;
import io.github.mooring.cluster.MooringClusterClient;
import io.github.mooring.topology.ClusterServiceException;
import io.github.mooring.topology.Topology;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.models.partitions.Partitions;
import java.time.Duration;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * The client the auto-configured connection factory stands on, started once with the context: a {@link MooringClient}
 * for a replication group or a {@link MooringClusterClient} for a Redis Cluster, as {@link ConnectionMode} decided or,
 * when it left it to the pods, as they answered. Closing it closes that client.
 */
final class MooringConnections implements AutoCloseable {

    private static final Log logger = LogFactory.getLog(MooringAutoConfiguration.class);

    /** A periodic refresh as a safety net beside the endpoints, as {@link MooringClusterClient#create} sets it. */
    static final Duration DEFAULT_REFRESH_PERIOD = Duration.ofSeconds(30);

    private final @Nullable MooringClient replication;
    private final @Nullable MooringClusterClient cluster;

    private MooringConnections(@Nullable MooringClient replication, @Nullable MooringClusterClient cluster) {
        this.replication = replication;
        this.cluster = cluster;
    }

    /**
     * Starts the client for {@code mode}: waits up to the startup wait for a master (replication, detect) or for the
     * cluster's slots (cluster). Detecting, a Service whose pods report {@code cluster_enabled:1} ends the wait for a
     * master at once, and the cluster client starts instead.
     *
     * @throws io.github.mooring.topology.NoMasterException as {@link MooringClient#awaitMaster} (a
     *         {@link ClusterServiceException} when {@code mooring.mode=replication} names a cluster)
     */
    static MooringConnections start(
            ConnectionMode mode,
            MooringOptions options,
            SpringDataRedis.ClusterSettings clusterSettings,
            TopologyHistory history) {
        if (mode == ConnectionMode.CLUSTER) {
            return new MooringConnections(null, startCluster(options, clusterSettings));
        }
        MooringClient client = MooringClient.create(options);
        try {
            history.attach(client);
            Topology topology = client.awaitMaster(options.startupWait());
            logger.info("Mooring follows " + options.serviceRef() + " (" + options.port() + ", source "
                    + options.source().name() + "): " + topology);
            return new MooringConnections(client, null);
        } catch (ClusterServiceException e) {
            client.close();
            if (mode != ConnectionMode.DETECT) {
                throw e;
            }
            logger.info(options.serviceRef() + " is a Redis Cluster (its pods report cluster_enabled:1): Mooring"
                    + " provides a cluster connection factory on MooringClusterClient (mooring.mode=auto)");
            return new MooringConnections(null, startCluster(options, clusterSettings));
        } catch (RuntimeException | Error e) {
            client.close();
            throw e;
        }
    }

    private static MooringClusterClient startCluster(
            MooringOptions options, SpringDataRedis.ClusterSettings clusterSettings) {
        MooringClusterClient client = MooringClusterClient.create(options);
        try {
            client.setOptions(clusterClientOptions(options.clientOptions(), clusterSettings));
            Partitions partitions = client.getPartitions(); // the cluster answers, or the start fails saying why
            logger.info("Mooring follows the Redis Cluster " + options.serviceRef() + " (" + options.port()
                    + ", source " + options.source().name() + "): " + partitions.size() + " nodes");
            return client;
        } catch (RuntimeException | Error e) {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            throw e;
        }
    }

    /**
     * The cluster client's options: {@code base} (Boot's and Mooring's client options), Mooring's refresh (a periodic
     * refresh every 30 s and every adaptive trigger, beside the refresh on every endpoint change) with
     * {@code spring.data.redis.lettuce.cluster.refresh.period/adaptive} where set, and
     * {@code spring.data.redis.cluster.max-redirects} where set.
     */
    static ClusterClientOptions clusterClientOptions(ClientOptions base, SpringDataRedis.ClusterSettings settings) {
        ClusterTopologyRefreshOptions.Builder refresh = ClusterTopologyRefreshOptions.builder()
                .enablePeriodicRefresh(
                        settings.refreshPeriod() != null ? settings.refreshPeriod() : DEFAULT_REFRESH_PERIOD);
        if (!Boolean.FALSE.equals(settings.adaptive())) {
            refresh.enableAdaptiveRefreshTrigger(ClusterTopologyRefreshOptions.RefreshTrigger.values());
        }
        ClusterClientOptions.Builder options =
                ClusterClientOptions.builder(base).topologyRefreshOptions(refresh.build());
        if (settings.maxRedirects() != null) {
            options.maxRedirects(settings.maxRedirects());
        }
        return options.build();
    }

    /** The replication group's client, or null for a cluster. */
    @Nullable
    MooringClient replication() {
        return replication;
    }

    /** The cluster's client, or null for a replication group. */
    @Nullable
    MooringClusterClient cluster() {
        return cluster;
    }

    @Override
    public void close() {
        if (replication != null) {
            replication.close();
        }
        if (cluster != null) {
            cluster.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }
}
