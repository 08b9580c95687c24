package io.github.mooring.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.github.mooring.discovery.DiscoveryException;
import io.github.mooring.discovery.ServicePort;
import io.github.mooring.discovery.ServiceRef;
import io.github.mooring.exceptions.CredentialsRejectedException;
import io.github.mooring.testing.Harness;
import io.github.mooring.testkit.Credentials;
import io.github.mooring.testkit.RedisPod;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;
import io.lettuce.core.RedisURI;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Mistakes in configuration and broken surroundings end in an error that names the Service, the namespace and what
 * to fix: at once when waiting cannot help, after the wait otherwise, never a silent hang.
 */
@ExtendWith(SimulatedNamespaceExtension.class)
class BadInputIT {

    static final String SLICES = "endpointslices.discovery.k8s.io";
    static final String SLICES_ROLE_RULE =
            "{apiGroups: [\"discovery.k8s.io\"], resources: [\"endpointslices\"], verbs: [\"list\", \"watch\"]}";
    static final Duration PROBE_INTERVAL = Duration.ofMillis(250);
    /** What the application would wait for a master; "fails fast" means well under it. */
    static final Duration PATIENCE = Duration.ofSeconds(30);

    static final Duration FAST = Duration.ofSeconds(10);
    static final Duration STARTUP = Duration.ofSeconds(20);

    private final Harness harness = new Harness();

    @AfterEach
    void closeHarness() throws Exception {
        harness.close();
    }

    @Test
    void serviceNotFoundFailsFast(SimulatedNamespace ns) {
        ns.redis("redis").start();
        ServiceRef missing = ServiceRef.of("cache", ns.name());
        Harness.Watched watched = harness.watch(missing, harness.kubernetes(ns), Harness.NO_AUTH, PROBE_INTERVAL);

        NoMasterException e = awaitMasterFailsFast(watched);

        assertThat(e.getMessage())
                .contains("Service 'cache' in namespace '" + ns.name() + "'")
                .contains("not found")
                .contains("Check the Service name and namespace");
        assertThat(e.getCause())
                .isInstanceOfSatisfying(
                        DiscoveryException.class,
                        d -> assertThat(d.reason()).isEqualTo(DiscoveryException.Reason.SERVICE_NOT_FOUND));
    }

    @Test
    void missingNamedPortFailsFastAndListsThePorts(SimulatedNamespace ns) {
        ns.redis("redis").start();
        ServiceRef wrongPort = new ServiceRef("redis", ns.name(), ServicePort.named("tcp-redis"));
        Harness.Watched watched = harness.watch(wrongPort, harness.kubernetes(ns), Harness.NO_AUTH, PROBE_INTERVAL);

        NoMasterException e = awaitMasterFailsFast(watched);

        assertThat(e.getMessage())
                .contains("Service 'redis' in namespace '" + ns.name() + "'")
                .contains("has no port 'tcp-redis'")
                .contains("its ports: 'redis' 6379")
                .contains("Set the port name or number");
        assertThat(((DiscoveryException) e.getCause()).reason()).isEqualTo(DiscoveryException.Reason.PORT_NOT_FOUND);
    }

    @Test
    void forbiddenAtStartFailsFastWithTheRoleRuleToAdd(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").start();
        ns.api().forbid(SLICES, "list", "watch");
        Harness.Watched watched = harness.watch(ns, redis, harness.kubernetes(ns), PROBE_INTERVAL);

        NoMasterException e = awaitMasterFailsFast(watched);

        assertThat(e.getMessage())
                .contains("Service 'redis' in namespace '" + ns.name() + "'")
                .contains("RBAC forbids")
                .contains(SLICES_ROLE_RULE);
        assertThat(((DiscoveryException) e.getCause()).reason()).isEqualTo(DiscoveryException.Reason.FORBIDDEN);
    }

