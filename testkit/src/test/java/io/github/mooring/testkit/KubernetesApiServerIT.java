package io.github.mooring.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.github.mooring.testkit.RedisPod.Deletion;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The API server's RBAC, missing API groups and connection faults, seen by an application's fabric8 client. */
@ExtendWith(SimulatedNamespaceExtension.class)
class KubernetesApiServerIT {

    private static final String SLICES = "endpointslices.discovery.k8s.io";
    private static final String SERVICE_LABEL = "kubernetes.io/service-name";

    @Test
    void aKubeconfigItWritesReachesItAsTheServiceAccountInTheNamespace(SimulatedNamespace ns, @TempDir Path dir) {
        ns.redis("redis").replicas(1).start();
        Path file = ns.api().writeKubeconfig(dir.resolve("kube").resolve("config"));

        // As kubectl-style auto-configuration reads ~/.kube/config: current context, its namespace, its user.
        Config config = Config.fromKubeconfig(file.toFile());
        assertThat(config.getMasterUrl()).isEqualTo(ns.api().url() + "/");
        assertThat(config.getNamespace()).isEqualTo(ns.name());
        assertThat(config.getCurrentContext().getName()).isEqualTo(ns.name());
        try (KubernetesClient client =
                new KubernetesClientBuilder().withConfig(config).build()) {
            assertThat(client.discovery().v1().endpointSlices().list().getItems())
                    .hasSize(1);
            ns.api().forbid(SLICES, "list");
            assertThatThrownBy(() -> client.discovery().v1().endpointSlices().list())
                    .isInstanceOfSatisfying(
                            KubernetesClientException.class,
                            e -> assertThat(e.getMessage())
                                    .contains("User \"" + ns.api().serviceAccountUser() + "\""));
        }
    }

    @Test
    void forbiddenVerbGets403NamingVerbResourceAndNamespaceUntilPermitted(SimulatedNamespace ns) {
        ns.redis("redis").replicas(1).start();
        KubernetesApiServer api = ns.api();
        try (KubernetesClient client = api.newClient()) {
            List<EndpointSlice> before =
                    client.discovery().v1().endpointSlices().list().getItems();
            assertThat(before).hasSize(1);
            String sliceName = before.get(0).getMetadata().getName();

            api.forbid(SLICES, "list");
            assertThatThrownBy(() -> client.discovery().v1().endpointSlices().list())
                    .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                        assertThat(e.getCode()).isEqualTo(403);
                        assertThat(e.getMessage())
                                .contains("endpointslices.discovery.k8s.io is forbidden")
                                .contains("User \"" + api.serviceAccountUser() + "\"")
                                .contains("cannot list resource \"endpointslices\" in API group \"discovery.k8s.io\"")
                                .contains("in the namespace \"" + ns.name() + "\"");
                    });
            // Only that verb on that resource: a get by name, and core Endpoints, still work.
            assertThat(client.discovery()
                            .v1()
                            .endpointSlices()
                            .withName(sliceName)
                            .get())
                    .isNotNull();
            assertThat(client.endpoints().list().getItems()).hasSize(1);

