package io.github.mooring.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.mooring.testkit.RedisPod.Deletion;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * IPv6 and dual-stack Services: pods on IPv6 loopback addresses of their own, one EndpointSlice per family, A and AAAA
 * records. Skipped, with the reason, where this machine cannot add addresses to {@code lo} ({@link IpFamily}).
 */
@ExtendWith(SimulatedNamespaceExtension.class)
class IpFamiliesIT {

    private static final String SERVICE_LABEL = "kubernetes.io/service-name";

    @BeforeAll
    static void ipv6Loopback() {
        IpFamily.IPV6.requireAvailable("IpFamiliesIT");
    }

    @Test
    void anIpv6ServiceRunsItsPodsOnAddressesOfTheirOwnAndPublishesThemAsIpv6(SimulatedNamespace ns) throws IOException {
        RedisStatefulSet redis =
                ns.redis("redis").replicas(2).ipFamilies(IpFamily.IPV6).start();
        assertThat(redis.ipFamilies()).containsExactly(IpFamily.IPV6);
        for (RedisPod pod : redis.pods()) {
            assertThat(InetAddress.getByName(pod.ip())).isInstanceOf(Inet6Address.class);
            assertThat(pod.ips()).containsExactly(pod.ip());
            assertThat(pod.address()).isEqualTo("[" + pod.ip() + "]:6379");
            assertThat(pod.command("PING")).isEqualTo("PONG");
        }
        // Replication runs over IPv6 (start() waited for the link): the replica follows pod 0's IPv6 address.
        assertThat(redis.pod(1).info("replication"))
                .containsEntry("master_host", redis.pod(0).ip())
                .containsEntry("master_link_status", "up");

        try (KubernetesClient client = ns.api().newClient()) {
            assertThat(slices(client, "redis")).singleElement().satisfies(slice -> {
                assertThat(slice.getAddressType()).isEqualTo("IPv6");
                assertThat(addresses(slice)).containsExactlyInAnyOrderElementsOf(ips(redis, 0));
            });
            assertThat(client.pods().withName("redis-0").get().getStatus().getPodIPs())
                    .extracting(PodIP::getIp)
                    .containsExactly(redis.pod(0).ip());
        }
        try (DnsProbe dns = new DnsProbe(ns.dns().address())) {
            DnsProbe.Answer aaaa = dns.query(redis.serviceDnsName(), DnsRecordType.AAAA);
            assertThat(aaaa.code()).isEqualTo(DnsResponseCode.NOERROR);
            assertThat(aaaa.answers()).allSatisfy(rr -> assertThat(rr.type()).isEqualTo(DnsRecordType.AAAA));
            assertThat(canonical(aaaa.data())).containsExactlyInAnyOrderElementsOf(canonical(ips(redis, 0)));
            // No IPv4 address: A is NOERROR with no answer, as CoreDNS answers for an IPv6-only Service.
            DnsProbe.Answer a = dns.query(redis.serviceDnsName(), DnsRecordType.A);
            assertThat(a.code()).isEqualTo(DnsResponseCode.NOERROR);
            assertThat(a.answers()).isEmpty();
            assertThat(canonical(
                            dns.query(redis.podDnsName(1), DnsRecordType.AAAA).data()))
                    .containsExactlyElementsOf(canonical(List.of(redis.pod(1).ip())));
        }

        // A replacement gets a new IPv6 address.
        String before = redis.pod(0).ip();
        redis.pod(0).replace(Deletion.KILL, Duration.ZERO);
        redis.pod(0).awaitReady(Duration.ofSeconds(30));
        assertThat(redis.pod(0).ip()).isNotEqualTo(before);
        assertThat(InetAddress.getByName(redis.pod(0).ip())).isInstanceOf(Inet6Address.class);
    }

