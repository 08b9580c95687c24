package io.github.mooring.lettuce;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** One MULTI ... EXEC/DISCARD on a connection, as its commands pass the writer. */
final class Transaction {

    /** The MULTI that opened it. */
    volatile FailoverCommand<?, ?, ?> multi;

    /** The commands queued inside it (their futures complete with the EXEC). */
    final List<FailoverCommand<?, ?, ?>> members = new CopyOnWriteArrayList<>();

    /** The EXEC or DISCARD that ends it, once the application has issued it. */
    volatile FailoverCommand<?, ?, ?> end;

    /** Fails every command of the transaction that has not completed. */
    void fail(RuntimeException failure) {
        failOne(multi, failure);
        members.forEach(member -> failOne(member, failure));
        failOne(end, failure);
    }

    private static void failOne(FailoverCommand<?, ?, ?> command, RuntimeException failure) {
        // A queued command's future waits for the EXEC even after its QUEUED reply: it is not done until then.
        if (command != null && !command.isDone()) {
            command.fail(failure);
        }
    }
}
