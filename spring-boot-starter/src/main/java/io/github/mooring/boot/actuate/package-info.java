/**
 * The {@code mooring} actuator endpoint: the current topology of the followed Service as JSON.
 */
@NullMarked
package io.github.mooring.boot.actuate;

import org.jspecify.annotations.NullMarked;
