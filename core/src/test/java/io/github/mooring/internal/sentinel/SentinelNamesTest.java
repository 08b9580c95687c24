package io.github.mooring.internal.sentinel;

import static io.github.mooring.internal.sentinel.SentinelNames.Rule.IP_ADDRESS;
import static io.github.mooring.internal.sentinel.SentinelNames.Rule.OTHER_NAMESPACE;
import static io.github.mooring.internal.sentinel.SentinelNames.Rule.POD_NAME;
import static io.github.mooring.internal.sentinel.SentinelNames.Rule.UNKNOWN_NAME;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.mooring.discovery.Endpoint;
import io.github.mooring.internal.sentinel.SentinelNames.Mapped;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** How the host names Sentinels announce are read as pods, without any resolver, as a table. */
class SentinelNamesTest {

    private static final String NS = "shop";
    private static final List<Endpoint> PODS = List.of(
            new Endpoint("10.0.0.10", 6379, "redis-0", true, false),
            new Endpoint("10.0.0.11", 6379, "redis-1", true, false),
            new Endpoint("fd00::12", 6379, "redis-2", true, false),
            new Endpoint("10.0.0.12", 6379, "redis-2", true, false), // the same pod, its other family: not preferred
            new Endpoint("10.0.0.13", 6379, null, true, false)); // a DNS A record: no pod name

    /** An address a Sentinel wrote, and how it must be read. */
    record Case(String name, String address, String mapped, SentinelNames.Rule rule) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("an IPv4 address is used as written", "10.0.0.99:6379", "10.0.0.99:6379", IP_ADDRESS),
                new Case("an IPv6 address is used as written", "[fd00::99]:6379", "[fd00::99]:6379", IP_ADDRESS),
                new Case(
                        "a pod's FQDN is that pod's IP",
                        "redis-1.redis-headless.shop.svc.cluster.local:6379",
                        "10.0.0.11:6379",
                        POD_NAME),
                new Case(
                        "a pod's FQDN with the root's dot is that pod's IP",
                        "redis-1.redis-headless.shop.svc.cluster.local.:6379",
                        "10.0.0.11:6379",
                        POD_NAME),
                new Case(
                        "a Sentinel sidecar's name is its pod's IP, with the Sentinel's port",
                        "redis-0.redis-headless.shop.svc.cluster.local:26379",
                        "10.0.0.10:26379",
                        POD_NAME),
                new Case("a bare pod name is that pod", "redis-0:6379", "10.0.0.10:6379", POD_NAME),
                new Case(
                        "a pod name under its subdomain alone (no namespace) is that pod",
                        "redis-0.redis-headless:6379",
                        "10.0.0.10:6379",
                        POD_NAME),
                new Case(
                        "a pod listed in two families is read in the family listed first (the preferred one)",
                        "redis-2.redis-headless.shop.svc.cluster.local:6379",
                        "[fd00::12]:6379",
                        POD_NAME),
                new Case(
                        "the same pod name in another namespace is not ours",
                        "redis-1.redis-headless.other.svc.cluster.local:6379",
                        "redis-1.redis-headless.other.svc.cluster.local:6379",
                        OTHER_NAMESPACE),
                new Case(
                        "a pod not discovered (yet) is kept as written: nothing follows it, nothing looks it up",
                        "redis-7.redis-headless.shop.svc.cluster.local:6379",
                        "redis-7.redis-headless.shop.svc.cluster.local:6379",
                        UNKNOWN_NAME));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void mapsAnAddress(Case c) {
        assertThat(SentinelNames.of(NS, PODS).map(c.address())).isEqualTo(new Mapped(c.mapped(), c.rule()));
    }

    @Test
    void withoutPodNamesNothingIsMapped() {
        SentinelNames names = SentinelNames.of(NS, List.of(Endpoint.of("10.0.0.10", 6379)));
        assertThat(names.map("redis-0.redis-headless.shop.svc.cluster.local:6379"))
                .isEqualTo(new Mapped("redis-0.redis-headless.shop.svc.cluster.local:6379", UNKNOWN_NAME));
    }

    @Test
    void everyAddressOfAMessageIsMapped() {
        SentinelNames names = SentinelNames.of(NS, PODS);
        String fqdn = ".redis-headless.shop.svc.cluster.local";
        assertThat(names.map(SentinelMessage.parse(
                                "__sentinel__:hello",
                                "redis-0" + fqdn + ",26379,4c1e,7,redis,redis-1" + fqdn + ",6379,7")
                        .orElseThrow()))
                .isEqualTo(new SentinelMessage.Hello("10.0.0.10:26379", "4c1e", 7, "redis", "10.0.0.11:6379", 7));
        assertThat(names.map(SentinelMessage.parse(
                                "+switch-master", "redis redis-0" + fqdn + " 6379 redis-1" + fqdn + " 6379")
                        .orElseThrow()))
                .isEqualTo(new SentinelMessage.Switch("redis", "10.0.0.10:6379", "10.0.0.11:6379", "+switch-master"));
        assertThat(names.map(SentinelMessage.parse(
                                "+promoted-slave",
                                "slave redis-1" + fqdn + ":6379 redis-1" + fqdn + " 6379 @ redis redis-0" + fqdn
                                        + " 6379")
                        .orElseThrow()))
                .isEqualTo(new SentinelMessage.Switch("redis", "10.0.0.10:6379", "10.0.0.11:6379", "+promoted-slave"));
        assertThat(names.map(SentinelMessage.parse("+odown", "master redis redis-0" + fqdn + " 6379 #quorum 2/2")
                        .orElseThrow()))
                .isEqualTo(new SentinelMessage.Failover("redis", "10.0.0.10:6379", "+odown", true));
        assertThat(names.map(SentinelMessage.parse(
                                "+failover-state-send-slaveof-noone",
                                "slave redis-1" + fqdn + ":6379 redis-1" + fqdn + " 6379 @ redis redis-0" + fqdn
                                        + " 6379")
                        .orElseThrow()))
                .isEqualTo(new SentinelMessage.Failover(
                        "redis", "10.0.0.10:6379", "+failover-state-send-slaveof-noone", true, "10.0.0.11:6379"));
    }
}
