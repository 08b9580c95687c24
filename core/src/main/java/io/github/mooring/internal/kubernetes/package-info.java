/**
 * Mooring's own Kubernetes clients, one per API configuration per JVM, shared by the discovery source and the healer's
 * Lease ({@code OwnKubernetesClients}), with threads that say whose they are ({@code MooringHttpClients}). Not an API:
 * it may change in any release.
 */
package io.github.mooring.internal.kubernetes;
