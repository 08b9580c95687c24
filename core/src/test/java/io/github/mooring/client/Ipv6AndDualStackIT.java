package io.github.mooring.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.mooring.MooringOptions;
import io.github.mooring.discovery.Endpoint;
import io.github.mooring.discovery.IpFamilyPreference;
import io.github.mooring.testing.Harness;
import io.github.mooring.testing.Sources;
import io.github.mooring.testkit.IpFamily;
import io.github.mooring.testkit.PodRuntime;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;
import io.github.mooring.testkit.WriteCheck;
import io.github.mooring.topology.Node;
import io.github.mooring.topology.Topology;
import io.github.mooring.topology.TopologyEvent;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * IPv6 and dual-stack clusters (the testkit's pods on IPv6 loopback addresses of their own; skipped, with the reason,
 * where this machine cannot add addresses to {@code lo}). On an IPv6 cluster Mooring follows the master as on an IPv4
 * one; on a dual-stack one every pod is one node, whatever source finds it (EndpointSlices of both address types,
 * A and AAAA records). A synchronous and a pipelining writer run through each, and the final master is checked against
 * what they were told: in order, nothing acknowledged lost, nothing applied twice.
 */
@ExtendWith(SimulatedNamespaceExtension.class)
class Ipv6AndDualStackIT {

    private static final Duration SETTLE = FailoverRun.SETTLE;

    @BeforeAll
    static void ipv6Loopback() {
        // The testkit aborts (skips) a StatefulSet with IPv6 pods where they cannot run, and says why.
        IpFamily.IPV6
                .unavailableReason()
                .ifPresent(reason -> System.out.println("IPv6 pods cannot run here: " + reason));
    }

    /**
     * Connections stay where they are on an IPv6 cluster: the address a connection reached is the master's. Seen on
     * main: the connection's address ({@code fd6d:6f6f:…:0:0:1:6379}, Java's uncompressed form without brackets)
     * never equalled the master's ({@code [fd6d:6f6f:…::1]:6379}), so each connect was taken for "the master moved":
     * connect, drop, forever.
     */
    @Test
    void connectionsStayOnTheMasterOfAnIpv6Cluster(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").ipFamilies(IpFamily.IPV6).start();
        try (MooringFixture mooring = new MooringFixture(ns, redis, b -> b);
                SyncLedgerWriter sync = new SyncLedgerWriter("sync", mooring.client.connect(), 200)) {
            await().atMost(SETTLE).until(() -> sync.acknowledged.get() >= 50);
            Long clientId = sync.connection.sync().clientId();
            long ackedBefore = sync.acknowledged.get();
            await().atMost(SETTLE).until(() -> sync.acknowledged.get() >= ackedBefore + 400);
            assertThat(sync.connection.sync().clientId())
                    .as("the writer's connection after 400 more writes (a new id: it was dropped and reopened)")
                    .isEqualTo(clientId);
            Node master = mooring.client.topology().master().orElseThrow();
            assertThat(master.address()).isEqualTo(redis.pod(0).address());
            assertThat(master.address()).startsWith("[fd6d:6f6f:").endsWith("]:6379");
            assertThat(sync.otherFailures).as("samples %s", sync.failureSamples).isEmpty();
            assertThat(sync.fateUnknown.get()).isZero();
        }
    }

