package io.github.mooring.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class ServicePortTest {

    @Test
    void parsesAName() {
        assertThat(ServicePort.parse("redis")).isEqualTo(ServicePort.named("redis"));
        assertThat(ServicePort.parse("tcp-redis-0")).isEqualTo(ServicePort.named("tcp-redis-0"));
    }

    @Test
    void parsesANumber() {
        assertThat(ServicePort.parse("6379")).isEqualTo(ServicePort.number(6379));
        assertThat(ServicePort.parse("1").number()).isEqualTo(1);
        assertThat(ServicePort.parse("65535").number()).isEqualTo(65535);
    }

    @ParameterizedTest
    @EmptySource
    @ValueSource(strings = {"   "})
    void rejectsNothing(String value) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ServicePort.parse(value))
                .withMessage("port must not be blank");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ServicePort.parse(null))
                .withMessage("port must not be null");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "65536", "99999"})
    void rejectsNumbersOutsideThePortRange(String value) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ServicePort.parse(value))
                .withMessageContaining("port must be 1..65535, was " + Integer.parseInt(value));
    }

    @Test
    void rejectsNumbersTooLargeForAnInt() {
        assertThatIllegalArgumentException().isThrownBy(() -> ServicePort.parse("99999999999"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "-6379", "Redis", "redis_port", "redis-", "port:6379", "63 79"})
    void rejectsNegativeNumbersAndInvalidNames(String value) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ServicePort.parse(value))
                .withMessage("port must be a port name (lowercase letters, digits and '-') or a number, was '" + value
                        + "'");
    }

    @Test
    void isChosenByNameOrByNumberNotBoth() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new ServicePort("redis", 6379))
                .withMessage("port name and port number must not both be set");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new ServicePort(null, 0))
                .withMessage("port must be 1..65535, was 0");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ServicePort.number(-1))
                .withMessage("port must be 1..65535, was -1");
    }

    @Test
    void matchesByNameOrNumber() {
        assertThat(ServicePort.named("redis").matches("redis", 6379)).isTrue();
        assertThat(ServicePort.named("redis").matches("other", 6379)).isFalse();
        assertThat(ServicePort.named("redis").matches(null, 6379)).isFalse();
        assertThat(ServicePort.number(6379).matches(null, 6379)).isTrue();
        assertThat(ServicePort.number(6379).matches("redis", 6380)).isFalse();
        assertThat(ServicePort.number(6379).matches("redis", null)).isFalse();
    }

    @Test
    void describesItself() {
        assertThat(ServicePort.named("redis")).hasToString("port 'redis'");
        assertThat(ServicePort.number(6379)).hasToString("port 6379");
    }
}
