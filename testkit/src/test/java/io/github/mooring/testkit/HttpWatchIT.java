package io.github.mooring.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Watches over plain HTTP (a chunked {@code GET ...?watch=true}), as a real API server serves them to kubectl,
 * client-go and fabric8's {@code onlyHttpWatches}: fabric8 8.0's mock server alone answers them with {@code 500}.
 */
@ExtendWith(SimulatedNamespaceExtension.class)
class HttpWatchIT {

    private static final String SLICES = "endpointslices.discovery.k8s.io";
    private static final Duration WAIT = Duration.ofSeconds(15);

    @Test
    void anInformerWatchingOverHttpSeesAPodGoAndComeBack(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").replicas(1).start();
        KubernetesApiServer api = ns.api();
        try (KubernetesClient client = httpWatchClient(api)) {
            SharedIndexInformer<EndpointSlice> informer = informOnRedis(client);
            try {
                await().atMost(WAIT).until(informer::isWatching);
                assertThat(api.openHttpWatches())
                        .as("the informer watches over plain HTTP")
                        .isEqualTo(1);
                RedisPod pod = redis.pod(0);
                pod.stopContainer();
                awaitReadyIps(informer);
                pod.startContainer();
                pod.awaitReady(Duration.ofSeconds(30));
                awaitReadyIps(informer, pod.ip());
                assertThat(api.requestCount("watch", SLICES)).isEqualTo(1);
            } finally {
                informer.close();
            }
        }
    }

    @Test
    void aWatchFromAResourceVersionGetsEveryChangeAfterItInOrderDeletionsIncluded(SimulatedNamespace ns)
            throws Exception {
        KubernetesApiServer api = ns.api();
        try (KubernetesClient client = api.newClient()) {
            client.configMaps().resource(configMap("seed", "0")).create(); // a list's version is then past 0
            String since = client.configMaps().list().getMetadata().getResourceVersion();
            ConfigMap created =
                    client.configMaps().resource(configMap("a", "1")).create();
            client.configMaps().resource(configMap("a", "2")).update();
            client.configMaps().withName("a").delete();

            try (Lines lines = watch(api, "configmaps", "resourceVersion=" + since)) {
                List<String> events = lines.take(3);
                assertThat(events.get(0)).startsWith("{\"type\":\"ADDED\"").contains("\"1\"");
                assertThat(events.get(1)).startsWith("{\"type\":\"MODIFIED\"").contains("\"2\"");
                assertThat(events.get(2)).startsWith("{\"type\":\"DELETED\"");
                long added = versionIn(events.get(0));
                long modified = versionIn(events.get(1));
                long deleted = versionIn(events.get(2));
                assertThat(added).isEqualTo(Long.parseLong(created.getMetadata().getResourceVersion()));
                assertThat(modified).isGreaterThan(added);
                assertThat(deleted).as("a deletion has a version of its own").isGreaterThan(modified);

                // Nothing replayed for a watch from the last version; a new change arrives live.
                try (Lines after = watch(api, "configmaps", "resourceVersion=" + deleted)) {
                    client.configMaps().resource(configMap("b", "1")).create();
                    assertThat(after.take(1).get(0))
                            .startsWith("{\"type\":\"ADDED\"")
                            .contains("\"b\"");
                }
            }
        }
    }

    @Test
    void aWatchWithoutAVersionStartsWithTheCurrentObjects(SimulatedNamespace ns) throws Exception {
        KubernetesApiServer api = ns.api();
        try (KubernetesClient client = api.newClient()) {
            client.configMaps().resource(configMap("a", "1")).create();
            try (Lines lines = watch(api, "configmaps", "fieldSelector=metadata.name%3Da")) {
                assertThat(lines.take(1).get(0))
                        .startsWith("{\"type\":\"ADDED\"")
                        .contains("\"a\"");
                client.configMaps().resource(configMap("other", "1")).create();
                client.configMaps().resource(configMap("a", "2")).update();
                assertThat(lines.take(1).get(0))
                        .as("only the object the field selector names")
                        .startsWith("{\"type\":\"MODIFIED\"")
                        .contains("\"2\"");
            }
        }
    }

    @Test
    void aWatchThatAsksForBookmarksGetsThemWithTheLatestVersion(SimulatedNamespace ns) throws Exception {
        KubernetesApiServer api = ns.api();
        api.bookmarkInterval(Duration.ofMillis(200));
        try (KubernetesClient client = api.newClient()) {
            ConfigMap created =
                    client.configMaps().resource(configMap("a", "1")).create();
            String version = created.getMetadata().getResourceVersion();
            try (Lines lines = watch(api, "configmaps", "resourceVersion=" + version + "&allowWatchBookmarks=true")) {
                String bookmark = lines.take(1).get(0);
                assertThat(bookmark)
                        .startsWith("{\"type\":\"BOOKMARK\"")
                        .contains("\"kind\":\"ConfigMap\"", "\"apiVersion\":\"v1\"");
                assertThat(versionIn(bookmark)).isGreaterThanOrEqualTo(Long.parseLong(version));
            }
        }
    }