    @Test
    void theAddressesAddedToLoAreRemovedWhenTheNamespaceCloses() throws IOException {
        List<String> used;
        try (SimulatedNamespace own = SimulatedNamespace.start()) {
            RedisStatefulSet redis =
                    own.redis("redis").replicas(1).ipFamilies(IpFamily.IPV6).start();
            String first = redis.pod(0).ip();
            redis.pod(0).replace(Deletion.KILL, Duration.ZERO);
            redis.pod(0).awaitReady(Duration.ofSeconds(30));
            used = canonical(List.of(first, redis.pod(0).ip()));
            assertThat(loAddresses()).containsAll(used);
        }
        assertThat(loAddresses()).doesNotContainAnyElementsOf(used);
    }

    /**
     * Sentinels of an IPv6 set listen on IPv6 addresses of their own and know every replica: on IPv4 addresses, Redis
     * 6.2's Sentinels bound their connections to the pods to that address and never reached them (CI's boot-4.0 step:
     * "Sentinel 127.56.1.185 does not know all 2 replicas yet"). Their addresses leave {@code lo} at close.
     */
    @Test
    void theSentinelsOfAnIpv6SetRunOnIpv6AndKnowEveryReplica() throws IOException {
        List<String> used;
        try (SimulatedNamespace own = SimulatedNamespace.start()) {
            RedisStatefulSet redis =
                    own.redis("redis").replicas(3).ipFamilies(IpFamily.IPV6).start();
            Sentinels sentinels = own.sentinels(redis).start();
            sentinels.awaitReady(Duration.ofSeconds(45));
            for (String ip : sentinels.ips()) {
                assertThat(InetAddress.getByName(ip)).isInstanceOf(Inet6Address.class);
            }
            assertThat(sentinels.addresses())
                    .allSatisfy(address -> assertThat(address).startsWith("[").endsWith("]:26379"));
            assertThat(sentinels.masterAddress()).contains(redis.pod(0).address());
            used = canonical(sentinels.ips());
            assertThat(loAddresses()).containsAll(used);
        }
        assertThat(loAddresses()).doesNotContainAnyElementsOf(used);
    }