            api.forbid("endpoints", "list", "watch");
            assertThatThrownBy(() -> client.endpoints().list())
                    .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                        assertThat(e.getCode()).isEqualTo(403);
                        assertThat(e.getMessage()).contains("cannot list resource \"endpoints\" in API group \"\"");
                    });
            assertThatThrownBy(() -> client.endpoints().watch(new Watcher<>() {
                        @Override
                        public void eventReceived(Action action, Endpoints resource) {}

                        @Override
                        public void onClose(WatcherException cause) {}
                    }))
                    .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                        assertThat(e.getCode()).isEqualTo(403);
                        // The client reads no body from a refused WebSocket upgrade: only the status reaches it.
                        assertThat(e.getMessage()).contains("403").contains("watch=true");
                    });

            api.permit(SLICES, "list");
            api.permit("endpoints", "list", "watch");
            assertThat(client.discovery().v1().endpointSlices().list().getItems())
                    .hasSize(1);
            assertThat(client.endpoints().list().getItems()).hasSize(1);
            assertThat(api.requestCount("list", SLICES)).isEqualTo(3);
            assertThat(api.requestCount("get", SLICES)).isEqualTo(1);
            assertThat(api.requestCount("watch", "endpoints")).isEqualTo(1);
        }
    }

    @Test
    void unservedApiGroupGets404(SimulatedNamespace ns) {
        ns.redis("redis").replicas(1).start();
        KubernetesApiServer api = ns.api();
        try (KubernetesClient client = api.newClient()) {
            api.unserve("discovery.k8s.io");
            assertThatThrownBy(() -> client.discovery().v1().endpointSlices().list())
                    .isInstanceOfSatisfying(
                            KubernetesClientException.class,
                            e -> assertThat(e.getCode()).isEqualTo(404));
            assertThat(client.endpoints().list().getItems()).hasSize(1);

            api.serve("discovery.k8s.io");
            assertThat(client.discovery().v1().endpointSlices().list().getItems())
                    .hasSize(1);
        }
    }

    @Test
    void stoppedServerRefusesConnectionsAndComesBackWithItsObjects(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").replicas(1).start();
        KubernetesApiServer api = ns.api();
        String url = api.url();
        try (KubernetesClient client = api.newClient()) {
            assertThat(client.discovery().v1().endpointSlices().list().getItems())
                    .hasSize(1);

            api.stop();
            assertThat(api.isUp()).isFalse();
            // Every request fails; the first may fail on a pooled connection the proxy just closed, then new
            // connections are refused.
            assertThatThrownBy(() -> client.discovery().v1().endpointSlices().list())
                    .isInstanceOf(KubernetesClientException.class);
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThatThrownBy(() ->
                                    client.discovery().v1().endpointSlices().list())
                            .isInstanceOf(KubernetesClientException.class)
                            .satisfies(e -> assertThat(Failures.causedBy(e, ConnectException.class))
                                    .as(Failures.chain(e))
                                    .isTrue()));
            int port = URI.create(url).getPort();
            assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class);

            // The control plane keeps working meanwhile: the replacement is stored and shown after the restart.
            RedisPod pod = redis.pod(0);
            pod.replace(Deletion.KILL, Duration.ZERO);
            pod.awaitReady(Duration.ofSeconds(30));
            redis.awaitEndpoints(e -> e.readyIps().contains(pod.ip()), Duration.ofSeconds(30));

            api.start();
            assertThat(api.isUp()).isTrue();
            assertThat(api.url()).isEqualTo(url);
            List<EndpointSlice> slices =
                    client.discovery().v1().endpointSlices().list().getItems();
            assertThat(slices)
                    .singleElement()
                    .satisfies(slice ->
                            assertThat(EndpointControllerIT.readyIps(slice)).containsExactly(pod.ip()));
            assertThat(client.services().withName("redis").get()).isNotNull();
        }
    }

    @Test
    void droppedConnectionsCloseAnOpenWatchWhichReconnects(SimulatedNamespace ns) {
        ns.redis("redis").replicas(1).start();
        KubernetesApiServer api = ns.api();
        List<Watcher.Action> events = new CopyOnWriteArrayList<>();
        try (KubernetesClient client = api.newClient()) {
            Watch watch = client.discovery()
                    .v1()
                    .endpointSlices()
                    .withLabel(SERVICE_LABEL, "redis")
                    .watch(new Watcher<>() {
                        @Override
                        public void eventReceived(Action action, EndpointSlice slice) {
                            events.add(action);
                        }

                        @Override
                        public void onClose(WatcherException cause) {}
                    });
            try {
                // The mock server sends the current object as ADDED when a watch opens.
                await().atMost(Duration.ofSeconds(10)).until(() -> events.contains(Watcher.Action.ADDED));
                assertThat(api.requestCount("watch", SLICES)).isEqualTo(1);
                int before = events.size();

                api.dropConnections();

                // The client noticed the closed stream and opened a new watch (which replays ADDED).
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                    assertThat(api.requestCount("watch", SLICES)).isGreaterThanOrEqualTo(2);
                    // A copy: a view of a CopyOnWriteArrayList fails when an event arrives while it is read.
                    List<Watcher.Action> seen = List.copyOf(events);
                    assertThat(seen.subList(before, seen.size())).contains(Watcher.Action.ADDED);
                });
            } finally {
                watch.close();
            }
        }
    }

    @Test
    void droppedConnectionsMakeAnInformerRewatchAndKeepDelivering(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").replicas(1).start();
        KubernetesApiServer api = ns.api();
        try (KubernetesClient client = api.newClient()) {
            SharedIndexInformer<EndpointSlice> informer = client.discovery()
                    .v1()
                    .endpointSlices()
                    .withLabel(SERVICE_LABEL, "redis")
                    .inform();
            try {
                await().atMost(Duration.ofSeconds(10)).until(informer::isWatching);
                // A first change through the watch. (Dropping a JDK-client watch before its first message has
                // been read goes unnoticed by the client: its socket sits in CLOSE-WAIT. Applications must not
                // rely on seeing every drop at once.)
                RedisPod pod = redis.pod(0);
                pod.stopContainer();
                await().atMost(Duration.ofSeconds(15))
                        .untilAsserted(() -> assertThat(EndpointControllerIT.readyIps(
                                        informer.getStore().list().get(0)))
                                .isEmpty());
                long watchesBefore = api.requestCount("watch", SLICES);

                api.dropConnections();
                await().atMost(Duration.ofSeconds(20))
                        .until(() -> api.requestCount("watch", SLICES) > watchesBefore && informer.isWatching());

                // The next change arrives through the new watch.
                pod.startContainer();
                pod.awaitReady(Duration.ofSeconds(30));
                await().atMost(Duration.ofSeconds(15))
                        .untilAsserted(() -> assertThat(EndpointControllerIT.readyIps(
                                        informer.getStore().list().get(0)))
                                .containsExactly(pod.ip()));
            } finally {
                informer.close();
            }
        }
    }
}
