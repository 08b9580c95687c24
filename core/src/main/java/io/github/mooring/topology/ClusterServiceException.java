package io.github.mooring.topology;

import java.util.List;

/**
 * The Service's pods run Redis Cluster ({@code cluster_enabled:1}): they are no replication group, so a
 * {@code MooringClient} has no master to follow. Thrown at once by the calls that wait for a master, instead of
 * connecting to one of the cluster's masters as if it held every key (its writes to other masters' slots would fail
 * with {@code MOVED}). For a Redis Cluster use {@code io.github.mooring.cluster.MooringClusterClient}; the Spring Boot
 * starter does so by itself ({@code mooring.mode=auto}, the default).
 */
public class ClusterServiceException extends NoMasterException {

    private static final long serialVersionUID = 1L;

    private final List<String> clusterNodes;

    public ClusterServiceException(String message, Topology topology, List<String> clusterNodes) {
        super(message, topology);
        this.clusterNodes = List.copyOf(clusterNodes);
    }

    /** The pods that reported {@code cluster_enabled:1}, as {@code redis-0 (10.1.2.3:6379)}. */
    public List<String> clusterNodes() {
        return clusterNodes;
    }
}
