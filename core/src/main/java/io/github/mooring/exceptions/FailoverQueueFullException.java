package io.github.mooring.exceptions;

/**
 * Too many commands already wait for a master; this one was not queued (and not sent anywhere). The bound keeps a
 * long failover from exhausting memory; raise it with {@code MooringOptions.Builder#maxQueuedCommands(int)} or
 * slow down while no master is available.
 */
public class FailoverQueueFullException extends MooringException {

    private static final long serialVersionUID = 1L;

    public FailoverQueueFullException(String message) {
        super(message);
    }
}
