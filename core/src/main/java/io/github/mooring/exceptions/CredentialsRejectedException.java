package io.github.mooring.exceptions;

import java.util.Objects;

/**
 * A pod refused the credentials Mooring has ({@code WRONGPASS}, {@code NOAUTH}, {@code NOPERM}), so a command that
 * needed a new connection to it was not sent, and was failed at once rather than after the failover wait; or a new
 * client could not authenticate at startup. The fix is on the application's side: give the {@code RedisURI} (or its
 * {@code RedisCredentialsProvider}) the pods' current secret. To rotate a secret without failed writes, let the
 * provider return the new one while the pods accept both, then remove the old one from the pods. Never carries the
 * secret.
 */
public class CredentialsRejectedException extends MooringException {

    private static final long serialVersionUID = 1L;

    private final String pod;
    private final String user;

    /**
     * @param pod the pod that refused, e.g. {@code redis-0 (10.0.0.1:6379)}
     * @param user the user whose credentials it refused ({@code "default"} when none is named)
     * @param message the whole message: who refused which user, and what to do
     */
    public CredentialsRejectedException(String pod, String user, String message) {
        super(message);
        this.pod = Objects.requireNonNull(pod, "pod");
        this.user = Objects.requireNonNull(user, "user");
    }

    /**
     * The one wording of this failure, for a replication group and a cluster alike: who refused which user, what became
     * of the command, and what to do. Names no secret: {@code reply} quotes the server.
     *
     * @param pod the pod that refused, e.g. {@code redis-0 (10.0.0.1:6379)}
     * @param ofWhat what the pod is, after its name: {@code ", master of redis"}, {@code " of redis"}
     * @param user the user whose credentials it refused
     * @param reply what the pod answered (the server's reply)
     * @param what what became of the command, e.g. {@code "SET was not sent"}
     */
    public static CredentialsRejectedException refusedBy(
            String pod, String ofWhat, String user, String reply, String what) {
        return new CredentialsRejectedException(
                pod,
                user,
                "authentication was refused by " + pod + ofWhat + ", for user '" + user + "': " + reply + ". " + what
                        + ". Give the RedisURI (or its RedisCredentialsProvider) the pods' current secret for this"
                        + " user; to rotate it without failed writes, let the provider return the new secret while"
                        + " the pods accept both, then remove the old one");
    }

    /** The pod that refused, e.g. {@code redis-0 (10.0.0.1:6379)}. */
    public String pod() {
        return pod;
    }

    /** The user whose credentials the pod refused. */
    public String user() {
        return user;
    }
}
