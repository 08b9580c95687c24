/**
 * Lettuce facts more than one of Mooring's writers needs: {@code Lettuce6Reset} ({@code FailoverWriter}, a cluster's
 * {@code NodeGate}). Not an API: it may change in any release.
 */
package io.github.mooring.internal.lettuce;
