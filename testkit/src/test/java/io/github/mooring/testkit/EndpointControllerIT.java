package io.github.mooring.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.github.mooring.testkit.RedisPod.Deletion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The kit's readiness probe and EndpointSlice/Endpoints controller, as an application sees them through the API. */
@ExtendWith(SimulatedNamespaceExtension.class)
class EndpointControllerIT {

    private static final Duration READY = Duration.ofSeconds(30);
    private static final String SERVICE_LABEL = "kubernetes.io/service-name";

    @Test
    void killedContainerIsNotReadyAndDeletedPodLosesItsEndpointWithoutWaitingForAProbe(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").replicas(3).start();
        RedisPod crashed = redis.pod(1);
        RedisPod deleted = redis.pod(2);
        String deletedIp = deleted.ip();

        // The kubelet reports a dead container at once: the endpoint is not ready when stopContainer returns.
        crashed.stopContainer();
        EndpointState crashedState = state(redis.endpoints(), crashed.ip()).orElseThrow();
        assertThat(crashedState.ready()).isFalse();
        assertThat(crashedState.serving()).isFalse();
        assertThat(crashedState.terminating()).isFalse();
        assertThat(redis.endpoints().readyIps())
                .containsExactlyInAnyOrder(redis.pod(0).ip(), deletedIp);
        try (KubernetesClient client = ns.api().newClient()) {
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(readyCondition(
                                    client.pods().withName(crashed.name()).get()))
                            .isEqualTo("False"));
        }

        // A pod deleted with no grace period loses its endpoint before replace() returns.
        long before = System.nanoTime();
        deleted.replace(Deletion.KILL, Duration.ofSeconds(1));
        long returned = System.nanoTime();
        assertThat(state(redis.endpoints(), deletedIp)).isEmpty();
        EndpointChange removal = redis.endpointHistory().stream()
                .filter(change ->
                        change.nanoTime() >= before && state(change, deletedIp).isEmpty())
                .findFirst()
                .orElseThrow();
        assertThat(removal.nanoTime()).isLessThanOrEqualTo(returned);

