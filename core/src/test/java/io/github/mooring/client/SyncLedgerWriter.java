package io.github.mooring.client;

import io.github.mooring.testkit.WriteLedger;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;

/**
 * A synchronous application: one thread, one write at a time through the blocking API, {@code opsPerSecond} while the
 * master answers (a write that waits for a failover holds the next one back).
 */
final class SyncLedgerWriter extends LedgerWriter {

    private final RedisCommands<String, String> sync;

    SyncLedgerWriter(String name, StatefulRedisConnection<String, String> connection, int opsPerSecond) {
        super(name, connection, opsPerSecond);
        this.sync = connection.sync();
        start(Duration.ofNanos(1_000_000_000L / opsPerSecond));
    }

    @Override
    void tick() {
        WriteLedger.Write write = ledger.next();
        issued();
        try {
            if (write.target() == WriteLedger.Target.LOG) {
                sync.rpush(write.key(), write.value());
            } else {
                sync.set(write.key(), write.value());
            }
            settle(write, null);
        } catch (RuntimeException e) {
            settle(write, e);
        }
    }
}
