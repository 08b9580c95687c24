package io.github.mooring.exceptions;

/**
 * A command was written to a master that went away (killed, demoted, frozen) before it answered: it may or may
 * not have been applied, and Mooring does not send it again because applying it twice could be worse than not at
 * all. Read-only commands and commands marked idempotent are re-sent to the new master instead of failing.
 * <p>
 * What to do: check whether the write took effect (read it back), or repeat it if it is safe to repeat.
 */
public class CommandFateUnknownException extends MooringException {

    private static final long serialVersionUID = 1L;

    private final String command;
    private final String node;

    public CommandFateUnknownException(String command, String node, String message) {
        super(message);
        this.command = command;
        this.node = node;
    }

    /** The command's name, e.g. {@code INCR} (never its arguments). */
    public String command() {
        return command;
    }

    /** The {@code host:port} it was written to. */
    public String node() {
        return node;
    }
}
