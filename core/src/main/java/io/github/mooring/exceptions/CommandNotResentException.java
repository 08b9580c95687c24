package io.github.mooring.exceptions;

/**
 * A command that Mooring had to send again (a node refused it during a failover, or its connection was lost before
 * it was answered) could not be sent again without breaking the connection's order: a command the application issued
 * after it on the same connection has been applied since, or may have been. It fails instead, and it was not applied:
 * a write took no effect, a read's reply was not delivered. Mooring never applies a connection's commands out of the
 * order they were issued in.
 * <p>
 * This is rare: it takes a node that refuses a command and then accepts the next one (promoted back within
 * milliseconds, done loading), or a connection lost with commands of unknown fate behind the one to resend. What to
 * do: read the current state and decide, as after any failed command.
 */
public class CommandNotResentException extends MooringException {

    private static final long serialVersionUID = 1L;

    private final String command;
    private final String laterCommand;

    public CommandNotResentException(String command, String laterCommand, String message) {
        super(message);
        this.command = command;
        this.laterCommand = laterCommand;
    }

    /** The command's name, e.g. {@code SET} (never its arguments). */
    public String command() {
        return command;
    }

    /** The name of the command issued after it that was (or may have been) applied first. */
    public String laterCommand() {
        return laterCommand;
    }
}
