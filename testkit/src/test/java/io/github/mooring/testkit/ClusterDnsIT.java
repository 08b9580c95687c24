package io.github.mooring.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.mooring.testkit.RedisPod.Deletion;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The cluster DNS, queried over real UDP by Netty's resolver with no cache. */
class ClusterDnsIT {

    private static final Duration TTL = Duration.ofSeconds(7);

    @RegisterExtension
    static final SimulatedNamespaceExtension KIT = new SimulatedNamespaceExtension(b -> b.dnsTtl(TTL));

    private DnsProbe dns;

    @AfterEach
    void closeResolver() {
        if (dns != null) {
            dns.close();
        }
    }

    private DnsProbe dns(SimulatedNamespace ns) {
        dns = new DnsProbe(ns.dns().address());
        return dns;
    }

    @Test
    void serviceNameAnswersTheReadyPodsWithTheConfiguredTtl(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").replicas(3).start();
        DnsProbe dns = dns(ns);
        List<String> podIps = redis.pods().stream().map(RedisPod::ip).toList();

        DnsProbe.Answer answer = dns.query(redis.serviceDnsName(), DnsRecordType.A);
        assertThat(answer.code()).isEqualTo(DnsResponseCode.NOERROR);
        assertThat(answer.data()).containsExactlyInAnyOrderElementsOf(podIps);
        assertThat(answer.answers()).allSatisfy(rr -> {
            assertThat(rr.ttl()).isEqualTo(7);
            assertThat(rr.type()).isEqualTo(DnsRecordType.A);
        });
        assertThat(redis.serviceDnsName()).isEqualTo("redis." + ns.name() + ".svc.cluster.local");
        assertThat(ns.dns().ttl()).isEqualTo(TTL);
        assertThat(ns.dns().addresses(redis.serviceDnsName())).containsExactlyInAnyOrderElementsOf(podIps);
        // An application's resolver gets the same; names are case-insensitive and may end with a dot.
        assertThat(dns.resolveAll(redis.serviceDnsName())).containsExactlyInAnyOrderElementsOf(podIps);
        assertThat(dns.query(redis.serviceDnsName().toUpperCase() + ".", DnsRecordType.A)
                        .data())
                .containsExactlyInAnyOrderElementsOf(podIps);
        // IPv4 only: AAAA is NOERROR with no answer.
        DnsProbe.Answer aaaa = dns.query(redis.serviceDnsName(), DnsRecordType.AAAA);
        assertThat(aaaa.code()).isEqualTo(DnsResponseCode.NOERROR);
        assertThat(aaaa.answers()).isEmpty();
        assertThat(ns.dns().queryCount()).isGreaterThanOrEqualTo(4);
    }

    @Test
    void serviceNameFollowsReadinessAndReplacement(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").replicas(2).start();
        DnsProbe dns = dns(ns);
        RedisPod pod = redis.pod(1);
        String oldIp = pod.ip();
        String name = redis.serviceDnsName();

        pod.stopContainer();
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(dns.query(name, DnsRecordType.A).data())
                        .containsExactly(redis.pod(0).ip()));
        assertThat(dns.query(redis.podDnsName(1), DnsRecordType.A).code()).isEqualTo(DnsResponseCode.NXDOMAIN);

