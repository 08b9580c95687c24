package io.github.mooring.lettuce;

/** One MULTI ... EXEC/DISCARD on a connection, as its commands pass the writer. */
final class Transaction {

    /** The MULTI that opened it. */
    final FailoverCommand<?, ?, ?> multi;

    /** The EXEC or DISCARD that ends it, once the application has issued it. */
    volatile FailoverCommand<?, ?, ?> end;

    Transaction(FailoverCommand<?, ?, ?> multi) {
        this.multi = multi;
    }
}