    /**
     * The master replaced (new IPv6 address), demoted while writing, or failed over by Sentinels (on IPv6 addresses of
     * their own, following the pods' IPv6 addresses, and whose messages Mooring follows), on an IPv6 cluster. With the
     * Sentinels on IPv4 addresses, Redis 6.2's Sentinels never reached the pods ("does not know all 2 replicas yet").
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = Disruption.class,
            names = {"POD_REPLACED_WITH_NEW_IP", "DEMOTED_BY_REPLICAOF_WHILE_WRITING", "SENTINEL_FAILOVER_COMMAND"})
    void followsTheMasterOnAnIpv6Cluster(Disruption disruption, SimulatedNamespace ns) {
        writersThrough(ns, disruption, b -> b, set -> set.ipFamilies(IpFamily.IPV6));
    }

    /**
     * A dual-stack Service: each pod has an IPv4 and an IPv6 address, EndpointSlices of both address types, and A and
     * AAAA records. Each pod is one node (IPv4, preferred where both exist), for every source: never two nodes for one
     * pod, never a split brain; and the writers go through a replacement of the master.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Sources.class)
    void eachPodOfADualStackServiceIsOneNode(Sources source, SimulatedNamespace ns) {
        List<TopologyEvent.SplitBrainDetected> splitBrains = writersThrough(
                ns,
                Disruption.POD_REPLACED_WITH_NEW_IP,
                b -> withSource(b, source, ns),
                set -> set.ipFamilies(IpFamily.IPV4, IpFamily.IPV6));
        // Seen on main: each pod's IPv4 and IPv6 addresses were two masters, or a master and a replica of no one.
        assertThat(splitBrains).as("split brains seen").isEmpty();
    }

    /** An IPv6 cluster is found by every source (AAAA records for dns, with the default preference too). */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Sources.class)
    void everySourceFindsAnIpv6Cluster(Sources source, SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").ipFamilies(IpFamily.IPV6).start();
        try (MooringFixture mooring = new MooringFixture(ns, redis, b -> withSource(b, source, ns))) {
            assertNodes(mooring, redis, 0);
            assertThat(mooring.client.connect().sync().incr("visits")).isEqualTo(1);
        }
    }

    /**
     * Where the application says so ({@code ipFamily(IPV6_PREFERRED)}, {@code mooring.ip-family=ipv6-preferred}), a
     * dual-stack cluster is used over IPv6, by every source: the IPv6 EndpointSlice, AAAA records.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Sources.class)
    void aDualStackClusterIsUsedOverIpv6WhereTheApplicationPrefersIt(Sources source, SimulatedNamespace ns) {
        RedisStatefulSet redis =
                ns.redis("redis").ipFamilies(IpFamily.IPV4, IpFamily.IPV6).start();
        try (MooringFixture mooring = new MooringFixture(
                        ns, redis, b -> withSource(b, source, ns).ipFamily(IpFamilyPreference.IPV6_PREFERRED));
                SyncLedgerWriter sync = new SyncLedgerWriter("sync", mooring.client.connect(), 200)) {
            assertNodes(mooring, redis, 1);
            await().atMost(SETTLE).until(() -> sync.acknowledged.get() >= 100);
            assertThat(sync.otherFailures).as("samples %s", sync.failureSamples).isEmpty();
            assertThat(mooring.events(TopologyEvent.SplitBrainDetected.class)).isEmpty();
        }
    }

    /**
     * A family the Service does not have ({@code IPV6_ONLY} on an IPv4 Service) leaves no pod: the first connection
     * fails after the startup wait saying which setting to change, not merely "no endpoints".
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = Sources.class,
            names = {"KUBERNETES", "DNS_A"})
    void aFamilyTheServiceDoesNotHaveIsNamedAtStartup(Sources source, SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").replicas(1).start();
        try (MooringFixture mooring = new MooringFixture(
                ns,
                redis,
                b -> withSource(b, source, ns)
                        .ipFamily(IpFamilyPreference.IPV6_ONLY)
                        .startupWait(Duration.ofSeconds(3)))) {
            assertThatThrownBy(() -> mooring.client.connect())
                    .hasMessageContaining("ipv6-only")
                    .hasMessageContaining("mooring.ip-family");
        }
    }

    private static MooringOptions.Builder withSource(
            MooringOptions.Builder builder, Sources source, SimulatedNamespace ns) {
        return source == Sources.KUBERNETES
                ? builder
                : builder.source(Harness.dns(ns, source == Sources.DNS_SRV, ms(100)));
    }

    /** The topology has each pod once, at its address of the {@code family}th of the set's IP families. */
    private static void assertNodes(MooringFixture mooring, RedisStatefulSet redis, int family) {
        await().atMost(SETTLE).untilAsserted(() -> {
            Topology topology = mooring.client.topology();
            assertThat(topology.master()).isPresent();
            assertThat(topology.reports())
                    .extracting(report -> report.endpoint().address())
                    .as("nodes of %s", topology)
                    .containsExactlyInAnyOrderElementsOf(redis.pods().stream()
                            .map(pod -> Endpoint.address(pod.ips().get(family), pod.port()))
                            .toList());
            assertThat(topology.replicas()).hasSize(redis.pods().size() - 1);
        });
    }

    /** Runs the writers through {@code disruption}, checks them and each pod's one node; returns the split brains seen. */
    private List<TopologyEvent.SplitBrainDetected> writersThrough(
            SimulatedNamespace ns,
            Disruption disruption,
            UnaryOperator<MooringOptions.Builder> settings,
            UnaryOperator<RedisStatefulSet.Builder> statefulSet) {
        try (FailoverRun run =
                new FailoverRun(ns, disruption, PodRuntime.processes(), settings, statefulSet).burstAtDisruption()) {
            assertOnePerPod(run);
            SyncLedgerWriter sync = run.writer(c -> new SyncLedgerWriter("sync", c, 500));
            PipelinedLedgerWriter pipelined = run.writer(c -> PipelinedLedgerWriter.bursts("bursts", c));

            FailoverRun.Result result = run.disruptAndRecover();

            for (LedgerWriter writer : result.checks().keySet()) {
                WriteCheck check = result.check(writer);
                System.out.printf("%s on %s: %s%n  %s%n", disruption, run.redis.ipFamilies(), writer, check);
                assertThat(check.holds()).as("%s", check).isTrue();
                assertThat(writer.otherFailures)
                        .as("errors other than fate-unknown, samples %s", writer.failureSamples)
                        .isEqualTo(Map.of());
            }
            assertThat(sync.fateUnknown.get()).isLessThanOrEqualTo(1);
            assertThat(pipelined.fateUnknown.get()).isLessThanOrEqualTo(PipelinedLedgerWriter.BURST);
            assertThat(pipelined.peakInFlight()).as("writes in flight at once").isGreaterThanOrEqualTo(200);
            assertOnePerPod(run);
            // A Sentinel failover or a hasty demotion has two masters for a moment (the replica promoted before the old
            // master is demoted): a split brain by succession, as on IPv4. Replacing a pod has none.
            return run.mooring.events(TopologyEvent.SplitBrainDetected.class);
        }
    }

    /** Every pod is one node, at the address of the Service's preferred family (the primary's, IPv4 when dual). */
    private static void assertOnePerPod(FailoverRun run) {
        assertNodes(run.mooring, run.redis, 0);
    }

    private static Duration ms(long millis) {
        return Duration.ofMillis(millis);
    }
}
