package io.github.mooring.boot;

import io.github.mooring.MooringOptions;

/**
 * Adjusts the {@link MooringOptions} the auto-configuration built from {@code mooring.*} and
 * {@code spring.data.redis.*}, for settings that have no property (a custom
 * {@link io.github.mooring.discovery.EndpointSource}, a resilience4j {@code RetryConfig} of your own, ...).
 * Customizer beans are applied in {@link org.springframework.core.Ordered order}, after the properties, before the
 * options are validated.
 */
@FunctionalInterface
public interface MooringOptionsCustomizer {

    /**
     * Adjusts the options being built.
     *
     * @param builder the builder, already holding what the properties say
     */
    void customize(MooringOptions.Builder builder);
}
