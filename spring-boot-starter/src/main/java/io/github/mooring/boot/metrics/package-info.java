/**
 * Micrometer metrics of the followed Service: master changes, failover windows, time without master, probe rounds
 * and failures, retries.
 */
@NullMarked
package io.github.mooring.boot.metrics;

import org.jspecify.annotations.NullMarked;
