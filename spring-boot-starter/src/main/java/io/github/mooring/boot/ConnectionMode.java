package io.github.mooring.boot;

import io.github.mooring.boot.MooringProperties.Mode;

/**
 * Which connection factory Mooring provides, decided once per context as Spring Boot's data-redis auto-configuration
 * decides between standalone, Sentinel and Cluster: a pure rule over {@code mooring.mode} and whether
 * {@code spring.data.redis.cluster.*} is set. Where neither says, the pods are asked at start ({@link #DETECT}): one
 * configuration then serves a replication group and a cluster alike (a laptop's single Redis and production's
 * cluster), and what is found holds for the context's life.
 */
enum ConnectionMode {
    /** A replication group: {@code MooringLettuceConnectionFactory} on a {@code MooringClient}. */
    REPLICATION,
    /** A Redis Cluster: {@code MooringClusterConnectionFactory} on a {@code MooringClusterClient}. */
    CLUSTER,
    /** Asked at start: a replication group unless the pods report {@code cluster_enabled:1}. */
    DETECT;

    /**
     * The rules, in order: {@code mooring.mode} when set to replication or cluster (replication with cluster
     * settings is a conflict); else cluster settings mean a cluster; else detect.
     *
     * @param clusterSettings whether {@code spring.data.redis.cluster.*} is set (no nodes: those were refused before)
     * @throws MooringConfigurationConflictException for {@code mooring.mode=replication} with cluster settings
     */
    static ConnectionMode of(Mode mode, boolean clusterSettings) {
        return switch (mode) {
            case REPLICATION -> {
                if (clusterSettings) {
                    throw new MooringConfigurationConflictException(
                            "mooring.mode=replication says the Service's pods are a replication group, but"
                                    + " spring.data.redis.cluster.* is set, which only a Redis Cluster uses.",
                            "Remove spring.data.redis.cluster.*, or set mooring.mode=cluster (or auto) if the"
                                    + " Service is a Redis Cluster.");
                }
                yield REPLICATION;
            }
            case CLUSTER -> CLUSTER;
            case AUTO -> clusterSettings ? CLUSTER : DETECT;
        };
    }
}
