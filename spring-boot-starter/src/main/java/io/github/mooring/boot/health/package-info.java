/**
 * The {@code mooring} health contributor: whether the Service has a master now, and what is wrong with its
 * replication group.
 */
@NullMarked
package io.github.mooring.boot.health;

import org.jspecify.annotations.NullMarked;
