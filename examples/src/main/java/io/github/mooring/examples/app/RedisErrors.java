package io.github.mooring.examples.app;

import io.github.mooring.exceptions.CommandFateUnknownException;
import io.github.mooring.exceptions.MooringException;
import io.github.mooring.topology.NoMasterException;
import java.net.URI;
import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * Mooring's failover errors as HTTP answers that say what happened, instead of a bare 500. Spring Data Redis wraps
 * them in a {@link DataAccessException}; anything else keeps Spring Boot's default handling.
 * <p>
 * The details repeat Mooring's messages (the Service, what each pod answered; never credentials): right for an
 * example, more than a public API would tell its callers.
 */
@RestControllerAdvice
public class RedisErrors {

    /** Type of a problem whose command may or may not have been applied. */
    public static final URI FATE_UNKNOWN = URI.create("urn:mooring-example:redis-fate-unknown");

    /** Type of a problem whose command was not applied because no master was available. */
    public static final URI NO_MASTER = URI.create("urn:mooring-example:redis-no-master");

    /** 503 for Mooring's failover errors; anything else is rethrown to Spring Boot's default handling. */
    @ExceptionHandler(DataAccessException.class)
    public ResponseEntity<ProblemDetail> redisFailed(DataAccessException e) {
        MooringException cause = mooringCause(e);
        if (cause instanceof CommandFateUnknownException fateUnknown) {
            // Not retryable blindly: the command (an INCR here) may have been applied before the master went away.
            ProblemDetail problem = ProblemDetail.forStatusAndDetail(
                    HttpStatus.SERVICE_UNAVAILABLE,
                    "The Redis master went away after " + fateUnknown.command() + " was sent and before it answered:"
                            + " it may or may not have been applied. " + fateUnknown.getMessage());
            problem.setType(FATE_UNKNOWN);
            problem.setTitle("Redis command of unknown outcome");
            return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).body(problem);
        }
        if (cause != null) {
            // No master in time, or too many commands waiting for one: nothing was applied, trying again is safe.
            ProblemDetail problem =
                    ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE, cause.getMessage());
            problem.setType(NO_MASTER);
            problem.setTitle(cause instanceof NoMasterException ? "No Redis master" : "Redis failover in progress");
            return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
                    .header(HttpHeaders.RETRY_AFTER, "5")
                    .body(problem);
        }
        throw e;
    }

    private static MooringException mooringCause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof MooringException mooring) {
                return mooring;
            }
        }
        return null;
    }
}
