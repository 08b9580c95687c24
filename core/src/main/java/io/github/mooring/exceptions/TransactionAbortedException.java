package io.github.mooring.exceptions;

/**
 * A {@code MULTI} transaction lost its connection to the master before {@code EXEC} was sent, so Redis discarded
 * it: none of its commands was applied. Every command of the transaction (and the {@code EXEC} or {@code DISCARD}
 * that ends it) fails with this exception; run the whole transaction again.
 */
public class TransactionAbortedException extends MooringException {

    private static final long serialVersionUID = 1L;

    public TransactionAbortedException(String message) {
        super(message);
    }
}