    @Test
    void timeoutSecondsEndsTheStreamCleanly(SimulatedNamespace ns) throws Exception {
        KubernetesApiServer api = ns.api();
        try (Lines lines = watch(api, "configmaps", "resourceVersion=1&timeoutSeconds=1")) {
            assertThat(lines.ended.get(10, TimeUnit.SECONDS)).isEqualTo(200);
        }
    }

    @Test
    void rbacAndFailuresApplyToHttpWatches(SimulatedNamespace ns) throws Exception {
        KubernetesApiServer api = ns.api();
        api.forbid("configmaps", "watch");
        try (Lines lines = watch(api, "configmaps", "")) {
            assertThat(lines.status).isEqualTo(403);
            assertThat(lines.take(1).get(0)).contains("cannot watch resource \\\"configmaps\\\"");
        }
        api.permit("configmaps", "watch");
        api.fail("configmaps", 503, "watch");
        try (Lines lines = watch(api, "configmaps", "")) {
            assertThat(lines.status).isEqualTo(503);
        }
        assertThat(api.requestCount("watch", "configmaps")).isEqualTo(2);
    }

    @Test
    void droppedConnectionsEndAnHttpWatchAndTheInformerRewatchesFromItsVersion(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").replicas(1).start();
        KubernetesApiServer api = ns.api();
        try (KubernetesClient client = httpWatchClient(api)) {
            SharedIndexInformer<EndpointSlice> informer = informOnRedis(client);
            try {
                await().atMost(WAIT).until(informer::isWatching);
                RedisPod pod = redis.pod(0);
                pod.stopContainer(); // a first event, so that the client reads the stream and notices its end
                awaitReadyIps(informer);
                long lists = api.requestCount("list", SLICES);

                api.dropConnections();
                await().atMost(WAIT).until(() -> api.requestCount("watch", SLICES) >= 2 && informer.isWatching());
                pod.startContainer();
                pod.awaitReady(Duration.ofSeconds(30));
                awaitReadyIps(informer, pod.ip());
                assertThat(api.requestCount("list", SLICES))
                        .as("the new watch resumed from the informer's version: no list")
                        .isEqualTo(lists);
            } finally {
                informer.close();
            }
        }
    }

    private static SharedIndexInformer<EndpointSlice> informOnRedis(KubernetesClient client) {
        return client.discovery()
                .v1()
                .endpointSlices()
                .withLabel("kubernetes.io/service-name", "redis")
                .inform();
    }

    private static void awaitReadyIps(SharedIndexInformer<EndpointSlice> informer, String... ips) {
        await().atMost(WAIT)
                .untilAsserted(() -> assertThat(EndpointControllerIT.readyIps(
                                informer.getStore().list().get(0)))
                        .containsExactly(ips));
    }

    private static KubernetesClient httpWatchClient(KubernetesApiServer api) {
        return new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder(api.config())
                        .withOnlyHttpWatches(true)
                        .build())
                .build();
    }

    private static ConfigMap configMap(String name, String value) {
        return new ConfigMapBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withData(Map.of("value", value))
                .build();
    }

    private static long versionIn(String event) {
        int at = event.indexOf("\"resourceVersion\":\"") + "\"resourceVersion\":\"".length();
        return Long.parseLong(event.substring(at, event.indexOf('"', at)));
    }

    /** A raw watch request (or any answer to it), line by line. */
    private static Lines watch(KubernetesApiServer api, String resource, String query) throws Exception {
        HttpClient http =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String namespace = api.config().getNamespace();
        HttpRequest request = HttpRequest.newBuilder(URI.create(api.url() + "/api/v1/namespaces/" + namespace + "/"
                        + resource + "?watch=true" + (query.isEmpty() ? "" : "&" + query)))
                .header("Authorization", "Bearer " + api.config().getOauthToken())
                .build();
        HttpResponse<Stream<String>> response = http.send(request, HttpResponse.BodyHandlers.ofLines());
        return new Lines(response);
    }

    private static final class Lines implements AutoCloseable {
        final int status;
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> ended = new CompletableFuture<>();
        private final Thread reader;
        private final Stream<String> body;

        Lines(HttpResponse<Stream<String>> response) {
            this.status = response.statusCode();
            this.body = response.body();
            this.reader = new Thread(() -> {
                try {
                    body.forEach(lines::add);
                    ended.complete(status);
                } catch (RuntimeException e) {
                    ended.completeExceptionally(e);
                }
            });
            reader.setDaemon(true);
            reader.start();
        }

        List<String> take(int n) throws InterruptedException {
            List<String> taken = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String line = lines.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                assertThat(line)
                        .as("line " + (i + 1) + " of " + n + " (got " + taken + ")")
                        .isNotNull();
                taken.add(line);
            }
            return taken;
        }

        @Override
        public void close() {
            body.close();
        }
    }
}
