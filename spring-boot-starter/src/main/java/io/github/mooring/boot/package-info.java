/**
 * Spring Boot auto-configuration for Mooring: with {@code mooring.service} set, the application's Redis connection
 * factory is a {@link io.github.mooring.boot.MooringLettuceConnectionFactory}, whose connections follow the live
 * master of that Kubernetes Service's pods. Configured by {@link io.github.mooring.boot.MooringProperties}
 * ({@code mooring.*}) and Spring Boot's own {@code spring.data.redis.*}.
 */
@NullMarked
package io.github.mooring.boot;

import org.jspecify.annotations.NullMarked;