    @Test
    void forbiddenAtStartWithAutoSourceFallsBackToDns(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").start();
        ns.api().forbid(SLICES, "list", "watch");
        ns.api().forbid("endpoints", "list", "watch");
        Harness.Watched watched = harness.watch(ns, redis, harness.auto(ns), PROBE_INTERVAL);

        Topology topology = watched.monitor().waiters().awaitMaster(STARTUP);

        assertThat(topology.source()).isEqualTo("dns");
        assertThat(topology.master())
                .hasValueSatisfying(
                        m -> assertThat(Harness.isPod(m, redis.pod(0))).isTrue());
        TopologyEvent.DiscoveryFailed why =
                watched.events().await(0, TopologyEvent.DiscoveryFailed.class, e -> true, STARTUP);
        assertThat(why.error().reason()).isEqualTo(DiscoveryException.Reason.FORBIDDEN);
        assertThat(why.error().getMessage()).contains(SLICES_ROLE_RULE);
    }

    @Test
    void dnsNameThatDoesNotResolveFailsFast(SimulatedNamespace ns) {
        ns.redis("redis").start();
        ServiceRef missing = ServiceRef.of("cache", ns.name());
        Harness.Watched watched =
                harness.watch(missing, Harness.dns(ns, false, Duration.ofMillis(100)), Harness.NO_AUTH, PROBE_INTERVAL);

        NoMasterException e = awaitMasterFailsFast(watched);

        assertThat(e.getMessage())
                .contains("NXDOMAIN")
                .contains("cache." + ns.name() + ".svc.cluster.local")
                .contains("Service 'cache' in namespace '" + ns.name() + "'")
                .contains("headless");
        assertThat(((DiscoveryException) e.getCause()).reason()).isEqualTo(DiscoveryException.Reason.NOT_RESOLVABLE);
    }

    @ParameterizedTest(name = "probe password: {0}")
    @ValueSource(strings = {"wrong-password-7f3a9c", ""})
    void wrongOrMissingPasswordFailsAtOnceSayingWhoRefusedWhichUserWithoutThePassword(
            String probePassword, SimulatedNamespace ns) {
        String secret = "correct-horse-battery-staple-81b2";
        RedisStatefulSet redis =
                ns.redis("redis").credentials(Credentials.password(secret)).start();
        RedisURI.Builder uri = RedisURI.builder().withHost("localhost");
        if (!probePassword.isEmpty()) {
            uri.withPassword(probePassword.toCharArray());
        }
        Harness.Watched watched =
                harness.watch(Harness.service(ns, redis), harness.kubernetes(ns), uri.build(), PROBE_INTERVAL);

        Duration wait = Duration.ofSeconds(30);
        long start = System.nanoTime();
        CredentialsRejectedException e = catchThrowableOfType(
                CredentialsRejectedException.class,
                () -> watched.monitor().waiters().awaitMaster(wait));

        assertThat(Duration.ofNanos(System.nanoTime() - start))
                .as("waiting cannot cure a refused password")
                .isLessThan(wait.dividedBy(3));
        assertThat(e.user()).isEqualTo("default");
        assertThat(e.getMessage())
                .contains("Service 'redis' in namespace '" + ns.name() + "'")
                .contains("authentication was refused by redis-")
                .contains("for user 'default'")
                .contains(probePassword.isEmpty() ? "NOAUTH" : "WRONGPASS")
                .contains("RedisCredentialsProvider");
        Topology topology = watched.monitor().topology();
        assertThat(topology.unreachable())
                .as("a pod that refuses the password is up")
                .isEmpty();
        for (RedisPod pod : redis.pods()) {
            assertThat(topology.noMasterReason().orElseThrow())
                    .contains(pod.name() + " (" + pod.address() + ") refused the credentials of user default");
        }
        String everything = e.getMessage() + stackTrace(e) + topology + topology.reports();
        assertThat(everything).doesNotContain(secret);
        if (!probePassword.isEmpty()) {
            assertThat(everything).doesNotContain(probePassword);
        }
    }

    @Test
    void unreachableApiServerAtStartWithAutoSourceFallsBackToDns(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").start();
        ns.api().stop();
        assertRefusesConnections(ns);
        Harness.Watched watched = harness.watch(ns, redis, harness.auto(ns), PROBE_INTERVAL);

        Topology topology = watched.monitor().waiters().awaitMaster(STARTUP);

        assertThat(topology.source()).isEqualTo("dns");
        assertThat(topology.master())
                .hasValueSatisfying(
                        m -> assertThat(Harness.isPod(m, redis.pod(0))).isTrue());
    }

