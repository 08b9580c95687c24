/**
 * The order rules a connection keeps its commands by, whichever client holds them: a replication group's connection
 * ({@code FailoverWriter}) or a cluster connection's slots ({@code ClusterOrder}). Pure functions of the facts. Not an
 * API: it may change in any release.
 */
package io.github.mooring.internal.order;
