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
    private final int unansweredAtLoss;

    public CommandFateUnknownException(String command, String node, String message) {
        this(command, node, message, 1);
    }

    /**
     * @param unansweredAtLoss how many commands of the connection were written to the node and unanswered when it went
     *        away, this one included; 1 for a command that timed out
     */
    public CommandFateUnknownException(String command, String node, String message, int unansweredAtLoss) {
        super(message);
        this.command = command;
        this.node = node;
        this.unansweredAtLoss = unansweredAtLoss;
    }

    /** The command's name, e.g. {@code INCR} (never its arguments). */
    public String command() {
        return command;
    }

    /** The {@code host:port} it was written to. */
    public String node() {
        return node;
    }

    /**
     * How many commands of its connection were written to the node and still unanswered when the connection was lost
     * or cut, this one included: the most that can share this fate from one loss (commands that had not been written
     * yet were sent again or failed with another exception; read-only and idempotent ones among these were re-sent).
     * 1 for a command that timed out.
     */
    public int unansweredAtLoss() {
        return unansweredAtLoss;
    }
}
