package io.github.mooring.internal.sentinel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** What a Sentinel's refusal tells the operator, as a table: the Sentinel, what it refused, the setting to change. */
class SentinelRefusalTest {

    private static final String SENTINEL = "10.0.1.1:26379";

    /** A refusal, and what the warning must say. */
    record Case(String name, String user, boolean hasCredentials, String refusal, List<String> says) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case(
                        "a wrong password names the user and the setting",
                        "mooring",
                        true,
                        "WRONGPASS invalid username-password pair or user is disabled.",
                        List.of(
                                "Sentinel 10.0.1.1:26379 refused the credentials of user mooring (WRONGPASS",
                                "sentinelCredentials",
                                "mooring.sentinel.password",
                                "probing alone")),
                new Case(
                        "a wrong requirepass names the default user",
                        null,
                        true,
                        "WRONGPASS invalid username-password pair or user is disabled.",
                        List.of("refused the credentials of the default user", "mooring.sentinel.password")),
                new Case(
                        "no credentials where the Sentinel needs some: set them",
                        null,
                        false,
                        "NOAUTH Authentication required.",
                        List.of(
                                "Sentinel 10.0.1.1:26379 requires authentication (NOAUTH",
                                "Set sentinelCredentials",
                                "mooring.sentinel.username")),
                new Case(
                        "a user without the rights Mooring needs: grant them",
                        "mooring",
                        true,
                        "NOPERM this user has no permissions to access the '+switch-master' channel",
                        List.of(
                                "refused user mooring a command or channel (NOPERM",
                                "+subscribe +psubscribe",
                                "'Following Sentinel'")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void warns(Case c) {
        String warning = SentinelRefusal.warning(SENTINEL, c.user(), c.hasCredentials(), c.refusal());
        assertThat(warning).contains(c.says());
    }
}