    @Test
    void theWatchdogRemovesTheAddressesOfAJvmKilledWithSigkill(@TempDir Path root) throws Exception {
        Process jvm = OrphanedNamespaceMain.launch(root, "", "ipv6");
        List<String> ips = List.of();
        try (BufferedReader out =
                new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8))) {
            CompletableFuture<String> ipLine = CompletableFuture.supplyAsync(() -> out.lines()
                    .filter(line -> line.startsWith("IPS "))
                    .findFirst()
                    .orElse("IPS "));
            ips = canonical(
                    List.of(ipLine.get(90, TimeUnit.SECONDS).substring(4).split(",")));
            assertThat(ips).hasSize(2);
            assertThat(loAddresses()).containsAll(ips);

            jvm.destroyForcibly(); // SIGKILL: no shutdown hook runs
            assertThat(jvm.waitFor(30, TimeUnit.SECONDS)).isTrue();
            List<String> added = ips;
            await("the killed JVM's addresses removed from lo by the watchdog")
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> Collections.disjoint(loAddresses(), added));
        } finally {
            jvm.destroyForcibly();
            for (String ip : ips) {
                LoopbackAddresses.release(ip); // a no-op: this JVM did not add them
            }
        }
    }

    @Test
    void aDualStackServiceHasOneSlicePerFamilyAndAnswersBothAAndAaaa(SimulatedNamespace ns) throws Exception {
        RedisStatefulSet redis = ns.redis("redis")
                .replicas(2)
                .ipFamilies(IpFamily.IPV4, IpFamily.IPV6)
                .start();
        for (RedisPod pod : redis.pods()) {
            assertThat(pod.ips()).hasSize(2);
            assertThat(pod.ips().get(0)).isEqualTo(pod.ip()).doesNotContain(":");
            assertThat(pod.ips().get(1)).contains(":");
        }
        // Redis listens on both addresses of a pod.
        for (String ip : redis.pod(0).ips()) {
            assertThat(Resp.once(ip, redis.port(), Duration.ofSeconds(5), Resp.Access.NONE, "PING"))
                    .isEqualTo("PONG");
        }
        try (KubernetesClient client = ns.api().newClient()) {
            Map<String, EndpointSlice> byType = slices(client, "redis").stream()
                    .collect(Collectors.toMap(EndpointSlice::getAddressType, slice -> slice));
            assertThat(byType).containsOnlyKeys("IPv4", "IPv6");
            assertThat(addresses(byType.get("IPv4"))).containsExactlyInAnyOrderElementsOf(ips(redis, 0));
            assertThat(addresses(byType.get("IPv6"))).containsExactlyInAnyOrderElementsOf(ips(redis, 1));
            // Each pod once per slice, with the same pod reference and conditions.
            assertThat(byType.get("IPv6").getEndpoints())
                    .extracting(e -> e.getTargetRef().getName())
                    .containsExactlyInAnyOrder("redis-0", "redis-1");
            // The legacy Endpoints object lists the primary family only, as Kubernetes' controller does.
            Endpoints legacy = client.endpoints().withName("redis").get();
            assertThat(legacy.getSubsets().get(0).getAddresses())
                    .extracting(EndpointAddress::getIp)
                    .containsExactlyInAnyOrderElementsOf(ips(redis, 0));
        }
        try (DnsProbe dns = new DnsProbe(ns.dns().address())) {
            assertThat(dns.query(redis.serviceDnsName(), DnsRecordType.A).data())
                    .containsExactlyInAnyOrderElementsOf(ips(redis, 0));
            assertThat(canonical(dns.query(redis.serviceDnsName(), DnsRecordType.AAAA)
                            .data()))
                    .containsExactlyInAnyOrderElementsOf(canonical(ips(redis, 1)));
            DnsProbe.Answer srv = dns.query(ClusterDns.srvName("redis", "redis", ns.name()), DnsRecordType.SRV);
            assertThat(srv.answers()).hasSize(2);
            assertThat(srv.additionals())
                    .extracting(DnsProbe.Rr::type)
                    .containsOnly(DnsRecordType.A, DnsRecordType.AAAA)
                    .hasSize(4);
        }
    }

    @Test
    void ipv4StaysTheDefault(SimulatedNamespace ns) throws IOException {
        RedisStatefulSet redis = ns.redis("redis").replicas(1).start();
        assertThat(redis.ipFamilies()).containsExactly(IpFamily.IPV4);
        assertThat(InetAddress.getByName(redis.pod(0).ip())).isInstanceOf(Inet4Address.class);
    }

    private static List<EndpointSlice> slices(KubernetesClient client, String service) {
        return client.discovery()
                .v1()
                .endpointSlices()
                .withLabel(SERVICE_LABEL, service)
                .list()
                .getItems();
    }

    private static List<String> addresses(EndpointSlice slice) {
        return slice.getEndpoints().stream()
                .flatMap(e -> e.getAddresses().stream())
                .toList();
    }

    /** Every pod's address of the {@code index}th family. */
    private static List<String> ips(RedisStatefulSet redis, int index) {
        return redis.pods().stream().map(pod -> pod.ips().get(index)).toList();
    }

    /** As Java prints them, so that {@code fd6d:6f6f:…::1} and {@code fd6d:6f6f:…:0:0:1} compare equal. */
    private static List<String> canonical(List<String> ips) {
        return ips.stream()
                .map(ip -> {
                    try {
                        return InetAddress.getByName(ip).getHostAddress();
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                })
                .toList();
    }

    private static List<String> loAddresses() throws IOException {
        Process process = new ProcessBuilder("ip", "-6", "-o", "addr", "show", "dev", "lo")
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return canonical(output.lines()
                .filter(line -> line.contains("inet6 "))
                .map(line -> line.replaceAll(".*inet6 ([0-9a-f:]+)/.*", "$1"))
                .toList());
    }
}
