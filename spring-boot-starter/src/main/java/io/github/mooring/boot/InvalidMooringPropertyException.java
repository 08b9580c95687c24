package io.github.mooring.boot;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A {@code mooring.*} property has a value Mooring cannot work with. The application does not start; Spring Boot's
 * failure analysis names the property, where it was set, what is wrong and what to set instead.
 */
public class InvalidMooringPropertyException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /** The full property name. */
    private final String property;

    /** The offending value, or null when missing. */
    private final @Nullable String value;

    /** What is wrong with the value. */
    private final String reason;

    /** What to set instead. */
    private final String action;

    /**
     * @param property the full property name, e.g. {@code mooring.probe.interval}
     * @param value the offending value as configured (never a secret: no {@code mooring.*} property holds one)
     * @param reason what is wrong with it
     * @param action what to set instead
     */
    public InvalidMooringPropertyException(String property, @Nullable Object value, String reason, String action) {
        super("Invalid value " + (value == null ? "(none)" : "'" + value + "'") + " for " + property + ": " + reason);
        this.property = Objects.requireNonNull(property, "property");
        this.value = value == null ? null : String.valueOf(value);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.action = Objects.requireNonNull(action, "action");
    }

    /** The full property name, e.g. {@code mooring.probe.interval}. */
    public String property() {
        return property;
    }

    /** The offending value, or null when the property is missing. */
    public @Nullable String value() {
        return value;
    }

    /** What is wrong with the value. */
    public String reason() {
        return reason;
    }

    /** What to set instead. */
    public String action() {
        return action;
    }
}
