package io.github.mooring.topology;

import io.github.mooring.exceptions.MooringException;

/**
 * No pod is master, and none became master within the time Mooring was allowed to wait. The message says since
 * when, and what every pod answered; {@link #topology()} holds the same as data.
 */
public class NoMasterException extends MooringException {

    private static final long serialVersionUID = 1L;

    private final transient Topology topology;

    public NoMasterException(String message, Topology topology) {
        super(message);
        this.topology = topology;
    }

    public NoMasterException(String message, Topology topology, Throwable cause) {
        super(message, cause);
        this.topology = topology;
    }

    /** The last topology seen, with what each pod reported. */
    public Topology topology() {
        return topology;
    }
}
