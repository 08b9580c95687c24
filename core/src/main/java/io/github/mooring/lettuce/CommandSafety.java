package io.github.mooring.lettuce;

import java.util.Locale;
import java.util.Set;

import io.lettuce.core.protocol.ProtocolKeyword;
import io.lettuce.core.protocol.ReadOnlyCommands;

/** Which commands may be sent again after their connection died mid-flight. */
final class CommandSafety {

    /** Pub/sub bookkeeping: Lettuce re-subscribes after a reconnect anyway. */
    private static final Set<String> ALWAYS_SAFE = Set.of("SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE", "UNSUBSCRIBE",
            "PUNSUBSCRIBE", "SUNSUBSCRIBE", "PING", "AUTH", "HELLO", "SELECT", "CLIENT", "READONLY", "READWRITE");

    private final Set<String> idempotent;

    CommandSafety(Set<String> idempotent) {
        this.idempotent = idempotent;
    }

    boolean mayResend(ProtocolKeyword type) {
        if (ReadOnlyCommands.isReadOnlyCommand(type)) {
            return true;
        }
        String name = type.toString().toUpperCase(Locale.ROOT);
        return ALWAYS_SAFE.contains(name) || idempotent.contains(name);
    }

    static boolean is(ProtocolKeyword type, String name) {
        return name.equalsIgnoreCase(type.toString());
    }
}
