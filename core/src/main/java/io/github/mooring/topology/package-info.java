/**
 * Topology: which pod is master right now, decided by {@link io.github.mooring.internal.topology.MasterElection} from
 * one round of probe results, and published as an immutable, versioned {@link io.github.mooring.topology.Topology}.
 */
package io.github.mooring.topology;
