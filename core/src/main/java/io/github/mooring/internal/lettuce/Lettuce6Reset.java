package io.github.mooring.internal.lettuce;

import io.lettuce.core.RedisChannelWriter;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * {@code RedisChannelWriter#reset()}, which Lettuce 6.x declares and Lettuce 7 removed. On 6.x Lettuce calls it on a
 * connection's outermost writer (Mooring's: {@code FailoverWriter}, a cluster's {@code NodeGate}) from the deprecated
 * {@code StatefulConnection.reset()}, so Mooring's writer still offers it and hands it to Lettuce's writer underneath, which, compiled against Lettuce 7, it can only
 * reach through a method handle.
 * <p>
 * Internal hook: {@code LettuceHooksTest} fails if Lettuce 6.x stops declaring the method or 7.x brings it back.
 */
public final class Lettuce6Reset {

    /** {@code RedisChannelWriter.reset()} on Lettuce 6.x; null on 7.x. */
    public static final MethodHandle RESET = find();

    private Lettuce6Reset() {}

    public static void reset(RedisChannelWriter writer) {
        if (RESET == null) {
            throw new UnsupportedOperationException("RedisChannelWriter.reset() exists only in Lettuce 6.x");
        }
        try {
            RESET.invoke(writer);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("RedisChannelWriter.reset() failed", e);
        }
    }

    private static MethodHandle find() {
        try {
            return MethodHandles.publicLookup()
                    .findVirtual(RedisChannelWriter.class, "reset", MethodType.methodType(void.class));
        } catch (NoSuchMethodException e) {
            return null; // Lettuce 7 and later
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(
                    "Lettuce's RedisChannelWriter.reset() is not public: this Lettuce version"
                            + " is not supported by Mooring",
                    e);
        }
    }
}
