package io.github.mooring.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What one client's kubernetes source costs the API server, counted at the testkit's API server: the informer's list
 * and watch, and the source's own checks of its watch. A watch that delivers (events, or the bookmarks a real API
 * server sends about once a minute) needs no check; a quiet one without bookmarks (the testkit's mock server sends
 * none) is checked once per silence window instead of every interval. Pacing runs {@value #SCALE} times faster than
 * the default (30 s interval, 2 min silence) so that a 15 s window stands for over an hour; the counts are printed per
 * client per hour at the default pacing, the old rule (a list every interval) beside the new.
 */
@ExtendWith(SimulatedNamespaceExtension.class)
class ApiRequestCostIT {

    static final String SLICES = DiscoveryFaultsIT.SLICES;
    static final int SCALE = 300;
    static final Duration WINDOW = Duration.ofSeconds(15);
    static final Duration INTERVAL = KubernetesWatch.Pacing.DEFAULT.interval().dividedBy(SCALE);
    static final Duration SILENCE = KubernetesWatch.Pacing.DEFAULT.silence().dividedBy(SCALE);

    @Test
    void aWatchThatDeliversIsNeverListedAndAQuietOneOncePerSilence(SimulatedNamespace ns) throws Exception {
        try (KubernetesClient writer = ns.api().newClient()) {
            writer.resource(WatchUnderChurnIT.slice(ns.name(), 0)).create();
            long everyIntervalQuiet = measure(ns, writer, Duration.ZERO, false);
            long perSilenceQuiet = measure(ns, writer, SILENCE, false);
            long everyIntervalBusy = measure(ns, writer, Duration.ZERO, true);
            long perSilenceBusy = measure(ns, writer, SILENCE, true);

            System.out.printf(
                    Locale.ROOT,
                    "EndpointSlice lists per client per hour at the default pacing, from %d s windows at %dx:%n"
                            + "  quiet watch, no bookmarks: every interval %.0f, new %.0f%n"
                            + "  watch delivering:          every interval %.0f, new %.0f%n",
                    WINDOW.toSeconds(),
                    SCALE,
                    perHour(everyIntervalQuiet),
                    perHour(perSilenceQuiet),
                    perHour(everyIntervalBusy),
                    perHour(perSilenceBusy));
            assertThat(perSilenceBusy).as("lists while the watch delivers").isZero();
            assertThat(perSilenceQuiet)
                    .as("lists of a quiet watch: at most one per silence window")
                    .isLessThanOrEqualTo(WINDOW.toMillis() / SILENCE.toMillis() + 1);
            assertThat(everyIntervalQuiet)
                    .as("the old rule lists every interval")
                    .isGreaterThan(perSilenceQuiet);
        }
    }

    /** Lists of the EndpointSlices in one window, after the informer's first list and watch. */
    private static long measure(SimulatedNamespace ns, KubernetesClient writer, Duration silence, boolean changing)
            throws Exception {
        KubernetesWatch.Pacing pacing =
                new KubernetesWatch.Pacing(INTERVAL, Duration.ofSeconds(1), Duration.ofSeconds(2), silence);
        AtomicReference<EndpointSnapshot> last = new AtomicReference<>();
        try (KubernetesClient reader = ns.api().newClient()) {
            KubernetesWatch watch = (KubernetesWatch) KubernetesSource.builder()
                    .client(reader)
                    .pacing(pacing)
                    .build()
                    .watch(ServiceRef.of("churn", ns.name()), new EndpointListener() {
                        @Override
                        public void onEndpoints(EndpointSnapshot snapshot) {
                            last.set(snapshot);
                        }

                        @Override
                        public void onError(DiscoveryException error) {}
                    });
            try {
                await().atMost(Duration.ofSeconds(10)).until(() -> last.get() != null);
                long before = ns.api().requestCount("list", SLICES);
                long end = System.nanoTime() + WINDOW.toNanos();
                int update = 0;
                long nextUpdate = System.nanoTime();
                while (System.nanoTime() - end < 0) {
                    if (changing && System.nanoTime() - nextUpdate >= 0) {
                        EndpointSlice slice = WatchUnderChurnIT.slice(ns.name(), ++update);
                        writer.resource(slice).update();
                        nextUpdate = System.nanoTime() + SILENCE.toNanos() / 4;
                    }
                    watch.refresh(); // what every probe round does
                    Thread.sleep(INTERVAL.toMillis() / 10); // a probe round's pace, scaled: not a wait for a state
                }
                return ns.api().requestCount("list", SLICES) - before; // counted by the kit's API server
            } finally {
                watch.close();
            }
        }
    }

    private static double perHour(long checks) {
        return checks * (3600.0 / WINDOW.toSeconds()) / SCALE;
    }
}
