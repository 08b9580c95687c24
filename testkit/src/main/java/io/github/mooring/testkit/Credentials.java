package io.github.mooring.testkit;

import java.util.Objects;

/**
 * How clients authenticate to the pods of a {@link RedisStatefulSet}: {@code requirepass} (no user) or
 * an ACL user.
 *
 * @param user the ACL user, or {@code null} for the default user ({@code requirepass})
 * @param password the password; never printed by {@link #toString()}
 */
public record Credentials(String user, String password) {

    public Credentials {
        Objects.requireNonNull(password, "password");
        if (password.isEmpty()) {
            throw new IllegalArgumentException("password must not be empty");
        }
    }

    /** {@code requirepass}: the default user with this password. */
    public static Credentials password(String password) {
        return new Credentials(null, password);
    }

    /** An ACL user with full access, created on every pod. */
    public static Credentials aclUser(String user, String password) {
        Objects.requireNonNull(user, "user");
        return new Credentials(user, password);
    }

    @Override
    public String toString() {
        return "Credentials[user=" + (user == null ? "default" : user) + ", password=****]";
    }
}
