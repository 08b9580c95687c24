package io.github.mooring.lettuce;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.protocol.CommandType;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Which replies took effect: the fact {@code OrderRules} is given as {@code tookEffect}. */
class CommandSafetyTest {

    @ParameterizedTest(name = "{0} with error {1}: took effect {2}")
    @MethodSource("effects")
    void knowsWhichRepliesTookEffect(CommandType type, String error, boolean tookEffect) {
        assertThat(CommandSafety.tookEffect(type, error)).isEqualTo(tookEffect);
    }

    static Stream<Arguments> effects() {
        return Stream.of(
                Arguments.of(CommandType.SET, null, true),
                Arguments.of(CommandType.INCR, null, true),
                Arguments.of(CommandType.EXEC, null, true),
                Arguments.of(CommandType.SELECT, null, true),
                Arguments.of(
                        CommandType.SET, "WRONGTYPE Operation against a key holding the wrong kind of value", false),
                Arguments.of(CommandType.EVAL, "ERR user_script:1: oops", true),
                Arguments.of(CommandType.GET, null, false),
                Arguments.of(CommandType.PING, null, false),
                Arguments.of(CommandType.SUBSCRIBE, null, false));
    }
}
