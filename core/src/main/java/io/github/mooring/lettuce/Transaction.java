package io.github.mooring.lettuce;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** One MULTI ... EXEC/DISCARD on a connection, as its commands pass the writer. */
final class Transaction {

    /** The MULTI that opened it. */
    final FailoverCommand<?, ?, ?> multi;

    /** The commands queued inside it (their futures complete with the EXEC). */
    final List<FailoverCommand<?, ?, ?>> members = new CopyOnWriteArrayList<>();

    /** The EXEC or DISCARD that ends it, once the application has issued it. */
    volatile FailoverCommand<?, ?, ?> end;

    Transaction(FailoverCommand<?, ?, ?> multi) {
        this.multi = multi;
    }

    /** Fails every command of the transaction that has not completed. */
    void fail(RuntimeException failure) {
        failOne(multi, failure);
        members.forEach(member -> failOne(member, failure));
        if (end != null) {
            failOne(end, failure);
        }
    }

    private static void failOne(FailoverCommand<?, ?, ?> command, RuntimeException failure) {
        if (command.isDone()) {
            return;
        }
        command.completeExceptionally(failure);
        // A queued command's wrapper already completed on its QUEUED reply; its future waits for the EXEC.
        if (!command.isDone()) {
            command.getDelegate().completeExceptionally(failure);
        }
    }
}
