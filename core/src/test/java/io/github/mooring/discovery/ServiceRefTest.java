package io.github.mooring.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class ServiceRefTest {

    @Test
    void defaultsToThePortNamedRedis() {
        ServiceRef ref = ServiceRef.of("redis", "shop");

        assertThat(ref.name()).isEqualTo("redis");
        assertThat(ref.namespace()).isEqualTo("shop");
        assertThat(ref.port()).isEqualTo(ServicePort.named("redis"));
        assertThat(ref.ipFamily()).isEqualTo(IpFamilyPreference.IPV4_PREFERRED);
        assertThat(ref).hasToString("Service 'redis' in namespace 'shop'");
        assertThat(new ServiceRef("redis", "shop", ServicePort.DEFAULT)).isEqualTo(ref);
    }

    @Test
    void acceptsTheLongestDnsLabel() {
        String name = "a" + "-".repeat(61) + "z";

        assertThat(ServiceRef.of(name, "default").name()).hasSize(63);
    }

    @ParameterizedTest
    @EmptySource
    @ValueSource(strings = {" ", "\t"})
    void rejectsAnEmptyServiceName(String name) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ServiceRef.of(name, "shop"))
                .withMessage("service must not be blank");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ServiceRef.of(null, "shop"))
                .withMessage("service must not be null");
    }

    @ParameterizedTest
    @EmptySource
    @ValueSource(strings = {"  "})
    void rejectsAnEmptyNamespace(String namespace) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ServiceRef.of("redis", namespace))
                .withMessage("namespace must not be blank");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ServiceRef.of("redis", null))
                .withMessage("namespace must not be null");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Redis", "redis_master", "-redis", "redis-", "redis.shop", "rédis", "redis master"})
    void rejectsNamesThatAreNoDnsLabel(String name) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ServiceRef.of(name, "shop"))
                .withMessage("service must be a DNS label (lowercase letters, digits and '-', at most 63 characters),"
                        + " was '" + name + "'");
    }

    @Test
    void rejectsNamesLongerThanADnsLabel() {
        String name = "r".repeat(64);

        assertThatIllegalArgumentException()
                .isThrownBy(() -> ServiceRef.of(name, "shop"))
                .withMessageContaining("at most 63 characters");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ServiceRef.of("redis", name))
                .withMessageStartingWith("namespace must be a DNS label")
                .withMessageEndingWith("was '" + name + "'");
    }

    @Test
    void requiresAPort() {
        assertThatNullPointerException()
                .isThrownBy(() -> new ServiceRef("redis", "shop", null))
                .withMessage("port must not be null");
    }
}
