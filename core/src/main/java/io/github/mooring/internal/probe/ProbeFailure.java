package io.github.mooring.internal.probe;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import java.util.Locale;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * Why a probe failed, decided from what Lettuce threw: a pure function ({@link #of(Throwable)}), so that the rules
 * read as a table ({@code ProbeFailureTest}). The kind decides what the topology makes of the pod: a pod that refuses
 * the credentials is up, and is never taken for unreachable. The description is worded for error messages and never
 * holds a credential: it quotes the server's reply, which names no secret.
 * <p>
 * The rules, in the order they apply, to the first cause that is not a {@link CompletionException} or
 * {@link ExecutionException}:
 * <ol>
 *   <li><b>no answer</b>: a timeout (of the probe, or of a command) makes the pod unreachable;</li>
 *   <li><b>credentials</b>: {@code WRONGPASS}, {@code NOAUTH} or {@code NOPERM} anywhere in the cause chain (a
 *       refused {@code AUTH} during the connection's handshake comes wrapped in a connection exception) rejects the
 *       credentials;</li>
 *   <li><b>refused</b>: a connection exception saying "refused" is "connection refused";</li>
 *   <li><b>error reply</b>: any other error reply, quoted;</li>
 *   <li>anything else: unreachable, with the deepest message of the chain.</li>
 * </ol>
 *
 * @param kind what the failure says about the pod
 * @param description what happened, in words, for error messages
 */
public record ProbeFailure(Kind kind, String description) {

    /** What a failed probe says about the pod. */
    public enum Kind {
        /** No answer, or no connection: the pod may be down, frozen or cut off. */
        UNREACHABLE,
        /** The pod answered, and refused the credentials (or the user's permissions): it is up. */
        CREDENTIALS_REJECTED
    }

    /** The description of a probe that got no answer in time. */
    static final String NO_ANSWER = "no answer within the probe timeout";

    /** Classifies a probe's failure. */
    public static ProbeFailure of(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof TimeoutException || cause instanceof RedisCommandTimeoutException) {
            return new ProbeFailure(Kind.UNREACHABLE, NO_ANSWER);
        }
        String refusal = credentialsRefusal(cause);
        if (refusal != null) {
            return new ProbeFailure(
                    Kind.CREDENTIALS_REJECTED,
                    refusal.startsWith("NOPERM")
                            ? "the ACL user may not run INFO (grant it +info): " + refusal
                            : "authentication refused (" + refusal + "): check the Redis username and password");
        }
        String message = rootMessage(cause);
        if (cause instanceof RedisConnectionException
                && message.toLowerCase(Locale.ROOT).contains("refused")) {
            return new ProbeFailure(Kind.UNREACHABLE, "connection refused");
        }
        if (cause instanceof RedisCommandExecutionException) {
            return new ProbeFailure(Kind.UNREACHABLE, "error reply: " + message);
        }
        return new ProbeFailure(Kind.UNREACHABLE, message);
    }

    /**
     * Lettuce's words (6.8 and 7.x, {@code ConnectionBuilder}) when a connection's handshake had already ended, and
     * failed, by the time Lettuce looked for it: on loopback a refused {@code HELLO}/{@code AUTH} can close the channel
     * within microseconds. The server's reply (a {@code NOAUTH}, a {@code WRONGPASS}) is lost with it.
     */
    static final String HANDSHAKE_OUTCOME_LOST = "RedisHandshakeHandler not registered";

    /**
     * Whether a connect failed without saying why, because its handshake ended before Lettuce looked: the pod accepted
     * the connection, so it is not "unreachable", and connecting once more meets the reason (a prober does).
     */
    public static boolean handshakeOutcomeLost(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof IllegalStateException && HANDSHAKE_OUTCOME_LOST.equals(t.getMessage())) {
                return true;
            }
        }
        return false;
    }

    /**
     * The server's reply that refused the credentials or the user's permissions ({@code WRONGPASS}, {@code NOAUTH},
     * {@code NOPERM}), anywhere in the chain, or null. It quotes the server, which names no secret.
     */
    public static String credentialsRefusal(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage();
            if (message != null
                    && (message.startsWith("WRONGPASS")
                            || message.startsWith("NOAUTH")
                            || message.startsWith("NOPERM")
                            || message.startsWith("ERR invalid password"))) { // Redis before 6
                return message;
            }
        }
        return null;
    }

    private static String rootMessage(Throwable failure) {
        String message = failure.getMessage();
        for (Throwable t = failure.getCause(); t != null && t != t.getCause(); t = t.getCause()) {
            if (t.getMessage() != null) {
                message = t.getMessage();
            }
        }
        return message != null ? message : failure.getClass().getSimpleName();
    }
}
