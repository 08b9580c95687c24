package io.github.mooring.exceptions;

import io.lettuce.core.RedisException;

/**
 * The root of every exception Mooring raises. It is a Lettuce {@link RedisException}, so code that already
 * handles Lettuce's failures handles Mooring's too. Messages name the Service, its namespace and what to fix,
 * and never contain credentials.
 */
public class MooringException extends RedisException {

    private static final long serialVersionUID = 1L;

    public MooringException(String message) {
        super(message);
    }

    public MooringException(String message, Throwable cause) {
        super(message, cause);
    }
}
