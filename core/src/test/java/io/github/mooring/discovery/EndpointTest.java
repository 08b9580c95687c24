package io.github.mooring.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
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

    /**
     * One form everywhere: what an EndpointSlice, a DNS answer, {@code INFO}'s {@code master_host}, a Sentinel and a
     * socket write for the same pod compares equal.
     */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "10.0.0.1,                       10.0.0.1",
        "Redis-0.Redis.NS,               redis-0.redis.ns",
        "fd00::1,                        fd00::1",
        "[FD00::1],                      fd00::1",
        "fd00:0:0:0:0:0:0:1,             fd00::1",
        "fd00:0000:0000:0000:0000:0000:0000:0001, fd00::1",
        "2001:db8:0:0:1:0:0:1,           2001:db8::1:0:0:1",
        "2001:db8:0:1:1:1:1:1,           2001:db8:0:1:1:1:1:1",
        "0:0:0:0:0:0:0:1,                ::1",
        "0:0:0:0:0:0:0:0,                ::",
        "fd6d:6f6f:1:2:0:0:0:a,          fd6d:6f6f:1:2::a",
        "::ffff:10.0.0.1,                10.0.0.1",
        "fe80:0:0:0:0:0:0:1%eth0,        fe80::1%eth0",
        "zz::1,                          zz::1",
        "fd00::zz,                       fd00::zz",
    })
    void writesHostsInOneCanonicalForm(String host, String canonical) {
        assertThat(Endpoint.canonicalHost(host)).isEqualTo(canonical);
        assertThat(Endpoint.of(host, 6379).host()).isEqualTo(canonical);
    }

    @Test
    void formatsAConnectedSocketAsTheEndpointOfThatPod() throws Exception {
        InetSocketAddress socket = new InetSocketAddress(InetAddress.getByName("fd00:0:0:0:0:0:0:1"), 6379);
        assertThat(socket.getAddress().getHostAddress()).isEqualTo("fd00:0:0:0:0:0:0:1"); // what Java prints
        assertThat(Endpoint.address(socket))
                .isEqualTo("[fd00::1]:6379")
                .isEqualTo(Endpoint.of("fd00::1", 6379).address());
        assertThat(Endpoint.address(new InetSocketAddress(InetAddress.getByName("10.1.2.3"), 6380)))
                .isEqualTo("10.1.2.3:6380");
        assertThat(Endpoint.address("FD00:0::1", 6379)).isEqualTo("[fd00::1]:6379");
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
