/**
 * Mooring keeps Lettuce connections on the live master of a Redis replication group running on Kubernetes.
 */
package io.github.mooring;
