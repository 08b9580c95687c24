package io.github.mooring.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import io.github.mooring.discovery.Endpoint;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ProbeResultTest {

    private static final Endpoint ENDPOINT = new Endpoint("10.0.0.11", 6379, "redis-1", true, false);
    private static final Instant AT = Instant.parse("2026-11-27T12:00:00Z");
    private static final Duration LATENCY = Duration.ofMillis(3);
    private static final NodeReport REPLICA = new NodeReport(
            Role.REPLICA,
            "run",
            "id",
            NodeReport.NO_REPL_ID,
            -1,
            10,
            "redis-0.redis.ns.svc.cluster.local",
            6379,
            true,
            -1,
            false,
            false,
            5,
            0);
    private static final NodeReport MASTER = new NodeReport(
            Role.MASTER, "run", "id", NodeReport.NO_REPL_ID, -1, 10, null, 0, false, -1, false, false, 5, 1);

    @Test
    void aReachedPodCarriesItsReport() {
        ProbeResult result = ProbeResult.reached(ENDPOINT, AT, LATENCY, REPLICA, Set.of("10.0.0.10"));

        assertThat(result.reachable()).isTrue();
        assertThat(result.report()).isEqualTo(REPLICA);
        assertThat(result.failure()).isNull();
        assertThat(result.masterHostAddresses()).containsExactly("10.0.0.10");
    }

    @Test
    void aFailedProbeCarriesTheReasonForUsers() {
        ProbeResult result = ProbeResult.failed(ENDPOINT, AT, Duration.ofMillis(500), "timed out after 500ms");

        assertThat(result.reachable()).isFalse();
        assertThat(result.report()).isNull();
        assertThat(result.failure()).isEqualTo("timed out after 500ms");
        assertThat(result.masterHostAddresses()).isEmpty();
    }

    @Test
    void aPodThatRefusedTheCredentialsIsUpNamesTheUserAndIsNoReport() {
        ProbeResult refused = ProbeResult.credentialsRejected(
                ENDPOINT, AT, LATENCY, "authentication refused (WRONGPASS invalid username-password pair)", "app");

        assertThat(refused.credentialsRejected()).isTrue();
        assertThat(refused.rejectedUser()).isEqualTo("app");
        assertThat(refused.reachable()).isFalse();
        assertThat(ProbeResult.failed(ENDPOINT, AT, LATENCY, "connection refused")
                        .credentialsRejected())
                .isFalse();
        assertThatThrownBy(() -> new ProbeResult(ENDPOINT, AT, LATENCY, MASTER, null, Set.of(), 1, "app"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rejectedUser belongs to failed probes only");
    }

    @Test
    void keepsResolvedAddressesSortedAndUnmodifiable() {
        ProbeResult result = ProbeResult.reached(ENDPOINT, AT, LATENCY, REPLICA, Set.of("10.0.0.9", "10.0.0.10"));

        assertThat(result.masterHostAddresses()).containsExactly("10.0.0.10", "10.0.0.9");
        assertThat(result.masterHostAddresses()).isEqualTo(Set.of("10.0.0.9", "10.0.0.10"));
        assertThatThrownBy(() -> result.masterHostAddresses().add("x"))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThat(new ProbeResult(ENDPOINT, AT, LATENCY, REPLICA, null, null, -1).masterHostAddresses())
                .isEmpty();
    }

    @Test
    void sentinelLinksAreUnknownUnlessCounted() {
        assertThat(ProbeResult.reached(ENDPOINT, AT, LATENCY, MASTER).sentinelLinks())
                .isEqualTo(ProbeResult.UNKNOWN_SENTINEL_LINKS);
        assertThat(ProbeResult.failed(ENDPOINT, AT, LATENCY, "connection refused")
                        .monitoredBySentinels())
                .isFalse();
        assertThat(ProbeResult.reached(ENDPOINT, AT, LATENCY, MASTER, Set.of(), 0)
                        .monitoredBySentinels())
                .isFalse();
        assertThat(ProbeResult.reached(ENDPOINT, AT, LATENCY, MASTER, Set.of(), 3)
                        .monitoredBySentinels())
                .isTrue();
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                argumentSet("both report and failure", (Runnable)
                        () -> new ProbeResult(ENDPOINT, AT, LATENCY, MASTER, "connection refused", Set.of(), -1)),
                argumentSet("neither report nor failure", (Runnable)
                        () -> new ProbeResult(ENDPOINT, AT, LATENCY, null, null, Set.of(), -1)),
                argumentSet("blank failure", (Runnable) () -> ProbeResult.failed(ENDPOINT, AT, LATENCY, " ")),
                argumentSet("negative latency", (Runnable)
                        () -> ProbeResult.reached(ENDPOINT, AT, Duration.ofMillis(-1), MASTER)),
                argumentSet("resolved master host on a master", (Runnable)
                        () -> ProbeResult.reached(ENDPOINT, AT, LATENCY, MASTER, Set.of("10.0.0.10"))),
                argumentSet("resolved master host on a failed probe", (Runnable) () ->
                        new ProbeResult(ENDPOINT, AT, LATENCY, null, "connection refused", Set.of("10.0.0.10"), -1)),
                argumentSet("Sentinel links counted on a failed probe", (Runnable)
                        () -> new ProbeResult(ENDPOINT, AT, LATENCY, null, "connection refused", Set.of(), 2)),
                argumentSet("negative Sentinel links other than unknown", (Runnable)
                        () -> ProbeResult.reached(ENDPOINT, AT, LATENCY, MASTER, Set.of(), -2)));
    }

    @ParameterizedTest
    @MethodSource("invalid")
    void rejectsAnInconsistentResult(Runnable construction) {
        assertThatThrownBy(construction::run).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void requiresWhatEveryResultHas() {
        assertThatThrownBy(() -> ProbeResult.reached(null, AT, LATENCY, MASTER))
                .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> ProbeResult.reached(ENDPOINT, null, LATENCY, MASTER))
                .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> ProbeResult.failed(ENDPOINT, AT, null, "x")).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> ProbeResult.reached(ENDPOINT, AT, LATENCY, null))
                .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> ProbeResult.failed(ENDPOINT, AT, LATENCY, null))
                .isInstanceOf(NullPointerException.class);
    }
}
