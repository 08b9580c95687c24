package io.github.mooring.internal.sentinel;

import static io.github.mooring.internal.sentinel.SentinelTargets.Rule.ANNOUNCED;
import static io.github.mooring.internal.sentinel.SentinelTargets.Rule.IN_SERVICE;
import static io.github.mooring.internal.sentinel.SentinelTargets.Rule.NOT_IN_SERVICE;
import static io.github.mooring.internal.sentinel.SentinelTargets.Rule.NOT_READY;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.mooring.discovery.Endpoint;
import io.github.mooring.internal.sentinel.SentinelTargets.Rule;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Which Sentinels Mooring subscribes to, from the hellos on the pods and the {@code sentinelService}, as a table. */
class SentinelTargetsTest {

    private static final String S1 = "10.0.1.1:26379";
    private static final String S2 = "10.0.1.2:26379";
    private static final String S2_NEW = "10.0.1.9:26379";
    private static final String NATTED = "192.0.2.7:26379";

    /** What is known, and what must be followed and why. */
    record Case(
            String name,
            List<String> announced,
            List<Endpoint> service,
            Set<String> followed,
            Map<String, Rule> rules) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case(
                        "without a sentinelService, nothing is followed before a hello",
                        List.of(),
                        null,
                        Set.of(),
                        Map.of()),
                new Case(
                        "without a sentinelService, every Sentinel a hello names is followed",
                        List.of(S1, S2),
                        null,
                        Set.of(S1, S2),
                        Map.of(S1, ANNOUNCED, S2, ANNOUNCED)),
                new Case(
                        "with a sentinelService not discovered yet, nothing is followed (not even announced ones)",
                        List.of(S1),
                        List.of(),
                        Set.of(),
                        Map.of(S1, NOT_IN_SERVICE)),
                new Case(
                        "the Service's ready endpoints are followed though no hello names them",
                        List.of(),
                        List.of(ready(S1), ready(S2)),
                        Set.of(S1, S2),
                        Map.of(S1, IN_SERVICE, S2, IN_SERVICE)),
                new Case(
                        "an announced address the Service does not list is not followed (announce-ip unreachable)",
                        List.of(NATTED),
                        List.of(ready(S1)),
                        Set.of(S1),
                        Map.of(S1, IN_SERVICE, NATTED, NOT_IN_SERVICE)),
                new Case(
                        "an announced address the Service lists is followed once",
                        List.of(S1),
                        List.of(ready(S1)),
                        Set.of(S1),
                        Map.of(S1, IN_SERVICE)),
                new Case(
                        "a Sentinel pod replaced with a new IP: the new IP is followed, the old one no longer",
                        List.of(S1, S2),
                        List.of(ready(S1), ready(S2_NEW)),
                        Set.of(S1, S2_NEW),
                        Map.of(S1, IN_SERVICE, S2_NEW, IN_SERVICE, S2, NOT_IN_SERVICE)),
                new Case(
                        "an endpoint not ready or terminating is not followed",
                        List.of(),
                        List.of(
                                ready(S1),
                                new Endpoint("10.0.1.2", 26379, "s-1", false, false),
                                new Endpoint("10.0.1.9", 26379, "s-2", true, true)),
                        Set.of(S1),
                        Map.of(S1, IN_SERVICE, S2, NOT_READY, S2_NEW, NOT_READY)),
                new Case(
                        "an address listed twice counts as ready when any listing is",
                        List.of(),
                        List.of(new Endpoint("10.0.1.1", 26379, "s-0", false, false), ready(S1)),
                        Set.of(S1),
                        Map.of(S1, IN_SERVICE)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void decides(Case c) {
        SentinelTargets targets = SentinelTargets.choose(c.announced(), c.service());

        assertThat(targets.followed()).isEqualTo(c.followed());
        assertThat(targets.rules()).isEqualTo(c.rules());
    }

    private static Endpoint ready(String address) {
        int colon = address.lastIndexOf(':');
        return Endpoint.of(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)));
    }
}
