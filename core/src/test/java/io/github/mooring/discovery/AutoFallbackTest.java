package io.github.mooring.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.github.mooring.discovery.AutoFallback.Rule;
import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** When the auto source leaves the Kubernetes API for DNS: only for a decision that lasts. */
class AutoFallbackTest {

    static Stream<Arguments> problems() {
        return Stream.of(
                // what the API said, at start?, the rule
                row("403 on list", status(403), DiscoveryException.Reason.FORBIDDEN, true, Rule.FORBIDDEN),
                row(
                        "403 later (RBAC revoked)",
                        status(403),
                        DiscoveryException.Reason.FORBIDDEN,
                        false,
                        Rule.FORBIDDEN),
                row("401 (token rejected)", status(401), DiscoveryException.Reason.FORBIDDEN, true, Rule.FORBIDDEN),
                row(
                        "404: neither slices nor endpoints served",
                        status(404),
                        DiscoveryException.Reason.FAILED,
                        true,
                        Rule.NOT_SERVED),
                row(
                        "connection refused at start",
                        io(new ConnectException("Connection refused")),
                        DiscoveryException.Reason.UNREACHABLE,
                        true,
                        Rule.NO_API_SERVER_AT_START),
                row(
                        "unknown host at start",
                        io(new UnknownHostException("api.example")),
                        DiscoveryException.Reason.UNREACHABLE,
                        true,
                        Rule.NO_API_SERVER_AT_START),
                row(
                        "connect timeout at start",
                        io(new HttpConnectTimeoutException("HTTP connect timed out")),
                        DiscoveryException.Reason.UNREACHABLE,
                        true,
                        Rule.NO_API_SERVER_AT_START),
                row(
                        "connection refused later: an outage the last endpoints ride out",
                        io(new ConnectException("Connection refused")),
                        DiscoveryException.Reason.UNREACHABLE,
                        false,
                        Rule.TRANSIENT),
                row(
                        "request timeout after connecting",
                        io(new HttpTimeoutException("request timed out")),
                        DiscoveryException.Reason.UNREACHABLE,
                        true,
                        Rule.TRANSIENT),
                row(
                        "connection reset",
                        io(new IOException("Connection reset")),
                        DiscoveryException.Reason.UNREACHABLE,
                        true,
                        Rule.TRANSIENT),
                row("503 Service Unavailable", status(503), DiscoveryException.Reason.FAILED, true, Rule.TRANSIENT),
                row("500 Internal Server Error", status(500), DiscoveryException.Reason.FAILED, false, Rule.TRANSIENT),
                row("429 Too Many Requests", status(429), DiscoveryException.Reason.FAILED, true, Rule.TRANSIENT));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("problems")
    void decides(String what, Throwable failure, DiscoveryException.Reason reason, boolean atStart, Rule expected) {
        DiscoveryException problem = new DiscoveryException(reason, "kubernetes", what, failure);

        assertThat(AutoFallback.judge(problem, atStart)).isEqualTo(expected);
    }

    private static Arguments row(
            String what, Throwable failure, DiscoveryException.Reason reason, boolean atStart, Rule expected) {
        return Arguments.of(what, failure, reason, atStart, expected);
    }

    private static Throwable status(int code) {
        return new KubernetesClientException("Failure executing: GET ... Received status: " + code, code, null);
    }

    private static Throwable io(IOException cause) {
        return new KubernetesClientException("An error has occurred.", cause);
    }
}