        pod.startContainer();
        pod.awaitReady(Duration.ofSeconds(30));
        pod.replace(Deletion.KILL, Duration.ofMillis(300));
        pod.awaitReady(Duration.ofSeconds(30));
        String newIp = pod.ip();
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(dns.query(name, DnsRecordType.A).data())
                        .containsExactlyInAnyOrder(redis.pod(0).ip(), newIp)
                        .doesNotContain(oldIp));
        assertThat(dns.query(redis.podDnsName(1), DnsRecordType.A).data()).containsExactly(newIp);
        assertThat(ns.dns().lastChangeNanos()).isPositive();
    }

    @Test
    void perPodNamesAnswerEachPodsIp(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").replicas(3).start();
        DnsProbe dns = dns(ns);
        for (RedisPod pod : redis.pods()) {
            String name = redis.podDnsName(pod.ordinal());
            assertThat(name).isEqualTo(pod.name() + ".redis." + ns.name() + ".svc.cluster.local");
            DnsProbe.Answer answer = dns.query(name, DnsRecordType.A);
            assertThat(answer.data()).containsExactly(pod.ip());
            assertThat(answer.answers())
                    .singleElement()
                    .satisfies(rr -> assertThat(rr.ttl()).isEqualTo(7));
        }
    }

    @Test
    void srvRecordsNamePort6379AndEachPodWithItsAddress(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").replicas(3).start();
        DnsProbe dns = dns(ns);
        String srvName = ClusterDns.srvName("redis", "redis", ns.name());
        assertThat(srvName).isEqualTo("_redis._tcp.redis." + ns.name() + ".svc.cluster.local");

        DnsProbe.Answer answer = dns.query(srvName, DnsRecordType.SRV);
        assertThat(answer.code()).isEqualTo(DnsResponseCode.NOERROR);
        assertThat(answer.answers()).hasSize(3).allSatisfy(rr -> {
            assertThat(rr.type()).isEqualTo(DnsRecordType.SRV);
            assertThat(rr.ttl()).isEqualTo(7);
            assertThat(rr.data().split(" ")[2]).isEqualTo("6379");
        });
        assertThat(answer.answers())
                .extracting(rr -> rr.data().split(" ")[3])
                .containsExactlyInAnyOrder(
                        redis.podDnsName(0) + ".", redis.podDnsName(1) + ".", redis.podDnsName(2) + ".");
        // Each target's address comes along in the additional section.
        assertThat(answer.additionals())
                .extracting(DnsProbe.Rr::data)
                .containsExactlyInAnyOrderElementsOf(
                        redis.pods().stream().map(RedisPod::ip).toList());
        for (RedisPod pod : redis.pods()) {
            assertThat(answer.additionals()).anySatisfy(rr -> {
                assertThat(rr.name()).isEqualTo(redis.podDnsName(pod.ordinal()) + ".");
                assertThat(rr.data()).isEqualTo(pod.ip());
            });
        }
    }

    @Test
    void unknownNamesAndAServiceWithoutReadyPodsAreNxdomain(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").replicas(1).start();
        DnsProbe dns = dns(ns);
        for (String name : List.of(
                "other." + ns.name() + ".svc.cluster.local",
                "redis.other-namespace.svc.cluster.local",
                "redis-7.redis." + ns.name() + ".svc.cluster.local",
                "example.com")) {
            assertThat(dns.query(name, DnsRecordType.A).code()).as(name).isEqualTo(DnsResponseCode.NXDOMAIN);
        }
        assertThat(dns.query(ClusterDns.srvName("other-port", "redis", ns.name()), DnsRecordType.SRV)
                        .code())
                .isEqualTo(DnsResponseCode.NXDOMAIN);

        redis.pod(0).stopContainer();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> dns.query(redis.serviceDnsName(), DnsRecordType.A)
                        .code()
                        .equals(DnsResponseCode.NXDOMAIN));
        assertThat(ns.dns().addresses(redis.serviceDnsName())).isEmpty();
    }

    @Test
    void changedTtlAppliesToTheNextAnswers(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").replicas(1).start();
        DnsProbe dns = dns(ns);
        assertThat(dns.query(redis.serviceDnsName(), DnsRecordType.A).answers())
                .singleElement()
                .satisfies(rr -> assertThat(rr.ttl()).isEqualTo(7));

        ns.dns().ttl(Duration.ofSeconds(1));
        assertThat(ns.dns().ttl()).isEqualTo(Duration.ofSeconds(1));
        assertThat(dns.query(redis.serviceDnsName(), DnsRecordType.A).answers())
                .singleElement()
                .satisfies(rr -> assertThat(rr.ttl()).isEqualTo(1));
        assertThat(dns.query(ClusterDns.srvName("redis", "redis", ns.name()), DnsRecordType.SRV)
                        .answers())
                .singleElement()
                .satisfies(rr -> assertThat(rr.ttl()).isEqualTo(1));

        ns.dns().ttl(Duration.ZERO);
        assertThat(dns.query(redis.podDnsName(0), DnsRecordType.A).answers())
                .singleElement()
                .satisfies(rr -> assertThat(rr.ttl()).isZero());
    }

    @Test
    void withCoreDnsCacheAChangeIsAnsweredOnlyWhenTheCachedAnswerExpires(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").replicas(2).start();
        DnsProbe dns = dns(ns);
        ns.dns().ttl(Duration.ofSeconds(60));
        ns.dns().cache(Duration.ofSeconds(10)); // "cache 10" caps the records' 60 s
        String leaving = redis.pod(1).ip();
        assertThat(dns.query(redis.serviceDnsName(), DnsRecordType.A).data()).contains(leaving);

        redis.pod(1).failReadiness();
        await().atMost(Duration.ofSeconds(20))
                .until(() -> !ns.dns().addresses(redis.serviceDnsName()).contains(leaving));
        DnsProbe.Answer stale = dns.query(redis.serviceDnsName(), DnsRecordType.A);
        assertThat(stale.data()).as("the cached answer, until it expires").contains(leaving);
        assertThat(stale.answers()).allSatisfy(rr -> assertThat(rr.ttl()).isBetween(0L, 10L));
        await().alias("the cached answer expires within the cache's 10 s")
                .atMost(Duration.ofSeconds(15))
                .until(() -> !dns.query(redis.serviceDnsName(), DnsRecordType.A)
                        .data()
                        .contains(leaving));

        redis.pod(1).passReadiness();
        await().atMost(Duration.ofSeconds(20))
                .until(() -> ns.dns().addresses(redis.serviceDnsName()).contains(leaving));
        assertThat(dns.query(redis.serviceDnsName(), DnsRecordType.A).data()).doesNotContain(leaving);
        ns.dns().flushCache();
        assertThat(dns.query(redis.serviceDnsName(), DnsRecordType.A).data()).contains(leaving);
        ns.dns().cache(Duration.ZERO);
        assertThat(ns.dns().cache()).isZero();
    }
}
