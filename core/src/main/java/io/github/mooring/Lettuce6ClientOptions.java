package io.github.mooring;

import io.lettuce.core.ClientOptions;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * The one client option that only Lettuce 6.x has and that following a master must override:
 * {@code ClientOptions.Builder#cancelCommandsOnReconnectFailure(boolean)}. With it on, a reconnect that fails (to a
 * pod that just died, say) cancels every command waiting for the next master. Lettuce 7 removed the option (and the
 * cancelling), so Mooring, compiled against Lettuce 7, reaches it through a method handle when it is there.
 * <p>
 * Internal hook: {@code LettuceHooksTest} fails if Lettuce 6.x stops offering the method or Lettuce 7.x brings it
 * back.
 */
final class Lettuce6ClientOptions {

    /** {@code cancelCommandsOnReconnectFailure(boolean)} on Lettuce 6.x; null on 7.x. */
    static final MethodHandle CANCEL_COMMANDS_ON_RECONNECT_FAILURE = find();

    private Lettuce6ClientOptions() {}

    /** Turns the option off where this Lettuce has it; a no-op on Lettuce 7, which never cancels. */
    static ClientOptions.Builder keepCommandsOnReconnectFailure(ClientOptions.Builder builder) {
        if (CANCEL_COMMANDS_ON_RECONNECT_FAILURE == null) {
            return builder;
        }
        try {
            return (ClientOptions.Builder) CANCEL_COMMANDS_ON_RECONNECT_FAILURE.invoke(builder, false);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("ClientOptions.Builder.cancelCommandsOnReconnectFailure(false) failed", e);
        }
    }

    private static MethodHandle find() {
        try {
            return MethodHandles.publicLookup()
                    .findVirtual(
                            ClientOptions.Builder.class,
                            "cancelCommandsOnReconnectFailure",
                            MethodType.methodType(ClientOptions.Builder.class, boolean.class));
        } catch (NoSuchMethodException e) {
            return null; // Lettuce 7 and later
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(
                    "Lettuce's ClientOptions.Builder.cancelCommandsOnReconnectFailure(boolean)"
                            + " exists but is not public: this Lettuce version is not supported by Mooring",
                    e);
        }
    }
}
