package io.github.mooring.internal.probe;

import static io.github.mooring.internal.probe.ProbeFailure.Kind.CREDENTIALS_REJECTED;
import static io.github.mooring.internal.probe.ProbeFailure.Kind.UNREACHABLE;
import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import java.net.ConnectException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What a failed probe says about the pod, for each way Lettuce reports a failure. A pod that refuses the credentials
 * is up: it must never read as unreachable (that would cut working connections after two rounds).
 */
class ProbeFailureTest {

    private static final String WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled.";

    record Row(String name, Throwable thrown, ProbeFailure.Kind kind, String description) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Row> rows() {
        return Stream.of(
                new Row(
                        "AUTH refused during the handshake (wrapped by the connect)",
                        new CompletionException(new RedisConnectionException(
                                "Unable to connect to 10.0.0.10:6379", new RedisCommandExecutionException(WRONGPASS))),
                        CREDENTIALS_REJECTED,
                        "authentication refused (" + WRONGPASS + "): check the Redis username and password"),
                new Row(
                        "WRONGPASS on an open connection",
                        new RedisCommandExecutionException(WRONGPASS),
                        CREDENTIALS_REJECTED,
                        "authentication refused (" + WRONGPASS + "): check the Redis username and password"),
                new Row(
                        "no password given where one is required",
                        new ExecutionException(new RedisCommandExecutionException("NOAUTH Authentication required.")),
                        CREDENTIALS_REJECTED,
                        "authentication refused (NOAUTH Authentication required.): check the Redis username and"
                                + " password"),
                new Row(
                        "the ACL user may not run INFO",
                        new RedisCommandExecutionException(
                                "NOPERM User app has no permissions to run the 'info'" + " command"),
                        CREDENTIALS_REJECTED,
                        "the ACL user may not run INFO (grant it +info): NOPERM User app has no permissions to run"
                                + " the 'info' command"),
                new Row(
                        "Redis before 6 refusing a password",
                        new RedisCommandExecutionException("ERR invalid password"),
                        CREDENTIALS_REJECTED,
                        "authentication refused (ERR invalid password): check the Redis username and password"),
                new Row(
                        "probe timeout",
                        new CompletionException(new TimeoutException()),
                        UNREACHABLE,
                        "no answer within the probe timeout"),
                new Row(
                        "command timeout",
                        new RedisCommandTimeoutException("Command timed out after 1 second(s)"),
                        UNREACHABLE,
                        "no answer within the probe timeout"),
                new Row(
                        "connection refused",
                        new RedisConnectionException(
                                "Unable to connect to 10.0.0.10:6379",
                                new ConnectException("Connection refused: /10.0.0.10:6379")),
                        UNREACHABLE,
                        "connection refused"),
                new Row(
                        "another error reply",
                        new RedisCommandExecutionException("LOADING Redis is loading the dataset in memory"),
                        UNREACHABLE,
                        "error reply: LOADING Redis is loading the dataset in memory"),
                new Row(
                        "a closed connection",
                        new RedisException("Currently not connected. Commands are rejected."),
                        UNREACHABLE,
                        "Currently not connected. Commands are rejected."));
    }

    /**
     * Lettuce's report of a handshake that ended, refused, before it looked (seen in CI as an "unreachable" pod that
     * was refusing the password): recognized, so that the prober connects once more and meets the reason.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("lostHandshakes")
    void recognizesAHandshakeWhoseOutcomeLettuceLost(String name, Throwable thrown, boolean lost) {
        assertThat(ProbeFailure.handshakeOutcomeLost(thrown)).isEqualTo(lost);
    }

    static Stream<Arguments> lostHandshakes() {
        return Stream.of(
                Arguments.of(
                        "as Lettuce reports it",
                        new IllegalStateException("RedisHandshakeHandler not registered"),
                        true),
                Arguments.of(
                        "wrapped by a future",
                        new CompletionException(new IllegalStateException("RedisHandshakeHandler not registered")),
                        true),
                Arguments.of("another illegal state", new IllegalStateException("Connection closed"), false),
                Arguments.of(
                        "a refused password (the reason is there)",
                        new RedisCommandExecutionException(WRONGPASS),
                        false),
                Arguments.of(
                        "connection refused",
                        new RedisConnectionException(
                                "Unable to connect", new ConnectException("Connection refused: /10.0.0.10:6379")),
                        false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void classifies(Row row) {
        ProbeFailure failure = ProbeFailure.of(row.thrown());

        assertThat(failure.kind()).isEqualTo(row.kind());
        assertThat(failure.description()).isEqualTo(row.description());
    }
}
