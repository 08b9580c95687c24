package io.github.mooring.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.github.mooring.MooringClient;
import io.github.mooring.MooringOptions;
import io.github.mooring.testing.Harness;
import io.github.mooring.testing.SystemProperty;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;
import io.github.mooring.topology.NoMasterException;
import io.github.mooring.topology.Topology;
import io.github.mooring.topology.TopologyEvent;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The auto source on a developer's machine: not in a pod, with or without a kubeconfig. The kubeconfig is the
 * testkit's (its API server, the service account's token, the namespace as the current context's), found the way
 * kubectl and fabric8 find one: through the {@code kubeconfig} system property here, {@code KUBECONFIG} or
 * {@code ~/.kube/config} on a laptop. The build points that property at a file that does not exist, so no test
 * reads the developer's own; each test here sets it for its own duration only.
 */
@ExtendWith(SimulatedNamespaceExtension.class)
@SuppressWarnings("try") // a SystemProperty is held for its block, not used in it
class AutoSourceOutsideClusterIT {

    static final String SLICES = "endpointslices.discovery.k8s.io";
    static final Duration PROBE_INTERVAL = Duration.ofMillis(250);
    static final Duration STARTUP = Duration.ofSeconds(30);

    private final Harness harness = new Harness();

    @BeforeEach
    void notInAPod() {
        assertThat(AutoSource.runningInCluster())
                .as("these tests run outside a Kubernetes pod")
                .isFalse();
        assertThat(System.getenv("KUBERNETES_MASTER"))
                .as("these tests need no KUBERNETES_MASTER in the environment")
                .isNull();
    }

    @AfterEach
    void closeHarness() throws Exception {
        harness.close();
    }

    @Test
    void withAKubeconfigTheAutoSourceUsesItsApiServerAndItsContextsNamespace(SimulatedNamespace ns, @TempDir Path dir) {
        RedisStatefulSet redis = ns.redis("redis").start();
        Path kubeconfig = ns.api().writeKubeconfig(dir.resolve("config"));

        try (SystemProperty property = SystemProperty.set("kubeconfig", kubeconfig.toString());
                MooringClient client = MooringClient.create(
                        MooringOptions.builder().service("redis").build())) {
            Topology topology = client.awaitMaster(STARTUP);

            assertThat(client.options().namespace())
                    .as("the current context's namespace")
                    .isEqualTo(ns.name());
            assertThat(topology.source()).isEqualTo("kubernetes");
            assertThat(topology.master())
                    .hasValueSatisfying(
                            m -> assertThat(Harness.isPod(m, redis.pod(0))).isTrue());
            assertThat(client.connect().sync().incr("visits")).isEqualTo(1);
            assertThat(ns.api().requestCount("list", SLICES))
                    .as("the API server was asked")
                    .isPositive();
        }
    }

    @Test
    void aKubeconfigWhoseApiServerIsUnreachableFallsBackToDnsAndSaysWhichServer(
            SimulatedNamespace ns, @TempDir Path dir) {
        RedisStatefulSet redis = ns.redis("redis").start();
        Path kubeconfig = ns.api().writeKubeconfig(dir.resolve("config"));
        ns.api().stop();

        try (SystemProperty property = SystemProperty.set("kubeconfig", kubeconfig.toString())) {
            Harness.Watched watched =
                    harness.watch(Harness.service(ns, redis), autoWithClusterDns(ns), Harness.NO_AUTH, PROBE_INTERVAL);
            Topology topology = watched.monitor().waiters().awaitMaster(STARTUP);

            assertThat(topology.source()).isEqualTo("dns");
            assertThat(topology.master())
                    .hasValueSatisfying(
                            m -> assertThat(Harness.isPod(m, redis.pod(0))).isTrue());
            TopologyEvent.DiscoveryFailed why =
                    watched.events().await(0, TopologyEvent.DiscoveryFailed.class, e -> true, STARTUP);
            assertThat(why.error().reason()).isEqualTo(DiscoveryException.Reason.UNREACHABLE);
            assertThat(why.error().getMessage())
                    .contains("cannot reach the Kubernetes API server at "
                            + ns.api().url());
        } finally {
            ns.api().start();
        }
    }

    @Test
    void aKubeconfigWhoseUserMayNotListFallsBackToDnsAndNamesTheMissingRule(SimulatedNamespace ns, @TempDir Path dir) {
        RedisStatefulSet redis = ns.redis("redis").start();
        Path kubeconfig = ns.api().writeKubeconfig(dir.resolve("config"));
        ns.api().forbid(SLICES, "list", "watch");
        ns.api().forbid("endpoints", "list", "watch");

        try (SystemProperty property = SystemProperty.set("kubeconfig", kubeconfig.toString())) {
            Harness.Watched watched =
                    harness.watch(Harness.service(ns, redis), autoWithClusterDns(ns), Harness.NO_AUTH, PROBE_INTERVAL);
            Topology topology = watched.monitor().waiters().awaitMaster(STARTUP);

            assertThat(topology.source()).isEqualTo("dns");
            TopologyEvent.DiscoveryFailed why =
                    watched.events().await(0, TopologyEvent.DiscoveryFailed.class, e -> true, STARTUP);
            assertThat(why.error().reason()).isEqualTo(DiscoveryException.Reason.FORBIDDEN);
            assertThat(why.error().getMessage()).contains("RBAC forbids").contains("resources: [\"endpointslices\"]");
        }
    }

    @Test
    void withoutKubeconfigANameDnsDoesNotKnowFailsAtOnceSayingWhyDnsAndWhatToChange(
            SimulatedNamespace ns, @TempDir Path dir) {
        ns.redis("redis").start();
        Path none = dir.resolve("no-such-kubeconfig");

        try (SystemProperty property = SystemProperty.set("kubeconfig", none.toString())) {
            Harness.Watched watched = harness.watch(
                    ServiceRef.of("cache", ns.name()), autoWithClusterDns(ns), Harness.NO_AUTH, PROBE_INTERVAL);
            long start = System.nanoTime();
            NoMasterException e = catchThrowableOfType(
                    NoMasterException.class, () -> watched.monitor().waiters().awaitMaster(STARTUP));

            assertThat(Duration.ofNanos(System.nanoTime() - start))
                    .as("fails at once")
                    .isLessThan(Duration.ofSeconds(10));
            assertThat(((DiscoveryException) e.getCause()).reason())
                    .isEqualTo(DiscoveryException.Reason.NOT_RESOLVABLE);
            assertThat(e.getMessage())
                    .contains("NXDOMAIN", "cache." + ns.name() + ".svc.cluster.local")
                    .contains("The auto source uses DNS because this process is not in a Kubernetes pod")
                    .contains("no kubeconfig (" + none + ") and no KUBERNETES_MASTER")
                    .contains(
                            "mooring.source=kubernetes",
                            "mooring.dns.name-servers",
                            "mooring.dns.cluster-domain",
                            "mooring.source=static");
        }
    }

    /** The auto source as an application builds it by default, with the namespace's DNS server for its fallback. */
    private static AutoSource autoWithClusterDns(SimulatedNamespace ns) {
        return AutoSource.of(KubernetesSource.builder().build(), Harness.dns(ns, false, Duration.ofMillis(100)));
    }
}
