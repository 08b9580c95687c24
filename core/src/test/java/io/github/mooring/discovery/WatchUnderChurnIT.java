package io.github.mooring.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A healthy watch under endpoint churn must never be taken for a broken one. The source's check lists the
 * EndpointSlices while the watch delivers a stream of updates, so lists are often ahead of the watch by a few
 * milliseconds; that must cost neither a warning nor a restart of the watch.
 * <p>
 * The churn is written straight to the API server (a ready flag flipping, an address coming and going) far faster
 * than pods change in a cluster, and the source checks its watch every 10 ms instead of every 30 s, so one run holds
 * far more list/watch races than hours of a real cluster. {@code -Dmooring.churn.duration=PT10M} runs it longer.
 */
@ExtendWith(SimulatedNamespaceExtension.class)
class WatchUnderChurnIT {

    private static final Duration CHURN = Duration.parse(System.getProperty("mooring.churn.duration", "PT20S"));
    private static final KubernetesWatch.Pacing EAGER = new KubernetesWatch.Pacing(
            Duration.ofMillis(10), Duration.ofMillis(10), Duration.ofSeconds(2), Duration.ZERO);

    @Test
    void churnWithoutFaultsNeitherWarnsNorRestartsTheWatch(SimulatedNamespace ns) {
        AtomicReference<EndpointSnapshot> last = new AtomicReference<>();
        List<DiscoveryException> errors = new CopyOnWriteArrayList<>();
        EndpointListener listener = new EndpointListener() {
            @Override
            public void onEndpoints(EndpointSnapshot snapshot) {
                last.set(snapshot);
            }

            @Override
            public void onError(DiscoveryException error) {
                errors.add(error);
            }
        };
        try (KubernetesClient writer = ns.api().newClient();
                KubernetesClient reader = ns.api().newClient()) {
            writer.resource(slice(ns.name(), 0)).create();
            KubernetesWatch watch = (KubernetesWatch) KubernetesSource.builder()
                    .client(reader)
                    .pacing(EAGER)
                    .build()
                    .watch(ServiceRef.of("churn", ns.name()), listener);
            try {
                await().atMost(Duration.ofSeconds(10)).until(() -> last.get() != null);
                long end = System.nanoTime() + CHURN.toNanos();
                int updates = 0;
                while (System.nanoTime() - end < 0) {
                    updates++;
                    writer.resource(slice(ns.name(), updates)).update();
                    watch.refresh(); // what every probe round does
                    if (updates % 2 == 0) {
                        watch.refreshUrgently(); // what a round without master does
                    }
                }
                int finalUpdate = updates;
                await().atMost(Duration.ofSeconds(10))
                        .untilAsserted(
                                () -> assertThat(last.get().endpoints()).isEqualTo(expectedEndpoints(finalUpdate)));
                System.out.printf(
                        "%d EndpointSlice updates in %d s: %d checks against a list, %d lists ahead of the"
                                + " watch that it then caught up with, %d watch restarts%n",
                        updates, CHURN.toSeconds(), watch.verifications(), watch.catchUps(), watch.restarts());
                assertThat(watch.verifications()).as("checks against a list").isGreaterThan(100);
                assertThat(watch.restarts())
                        .as("watch restarts (each one a WARN)")
                        .isZero();
                assertThat(errors).as("discovery errors").isEmpty();
            } finally {
                watch.close();
            }
        }
    }

    /** Update {@code n} of the Service's only slice: one steady pod, one whose ready flag flips, one that comes and goes. */
    static EndpointSlice slice(String namespace, int n) {
        EndpointSliceBuilder slice = new EndpointSliceBuilder()
                .withNewMetadata()
                .withName("churn-x1")
                .withNamespace(namespace)
                .withLabels(Map.of(KubernetesApi.SERVICE_NAME_LABEL, "churn"))
                .endMetadata()
                .withAddressType("IPv4")
                .addNewPort()
                .withName("redis")
                .withPort(6379)
                .withProtocol("TCP")
                .endPort()
                .addNewEndpoint()
                .withAddresses("10.1.0.1")
                .withNewConditions()
                .withReady(true)
                .endConditions()
                .endEndpoint()
                .addNewEndpoint()
                .withAddresses("10.1.0.2")
                .withNewConditions()
                .withReady(n % 2 == 0)
                .endConditions()
                .endEndpoint();
        if (n % 3 != 0) {
            slice.addNewEndpoint()
                    .withAddresses("10.1.0.3")
                    .withNewConditions()
                    .withReady(true)
                    .endConditions()
                    .endEndpoint();
        }
        return slice.build();
    }

    static List<Endpoint> expectedEndpoints(int n) {
        List<Endpoint> endpoints = new ArrayList<>(List.of(
                new Endpoint("10.1.0.1", 6379, null, true, false),
                new Endpoint("10.1.0.2", 6379, null, n % 2 == 0, false)));
        if (n % 3 != 0) {
            endpoints.add(new Endpoint("10.1.0.3", 6379, null, true, false));
        }
        return endpoints;
    }
}
