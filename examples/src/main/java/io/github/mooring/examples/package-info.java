/**
 * Examples: the demo, a Spring Boot application.
 */
package io.github.mooring.examples;
