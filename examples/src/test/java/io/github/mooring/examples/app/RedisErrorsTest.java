package io.github.mooring.examples.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.mooring.exceptions.CommandFateUnknownException;
import io.github.mooring.exceptions.FailoverQueueFullException;
import io.github.mooring.topology.NoMasterException;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.RedisSystemException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;

/**
 * Mooring's errors as Spring Data Redis hands them to a controller (wrapped in a {@link RedisSystemException}), and
 * the HTTP answers the example gives. The fate-unknown answer is also seen end to end in {@code ExampleApplicationIT}.
 */
class RedisErrorsTest {

    private final RedisErrors errors = new RedisErrors();

    @Test
    void aCommandOfUnknownOutcomeIsA503ThatSaysItMayHaveBeenApplied() {
        ResponseEntity<ProblemDetail> answer = errors.redisFailed(new RedisSystemException(
                "Unknown redis exception",
                new CommandFateUnknownException("INCR", "10.0.0.5:6379", "the connection to 10.0.0.5:6379 closed")));

        assertThat(answer.getStatusCode().value()).isEqualTo(503);
        assertThat(answer.getHeaders().containsHeader(HttpHeaders.RETRY_AFTER))
                .as("no invitation to resend")
                .isFalse();
        ProblemDetail problem = answer.getBody();
        assertThat(problem.getType()).isEqualTo(RedisErrors.FATE_UNKNOWN);
        assertThat(problem.getDetail())
                .contains("INCR", "may or may not have been applied", "the connection to 10.0.0.5:6379 closed");
    }

    @Test
    void noMasterInTimeIsA503WithMooringsExplanationAndARetryAfter() {
        ResponseEntity<ProblemDetail> answer = errors.redisFailed(new RedisSystemException(
                "Unknown redis exception",
                new NoMasterException(
                        "no master for Service 'redis' in namespace 'shop' since 12:00:00: redis-0" + " unreachable",
                        null)));

        assertThat(answer.getStatusCode().value()).isEqualTo(503);
        assertThat(answer.getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("5");
        assertThat(answer.getBody().getType()).isEqualTo(RedisErrors.NO_MASTER);
        assertThat(answer.getBody().getTitle()).isEqualTo("No Redis master");
        assertThat(answer.getBody().getDetail()).contains("Service 'redis'", "redis-0 unreachable");

        ResponseEntity<ProblemDetail> full = errors.redisFailed(new RedisSystemException(
                "Unknown redis exception",
                new FailoverQueueFullException("100000 commands already wait for a master")));
        assertThat(full.getStatusCode().value()).isEqualTo(503);
        assertThat(full.getBody().getTitle()).isEqualTo("Redis failover in progress");
    }

    @Test
    void otherRedisErrorsKeepSpringBootsDefaultHandling() {
        DataAccessException other = new RedisSystemException("WRONGTYPE", new IllegalStateException("WRONGTYPE"));

        assertThatThrownBy(() -> errors.redisFailed(other)).isSameAs(other);
    }
}