    @Test
    void unreachableApiServerAtStartWithKubernetesSourceSaysSoWhenTheWaitEnds(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").start();
        ns.api().stop();
        assertRefusesConnections(ns);
        Harness.Watched watched = harness.watch(ns, redis, harness.kubernetes(ns), PROBE_INTERVAL);

        NoMasterException e = catchThrowableOfType(
                NoMasterException.class, () -> watched.monitor().waiters().awaitMaster(Duration.ofSeconds(3)));

        assertThat(e.getMessage())
                .contains("Service 'redis' in namespace '" + ns.name() + "'")
                .contains(
                        "cannot reach the Kubernetes API server at " + ns.api().url());
        assertThat(((DiscoveryException) e.getCause()).reason()).isEqualTo(DiscoveryException.Reason.UNREACHABLE);
    }

    @Test
    void serviceWhosePodsAreAllDownHasNoMasterAndSaysWhatEachPodAnswered(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").start();
        Harness.Watched watched = harness.watch(ns, redis, harness.kubernetes(ns), PROBE_INTERVAL);
        int mark = watched.awaitStarted(STARTUP);

        for (RedisPod pod : redis.pods()) {
            pod.stopContainer();
        }

        watched.events().await(mark, TopologyEvent.NoMaster.class, e -> true, STARTUP);
        // Not-ready endpoints are still probed (a new master answers before it is ready): each says why it is out.
        await().alias("every pod reported unreachable")
                .atMost(STARTUP)
                .until(() -> redis.pods().stream()
                        .allMatch(
                                pod -> reason(watched).contains(pod.name() + " (" + pod.address() + ") unreachable")));
        NoMasterException e = catchThrowableOfType(
                NoMasterException.class, () -> watched.monitor().waiters().awaitMaster(Duration.ofMillis(500)));
        assertThat(e.getMessage())
                .contains("no master for Service 'redis' in namespace '" + ns.name() + "'")
                .contains("no pod reports master")
                .contains("connection refused");
    }

    @Test
    void serviceWithoutAnyEndpointHasNoMasterAndSaysWhatToCheck(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").start();
        Harness.Watched watched = harness.watch(ns, redis, harness.kubernetes(ns), PROBE_INTERVAL);
        int mark = watched.awaitStarted(STARTUP);

        for (RedisPod pod : redis.pods()) {
            pod.replace(RedisPod.Deletion.KILL, Duration.ofMinutes(10)); // gone, not back while the test runs
        }

        watched.events().await(mark, TopologyEvent.NoMaster.class, e -> true, STARTUP);
        await().alias("the topology says the Service has no endpoints")
                .atMost(STARTUP)
                .until(() -> reason(watched).contains("has no endpoints"));
        assertThat(reason(watched))
                .contains("Service 'redis' in namespace '" + ns.name() + "' has no endpoints")
                .contains("readiness probe")
                .contains("selector");
        NoMasterException e = catchThrowableOfType(
                NoMasterException.class, () -> watched.monitor().waiters().awaitMaster(Duration.ofMillis(500)));
        assertThat(e.getMessage())
                .contains("no master for Service 'redis' in namespace '" + ns.name() + "'")
                .contains("has no endpoints");
    }

    private static String reason(Harness.Watched watched) {
        return watched.monitor().topology().noMasterReason().orElse("");
    }

    /** awaitMaster with the application's patience throws well before it runs out. */
    private static NoMasterException awaitMasterFailsFast(Harness.Watched watched) {
        long start = System.nanoTime();
        NoMasterException e = catchThrowableOfType(
                NoMasterException.class, () -> watched.monitor().waiters().awaitMaster(PATIENCE));
        assertThat(e).as("awaitMaster must fail").isNotNull();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("fails fast").isLessThan(FAST);
        return e;
    }

    /** The precondition of the "unreachable" tests: the testkit's API server really refuses connections. */
    private static void assertRefusesConnections(SimulatedNamespace ns) {
        URI url = URI.create(ns.api().url());
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(url.getHost(), url.getPort()), 1000);
            throw new AssertionError("the stopped API server at " + url + " still accepts connections");
        } catch (IOException expected) {
            // refused
        }
    }

    private static String stackTrace(Throwable t) {
        StringWriter out = new StringWriter();
        t.printStackTrace(new PrintWriter(out));
        return out.toString();
    }
}
