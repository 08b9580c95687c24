package io.github.mooring.boot;

import java.util.Objects;

/**
 * Mooring is turned on ({@code mooring.service} is set) together with a setting that contradicts it, such as
 * {@code spring.data.redis.sentinel.*} or {@code spring.data.redis.cluster.nodes}: two different ways of deciding where
 * the Redis master is. The application does not start; Spring Boot's failure analysis explains the conflict and what
 * to change.
 */
public class MooringConfigurationConflictException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    /** What conflicts with what, and why. */
    private final String description;

    /** The ways out. */
    private final String action;

    /**
     * @param description what conflicts with what, and why they cannot both apply
     * @param action the ways out
     */
    public MooringConfigurationConflictException(String description, String action) {
        super(description);
        this.description = Objects.requireNonNull(description, "description");
        this.action = Objects.requireNonNull(action, "action");
    }

    /** What conflicts with what, and why. */
    public String description() {
        return description;
    }

    /** The ways out. */
    public String action() {
        return action;
    }
}
