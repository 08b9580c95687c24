package io.github.mooring.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;
import java.time.Duration;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The kubernetes source re-establishes its watch itself ({@link WatchRestart}): at once after a watch that worked,
 * with a jittered, capped backoff while the API server is gone or refuses. fabric8 must not reconnect on its own
 * (it waits {@code watchReconnectInterval}, 1 s, and tells no one): the first test fails if it does, on Mooring's own
 * client (plain-HTTP watches) and on an application's client (fabric8's default WebSocket watches) alike.
 */
@ExtendWith(SimulatedNamespaceExtension.class)
class WatchRestartIT {

    static final String SLICES = DiscoveryFaultsIT.SLICES;
    static final Duration WINDOW = Duration.ofSeconds(10);
    static final Duration ROUND = Duration.ofMillis(50); // the monitor's pace without a master

    /** Whose client the source watches with. */
    enum ClientKind {
        OWN,
        APPLICATIONS
    }

    @ParameterizedTest
    @EnumSource(ClientKind.class)
    void aClosedWatchReachesTheSourceWhichWatchesAgainAtOnceWithoutAList(ClientKind kind, SimulatedNamespace ns)
            throws Exception {
        try (KubernetesClient writer = ns.api().newClient();
                KubernetesClient application = ns.api().newClient()) {
            writer.resource(WatchUnderChurnIT.slice(ns.name(), 0)).create();
            KubernetesSource.Builder source = KubernetesSource.builder();
            source = kind == ClientKind.OWN ? source.config(ns.api().config()) : source.client(application);
            AtomicReference<EndpointSnapshot> last = new AtomicReference<>();
            try (KubernetesWatch watch = start(source, ns, last::set)) {
                await().atMost(Duration.ofSeconds(20)).until(() -> last.get() != null);
                int n = 0;
                for (int drop = 1; drop <= 3; drop++) {
                    writer.resource(WatchUnderChurnIT.slice(ns.name(), ++n)).update();
                    awaitEndpointsOf(n, last, Duration.ofSeconds(10)); // the watch delivered: it worked
                    int watchesBefore = watch.watches();
                    int listsBefore = watch.lists();
                    long dropped = System.nanoTime();
                    ns.api().dropConnections();
                    await().alias("the source's own watch #%d after drop %d".formatted(watchesBefore + 1, drop))
                            .atMost(Duration.ofSeconds(10))
                            .pollInterval(Duration.ofMillis(5))
                            .until(() -> watch.watches() > watchesBefore);
                    System.out.printf(
                            Locale.ROOT,
                            "%s client: watch re-opened by the source %.1f ms after drop %d (fabric8 waited 1 s)%n",
                            kind,
                            (System.nanoTime() - dropped) / 1e6,
                            drop);
                    assertThat(watch.lists())
                            .as("no list: the new watch resumes from the last resourceVersion")
                            .isEqualTo(listsBefore);
                    writer.resource(WatchUnderChurnIT.slice(ns.name(), ++n)).update();
                    awaitEndpointsOf(n, last, Duration.ofSeconds(10));
                }
            }
        }
    }

    /** How the API server fails. */
    enum Fault {
        STOPPED,
        ANSWERING_500,
        FORBIDDING_403
    }

    @ParameterizedTest
    @EnumSource(Fault.class)
    void aDeadOrRefusingApiServerGetsNoMoreThanTheBackoffAllows(Fault fault, SimulatedNamespace ns) throws Exception {
        try (KubernetesClient writer = ns.api().newClient()) {
            writer.resource(WatchUnderChurnIT.slice(ns.name(), 0)).create();
            AtomicReference<EndpointSnapshot> last = new AtomicReference<>();
            try (KubernetesWatch watch =
                    start(KubernetesSource.builder().config(ns.api().config()), ns, last::set)) {
                await().atMost(Duration.ofSeconds(20)).until(() -> last.get() != null && watch.watches() >= 1);
                long serverBefore = serverRequests(ns);
                int before = watch.lists() + watch.watches();
                switch (fault) {
                    case STOPPED -> ns.api().stop();
                    case ANSWERING_500 -> ns.api().fail(SLICES, 500, "list", "watch");
                    case FORBIDDING_403 -> ns.api().forbid(SLICES, "list", "watch");
                }
                ns.api().dropConnections(); // the watch ends; every attempt from now on fails
                long end = System.nanoTime() + WINDOW.toNanos();
                while (System.nanoTime() - end < 0) {
                    watch.refreshUrgently(); // what each round does while there is no master
                    watch.refresh();
                    Thread.sleep(ROUND.toMillis()); // the monitor's pace: not a wait for a state
                }
                int requests = watch.lists() + watch.watches() - before;
                long served = serverRequests(ns) - serverBefore;
                int attempts = WatchRestart.maxAttempts(
                        WINDOW, KubernetesWatch.Pacing.DEFAULT.retry(), KubernetesWatch.Pacing.DEFAULT.retryCap());
                System.out.printf(
                        Locale.ROOT,
                        "API server %s for %d s: the source asked %d requests (the server counted %d);"
                                + " the bound is %d attempts of at most 2 requests%n",
                        fault,
                        WINDOW.toSeconds(),
                        requests,
                        served,
                        attempts);
                assertThat(requests)
                        .as("lists and watches the source asked for, its urgent checks included")
                        .isPositive()
                        .isLessThanOrEqualTo(2 * attempts);
                // The server may see a request the source did not count (the watch opened just before the window)
                // or twice (the JDK HTTP client retries a GET once on a connection that closed under it).
                assertThat(served).as("requests the API server saw").isLessThanOrEqualTo(2L * attempts);

                switch (fault) {
                    case STOPPED -> ns.api().start();
                    case ANSWERING_500 -> ns.api().recover(SLICES, "list", "watch");
                    case FORBIDDING_403 -> ns.api().permit(SLICES, "list", "watch");
                }
                writer.resource(WatchUnderChurnIT.slice(ns.name(), 1)).update();
                awaitEndpointsOf(1, last, Duration.ofSeconds(40)); // the backoff's cap is 30 s
            }
        }
    }

    /** Waits until the source delivered the endpoints of {@link WatchUnderChurnIT#slice} number {@code n}. */
    private static void awaitEndpointsOf(int n, AtomicReference<EndpointSnapshot> last, Duration atMost) {
        Set<Endpoint> expected = new HashSet<>(WatchUnderChurnIT.expectedEndpoints(n));
        await().alias("the source delivers slice #" + n)
                .atMost(atMost)
                .until(() -> new HashSet<>(last.get().endpoints()).equals(expected));
    }

    private static long serverRequests(SimulatedNamespace ns) {
        return ns.api().requestCount("list", SLICES) + ns.api().requestCount("watch", SLICES);
    }

    private static KubernetesWatch start(
            KubernetesSource.Builder source, SimulatedNamespace ns, Consumer<EndpointSnapshot> snapshots) {
        return (KubernetesWatch) source.pacing(KubernetesWatch.Pacing.DEFAULT)
                .build()
                .watch(ServiceRef.of("churn", ns.name()), new EndpointListener() {
                    @Override
                    public void onEndpoints(EndpointSnapshot snapshot) {
                        snapshots.accept(snapshot);
                    }

                    @Override
                    public void onError(DiscoveryException error) {}
                });
    }
}
