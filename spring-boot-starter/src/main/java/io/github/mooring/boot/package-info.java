/**
 * Spring Boot auto-configuration for Mooring.
 */
package io.github.mooring.boot;
