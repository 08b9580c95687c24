/**
 * Redis Cluster on Kubernetes: {@link io.github.mooring.cluster.MooringClusterClient}, Lettuce's cluster client
 * following a Service's endpoints.
 */
package io.github.mooring.cluster;
