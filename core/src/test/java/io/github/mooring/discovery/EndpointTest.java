package io.github.mooring.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EndpointTest {

    @ParameterizedTest(name = "{0} port {1} -> {2}")
    @CsvSource({
        "10.1.2.3,    6379,  10.1.2.3:6379",
        "fd00::1,     6379,  [fd00::1]:6379",
        "[fd00::1],   6380,  [fd00::1]:6380",
        "redis-0.redis.ns.svc.cluster.local, 6379, redis-0.redis.ns.svc.cluster.local:6379",
        "127.0.1.1,   1,     127.0.1.1:1",
        "127.0.1.1,   65535, 127.0.1.1:65535",
    })
    void formatsTheAddress(String host, int port, String address) {
        assertThat(Endpoint.of(host, port).address()).isEqualTo(address);
    }

    @Test
    void storesAnIpv6HostWithoutBrackets() {
        assertThat(Endpoint.of("[fd00::1]", 6379).host()).isEqualTo("fd00::1");
    }

    @Test
    void namesThePodWhenKnown() {
        assertThat(new Endpoint("10.1.2.3", 6379, "redis-0", true, false).displayName())
                .isEqualTo("redis-0 (10.1.2.3:6379)");
        assertThat(Endpoint.of("10.1.2.3", 6379).displayName()).isEqualTo("10.1.2.3:6379");
        assertThat(new Endpoint("10.1.2.3", 6379, " ", true, false).podName()).isNull();
    }

    @Test
    void ofIsReadyNotTerminatingAndNamesNoPod() {
        Endpoint endpoint = Endpoint.of("10.1.2.3", 6379);

        assertThat(endpoint.ready()).isTrue();
        assertThat(endpoint.terminating()).isFalse();
        assertThat(endpoint.podName()).isNull();
    }

    @ParameterizedTest(name = "host \"{0}\" port {1}")
    @CsvSource({"'', 6379", "' ', 6379", "'[]', 6379", "10.1.2.3, 0", "10.1.2.3, -1", "10.1.2.3, 65536"})
    void rejectsInvalidAddresses(String host, int port) {
        assertThatThrownBy(() -> Endpoint.of(host, port)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void requiresAHost() {
        assertThatThrownBy(() -> Endpoint.of(null, 6379)).isInstanceOf(NullPointerException.class);
    }
}
