package io.github.mooring.discovery;

import io.github.mooring.exceptions.MooringException;

/**
 * Discovery could not tell which pods back the Service. The message names the Service, the namespace, and what
 * to fix; {@link #reason()} lets code react without parsing it.
 */
public class DiscoveryException extends MooringException {

    private static final long serialVersionUID = 1L;

    /** What went wrong. */
    public enum Reason {
        /** No such Service in the namespace. */
        SERVICE_NOT_FOUND,
        /** The Service exists but has no endpoints (no pods, or none ready). */
        NO_ENDPOINTS,
        /** The Service has no port with the configured name or number. */
        PORT_NOT_FOUND,
        /** RBAC forbids what the source needs (list/watch of endpointslices or endpoints). */
        FORBIDDEN,
        /** The API server cannot be reached. */
        UNREACHABLE,
        /** The DNS name does not resolve. */
        NOT_RESOLVABLE,
        /** Anything else the source reported. */
        FAILED
    }

    private final Reason reason;
    private final String source;

    public DiscoveryException(Reason reason, String source, String message) {
        super(message);
        this.reason = reason;
        this.source = source;
    }

    public DiscoveryException(Reason reason, String source, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.source = source;
    }

    public Reason reason() {
        return reason;
    }

    /** The source that failed: {@code kubernetes}, {@code dns}, {@code static}. */
    public String source() {
        return source;
    }
}