        // The replacement appears under a new IP once its probe passes.
        deleted.awaitReady(READY);
        EndpointChange after = redis.awaitEndpoints(e -> e.readyIps().contains(deleted.ip()), READY);
        assertThat(after.readyIps()).doesNotContain(deletedIp).contains(deleted.ip());
    }

    @Test
    void gracefulDeletionPublishesATerminatingEndpointBeforeTheProcessExitsAndBeforeRemoval(SimulatedNamespace ns)
            throws Exception {
        RedisStatefulSet redis = ns.redis("redis").replicas(2).start();
        RedisPod pod = redis.pod(1);
        String oldIp = pod.ip();
        Path oldLog = pod.logFile();
        ProcessHandle process = ProcessHandle.of(pod.pid()).orElseThrow();
        CompletableFuture<Long> exitedAt = process.onExit().thenApply(p -> System.nanoTime());
        int seen = redis.endpointHistory().size();

        pod.replace(Deletion.GRACEFUL, Duration.ofMillis(500));
        long exited = exitedAt.get(15, TimeUnit.SECONDS);

        List<EndpointChange> changes =
                redis.endpointHistory().subList(seen, redis.endpointHistory().size());
        int terminatingAt = indexOf(
                changes, c -> state(c, oldIp).map(EndpointState::terminating).orElse(false));
        int removedAt = indexOf(changes, c -> state(c, oldIp).isEmpty());
        assertThat(terminatingAt).as("a terminating endpoint was published").isGreaterThanOrEqualTo(0);
        assertThat(removedAt).as("the endpoint was removed").isGreaterThan(terminatingAt);
        EndpointChange terminating = changes.get(terminatingAt);
        EndpointState state = state(terminating, oldIp).orElseThrow();
        assertThat(state.ready()).isFalse();
        assertThat(state.pod()).isEqualTo(pod.name());
        assertThat(terminating.nanoTime())
                .as("terminating published before the process exited")
                .isLessThan(exited);
        assertThat(changes.get(removedAt).nanoTime()).isGreaterThanOrEqualTo(terminating.nanoTime());
        // It was a SIGTERM, not a SIGKILL: Redis logged it and shut down.
        assertThat(Files.readString(oldLog)).contains("Received SIGTERM");

        pod.awaitReady(READY);
        assertThat(redis.awaitEndpoints(e -> e.readyIps().contains(pod.ip()), READY)
                        .readyIps())
                .doesNotContain(oldIp);
    }

    @Test
    void frozenPodBecomesNotReadyAfterAProbeAndReadyAgainWhenThawed(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").replicas(2).start();
        RedisPod pod = redis.pod(1);
        int seen = redis.endpointHistory().size();
        long frozenAt = System.nanoTime();

        pod.freeze();
        EndpointChange notReady = redis.awaitEndpoints(
                e -> state(e, pod.ip()).map(s -> !s.ready()).orElse(false), Duration.ofSeconds(10));

        // Nobody told the controller: its probe found out, after the freeze, and it kept the endpoint.
        List<EndpointChange> changes =
                redis.endpointHistory().subList(seen, redis.endpointHistory().size());
        int firstNotReady =
                indexOf(changes, c -> state(c, pod.ip()).map(s -> !s.ready()).orElse(true));
        assertThat(changes.get(firstNotReady)).isEqualTo(notReady);
        assertThat(notReady.nanoTime()).isGreaterThan(frozenAt);
        EndpointState state = state(notReady, pod.ip()).orElseThrow();
        assertThat(state.serving()).isFalse();
        assertThat(state.terminating()).isFalse();
        assertThat(pod.isReady()).isFalse();
        try (KubernetesClient client = ns.api().newClient()) {
            Endpoints endpoints = client.endpoints().withName("redis").get();
            assertThat(endpoints.getSubsets()).singleElement().satisfies(subset -> {
                assertThat(ips(subset.getNotReadyAddresses())).containsExactly(pod.ip());
                assertThat(ips(subset.getAddresses()))
                        .containsExactly(redis.pod(0).ip());
            });
        }

        pod.thaw();
        redis.awaitEndpoints(e -> e.readyIps().contains(pod.ip()), Duration.ofSeconds(10));
        assertThat(pod.isReady()).isTrue();
    }

    @Test
    void endpointSliceAndEndpointsLookAsTheKubernetesControllersWriteThem(SimulatedNamespace ns) {
        RedisStatefulSet redis =
                ns.redis("cache").replicas(3).portName("tcp-redis").start();
        try (KubernetesClient client = ns.api().newClient()) {
            Service service = client.services().withName("cache").get();
            assertThat(service.getSpec().getClusterIP()).isEqualTo("None");
            assertThat(service.getSpec().getPorts()).singleElement().satisfies(port -> {
                assertThat(port.getName()).isEqualTo("tcp-redis");
                assertThat(port.getPort()).isEqualTo(6379);
            });

            List<EndpointSlice> slices = client.discovery()
                    .v1()
                    .endpointSlices()
                    .withLabel(SERVICE_LABEL, "cache")
                    .list()
                    .getItems();
            assertThat(slices).singleElement().satisfies(slice -> {
                assertThat(slice.getMetadata().getNamespace()).isEqualTo(ns.name());
                assertThat(slice.getMetadata().getLabels()).containsEntry(SERVICE_LABEL, "cache");
                assertThat(slice.getAddressType()).isEqualTo("IPv4");
                assertThat(slice.getPorts()).singleElement().satisfies(port -> {
                    assertThat(port.getName()).isEqualTo("tcp-redis");
                    assertThat(port.getPort()).isEqualTo(6379);
                    assertThat(port.getProtocol()).isEqualTo("TCP");
                });
                assertThat(slice.getEndpoints()).hasSize(3);
                for (RedisPod pod : redis.pods()) {
                    Endpoint endpoint = slice.getEndpoints().stream()
                            .filter(e -> e.getAddresses().contains(pod.ip()))
                            .findFirst()
                            .orElseThrow();
                    assertThat(endpoint.getAddresses()).containsExactly(pod.ip());
                    assertThat(endpoint.getHostname()).isEqualTo(pod.name());
                    assertThat(endpoint.getTargetRef().getKind()).isEqualTo("Pod");
                    assertThat(endpoint.getTargetRef().getName()).isEqualTo(pod.name());
                    assertThat(endpoint.getTargetRef().getNamespace()).isEqualTo(ns.name());
                    assertThat(endpoint.getTargetRef().getUid())
                            .isEqualTo(pod.uid())
                            .isEqualTo(client.pods()
                                    .withName(pod.name())
                                    .get()
                                    .getMetadata()
                                    .getUid());
                    assertThat(endpoint.getConditions().getReady()).isTrue();
                    assertThat(endpoint.getConditions().getServing()).isTrue();
                    assertThat(endpoint.getConditions().getTerminating()).isFalse();
                }
            });
            // No slice for another service.
            assertThat(client.discovery()
                            .v1()
                            .endpointSlices()
                            .withLabel(SERVICE_LABEL, "other")
                            .list()
                            .getItems())
                    .isEmpty();

            Endpoints endpoints = client.endpoints().withName("cache").get();
            assertThat(endpoints.getSubsets()).singleElement().satisfies(subset -> {
                assertThat(ips(subset.getAddresses()))
                        .containsExactlyInAnyOrderElementsOf(
                                redis.pods().stream().map(RedisPod::ip).toList());
                assertThat(subset.getNotReadyAddresses()).isNullOrEmpty();
                assertThat(subset.getPorts()).singleElement().satisfies(port -> {
                    assertThat(port.getName()).isEqualTo("tcp-redis");
                    assertThat(port.getPort()).isEqualTo(6379);
                });
                assertThat(subset.getAddresses()).allSatisfy(address -> {
                    assertThat(address.getHostname()).startsWith("cache-");
                    assertThat(address.getTargetRef().getName()).isEqualTo(address.getHostname());
                });
            });

            redis.pod(2).stopContainer();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                EndpointSubset subset =
                        client.endpoints().withName("cache").get().getSubsets().get(0);
                assertThat(ips(subset.getAddresses()))
                        .containsExactlyInAnyOrder(
                                redis.pod(0).ip(), redis.pod(1).ip());
                assertThat(ips(subset.getNotReadyAddresses()))
                        .containsExactly(redis.pod(2).ip());
                Endpoint endpoint = client
                        .discovery()
                        .v1()
                        .endpointSlices()
                        .withLabel(SERVICE_LABEL, "cache")
                        .list()
                        .getItems()
                        .get(0)
                        .getEndpoints()
                        .stream()
                        .filter(e -> e.getAddresses().contains(redis.pod(2).ip()))
                        .findFirst()
                        .orElseThrow();
                assertThat(endpoint.getConditions().getReady()).isFalse();
            });
        }
    }

    @Test
    void containerRestartKeepsTheEndpointAndItsIp(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").replicas(2).start();
        RedisPod pod = redis.pod(1);
        String ip = pod.ip();
        int seen = redis.endpointHistory().size();

        pod.restartContainer(Duration.ofMillis(300));
        pod.awaitReady(READY);
        redis.awaitEndpoints(e -> e.readyIps().contains(ip), READY);

        List<EndpointChange> changes =
                redis.endpointHistory().subList(seen, redis.endpointHistory().size());
        assertThat(changes).allSatisfy(change -> assertThat(state(change, ip)).isPresent());
        int down = indexOf(changes, c -> !state(c, ip).orElseThrow().ready());
        int up = indexOf(changes, c -> state(c, ip).orElseThrow().ready());
        assertThat(down).isGreaterThanOrEqualTo(0);
        assertThat(up).isGreaterThan(down);
    }

    @Test
    void watchAndInformerDeliverTheReplacement(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").replicas(2).start();
        RedisPod pod = redis.pod(1);
        String oldIp = pod.ip();
        List<EndpointSlice> watched = new CopyOnWriteArrayList<>();
        List<EndpointSlice> informed = new CopyOnWriteArrayList<>();
        try (KubernetesClient client = ns.api().newClient()) {
            Watch watch = client.discovery()
                    .v1()
                    .endpointSlices()
                    .withLabel(SERVICE_LABEL, "redis")
                    .watch(new Watcher<>() {
                        @Override
                        public void eventReceived(Action action, EndpointSlice slice) {
                            watched.add(slice);
                        }

                        @Override
                        public void onClose(WatcherException cause) {}
                    });
            SharedIndexInformer<EndpointSlice> informer = client.discovery()
                    .v1()
                    .endpointSlices()
                    .withLabel(SERVICE_LABEL, "redis")
                    .inform(new ResourceEventHandler<>() {
                        @Override
                        public void onAdd(EndpointSlice slice) {
                            informed.add(slice);
                        }

                        @Override
                        public void onUpdate(EndpointSlice before, EndpointSlice slice) {
                            informed.add(slice);
                        }

                        @Override
                        public void onDelete(EndpointSlice slice, boolean unknown) {}
                    });
            try {
                pod.replace(Deletion.KILL, Duration.ofMillis(300));
                pod.awaitReady(READY);
                String newIp = pod.ip();
                await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                    assertThat(watched)
                            .anySatisfy(slice -> assertThat(readyIps(slice)).contains(newIp));
                    assertThat(informed)
                            .anySatisfy(slice -> assertThat(readyIps(slice)).contains(newIp));
                    assertThat(readyIps(informer.getStore().list().get(0)))
                            .contains(newIp)
                            .doesNotContain(oldIp);
                });
                // The watch saw the deletion on its own, before the replacement came up.
                int gone = indexOf(
                        watched, s -> !allIps(s).contains(oldIp) && !allIps(s).contains(newIp));
                int back = indexOf(watched, s -> readyIps(s).contains(newIp));
                assertThat(gone).isGreaterThanOrEqualTo(0).isLessThan(back);
            } finally {
                informer.close();
                watch.close();
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    static Optional<EndpointState> state(EndpointChange change, String ip) {
        return change.endpoints().stream().filter(s -> s.ip().equals(ip)).findFirst();
    }

    static <T> int indexOf(List<T> items, Predicate<T> condition) {
        for (int i = 0; i < items.size(); i++) {
            if (condition.test(items.get(i))) {
                return i;
            }
        }
        return -1;
    }

    static List<String> ips(List<EndpointAddress> addresses) {
        return addresses == null
                ? List.of()
                : addresses.stream().map(EndpointAddress::getIp).toList();
    }

    static List<String> readyIps(EndpointSlice slice) {
        return slice.getEndpoints().stream()
                .filter(e -> Boolean.TRUE.equals(e.getConditions().getReady()))
                .flatMap(e -> e.getAddresses().stream())
                .toList();
    }

    static List<String> allIps(EndpointSlice slice) {
        return slice.getEndpoints().stream()
                .flatMap(e -> e.getAddresses().stream())
                .toList();
    }

    private static String readyCondition(Pod pod) {
        return pod.getStatus().getConditions().stream()
                .filter(c -> "Ready".equals(c.getType()))
                .map(PodCondition::getStatus)
                .findFirst()
                .orElse("?");
    }
}
