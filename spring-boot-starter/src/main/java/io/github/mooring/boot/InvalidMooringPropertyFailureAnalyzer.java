package io.github.mooring.boot;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.env.Environment;

/**
 * Explains an {@link InvalidMooringPropertyException}: which property, where it was set, what is wrong, what to set.
 */
class InvalidMooringPropertyFailureAnalyzer extends AbstractFailureAnalyzer<InvalidMooringPropertyException> {

    private final @Nullable Environment environment;

    InvalidMooringPropertyFailureAnalyzer(@Nullable Environment environment) {
        this.environment = environment;
    }

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, InvalidMooringPropertyException cause) {
        ConfigurationProperty configured = find(cause.property());
        StringBuilder description = new StringBuilder("Mooring cannot start: ");
        // The value as the user wrote it ("5ms"), not as it was bound ("PT0.005S").
        Object value = configured != null ? configured.getValue() : cause.value();
        if (value == null) {
            description.append(cause.property()).append(" is missing");
        } else {
            description.append("invalid value '").append(value).append("' for ").append(cause.property());
        }
        if (configured != null && configured.getOrigin() != null) {
            description.append(" (from ").append(configured.getOrigin()).append(')');
        }
        description.append(": ").append(cause.reason()).append('.');
        return new FailureAnalysis(description.toString(), cause.action(), cause);
    }

    /** The property as configured, with where it was set (a file and line, an environment variable), if Boot knows. */
    private @Nullable ConfigurationProperty find(String property) {
        if (environment == null) {
            return null;
        }
        ConfigurationPropertyName name = ConfigurationPropertyName.of(property);
        for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
            ConfigurationProperty found = source.getConfigurationProperty(name);
            if (found != null) {
                return found;
            }
        }
        return null;
    }
}
