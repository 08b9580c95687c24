/**
 * The engine of {@link io.github.mooring.cluster.MooringClusterClient}: a cluster's topology taken from the Service's
 * endpoints, each node at the address its node ID answers at. Not an API: it may change in any release.
 */
package io.github.mooring.internal.cluster;
