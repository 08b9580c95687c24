package io.github.mooring.lettuce;

import io.lettuce.core.protocol.ProtocolKeyword;
import io.lettuce.core.protocol.ReadOnlyCommands;
import java.util.Locale;
import java.util.Set;

/** What a command does, as far as sending it again and keeping a connection's order are concerned. */
final class CommandSafety {

    /** Pub/sub bookkeeping: Lettuce re-subscribes after a reconnect anyway. */
    private static final Set<String> ALWAYS_SAFE = Set.of(
            "SUBSCRIBE",
            "PSUBSCRIBE",
            "SSUBSCRIBE",
            "UNSUBSCRIBE",
            "PUNSUBSCRIBE",
            "SUNSUBSCRIBE",
            "PING",
            "AUTH",
            "HELLO",
            "SELECT",
            "CLIENT",
            "READONLY",
            "READWRITE");

    /** Commands whose execution changes neither data nor how the connection's next commands run. */
    private static final Set<String> WITHOUT_EFFECT = Set.of(
            "PING", "ECHO", "SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE", "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE");

    /** Scripts and functions may have written before they failed: their errors do not mean "nothing happened". */
    private static final Set<String> PARTIAL_ON_ERROR = Set.of("EVAL", "EVALSHA", "FCALL");

    /**
     * Commands whose reply waits for data, another client or replicas, not for the node alone: a connection waiting
     * on one is not a sign of a frozen master. {@code XREAD} and {@code XREADGROUP} block only with {@code BLOCK}, but
     * the keyword is all there is to go by here; missing a stall behind a non-blocking one costs at most the wait for
     * the next heartbeat, as before.
     */
    private static final Set<String> BLOCKING = Set.of(
            "BLPOP",
            "BRPOP",
            "BRPOPLPUSH",
            "BLMOVE",
            "BLMPOP",
            "BZPOPMIN",
            "BZPOPMAX",
            "BZMPOP",
            "XREAD",
            "XREADGROUP",
            "WAIT",
            "WAITAOF");

    private final Set<String> idempotent;

    CommandSafety(Set<String> idempotent) {
        this.idempotent = idempotent;
    }

    /** Whether the command may be sent again after its connection died mid-flight. */
    boolean mayResend(ProtocolKeyword type) {
        if (ReadOnlyCommands.isReadOnlyCommand(type)) {
            return true;
        }
        String name = type.toString().toUpperCase(Locale.ROOT);
        return ALWAYS_SAFE.contains(name) || idempotent.contains(name);
    }

    /** Whether the command only reads: its reply may be dropped and the command sent again. */
    static boolean readOnly(ProtocolKeyword type) {
        return ReadOnlyCommands.isReadOnlyCommand(type);
    }

    /**
     * Whether executing the command changed data or the connection's state ({@code SELECT}, {@code WATCH}), given its
     * error reply or null. An error reply means nothing happened, except for scripts.
     */
    static boolean tookEffect(ProtocolKeyword type, String error) {
        String name = type.toString().toUpperCase(Locale.ROOT);
        if (error != null) {
            return PARTIAL_ON_ERROR.contains(name);
        }
        return !ReadOnlyCommands.isReadOnlyCommand(type) && !WITHOUT_EFFECT.contains(name);
    }

    /** Whether the command's reply may wait for data or other clients ({@code BLPOP}, {@code XREAD}, {@code WAIT}). */
    static boolean blocking(ProtocolKeyword type) {
        return BLOCKING.contains(type.toString().toUpperCase(Locale.ROOT));
    }

    static boolean is(ProtocolKeyword type, String name) {
        return name.equalsIgnoreCase(type.toString());
    }
}
