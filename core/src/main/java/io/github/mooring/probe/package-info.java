/**
 * Probing: what each Redis pod says about itself (role, replication ids and offsets, link to its
 * master, dataset size), and the outcome of asking it.
 */
package io.github.mooring.probe;
