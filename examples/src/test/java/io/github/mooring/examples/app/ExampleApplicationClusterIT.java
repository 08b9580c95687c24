package io.github.mooring.examples.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.mooring.testkit.RedisCluster;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The example application with its own {@code application.yaml} unchanged ({@code mooring.service: redis}), where the
 * Service {@code redis} is a Redis Cluster (the testkit's, 3 masters and 3 replicas) instead of a replication group:
 * it starts without another setting, counts visits, caches, publishes and hears its feed through the cluster, and
 * its health and {@code /actuator/mooring} show the shards with the pods' addresses and node IDs.
 */
@ExtendWith(SimulatedNamespaceExtension.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class ExampleApplicationClusterIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static SimulatedNamespace ns;

    private static RedisCluster cluster;

    @BeforeAll
    static void startPods(SimulatedNamespace namespace) {
        ns = namespace;
        cluster = ns.redisCluster("redis").start();
    }

    /** What the cluster gives the application besides application.yaml: its namespace. */
    @DynamicPropertySource
    static void namespace(DynamicPropertyRegistry registry) {
        registry.add("mooring.namespace", () -> ns.name());
    }

    /** The pod's service account client, as in the cluster; with it, mooring.source=auto picks the Kubernetes API. */
    @TestConfiguration(proxyBeanMethods = false)
    static class Kubernetes {

        @Bean(destroyMethod = "close")
        KubernetesClient kubernetesClient() {
            return ns.api().newClient();
        }
    }

    @LocalServerPort
    int port;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void servesOnTheClusterWithItsConfigurationUnchanged() throws Exception {
        long before = get("/visits").get("visits").asLong();
        for (int i = 1; i <= 20; i++) {
            assertThat(post("/visits", "").get("visits").asLong()).isEqualTo(before + i);
        }

        JsonNode forecast = get("/forecasts/Lerwick");
        assertThat(get("/forecasts/Lerwick")).as("served from the cache").isEqualTo(forecast);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            String message = "hello " + System.nanoTime();
            post("/feed", message);
            await().atMost(Duration.ofSeconds(2))
                    .untilAsserted(() -> assertThat(feed()).contains(message));
        });

        JsonNode mooring = get("/actuator/health").at("/components/mooring");
        assertThat(mooring.get("status").asString()).isEqualTo("UP");
        assertThat(mooring.at("/details/mode").asString()).isEqualTo("cluster");
        assertThat(mooring.at("/details/shards")).hasSize(cluster.masterCount());

        JsonNode shards = get("/actuator/mooring");
        assertThat(shards.get("service").asString()).isEqualTo("redis");
        assertThat(shards.get("uncoveredSlots").asInt()).isZero();
        List<String> masters = new ArrayList<>();
        for (JsonNode shard : shards.get("shards")) {
            masters.add(shard.at("/master/nodeId").asString() + "@"
                    + shard.at("/master/address").asString());
            assertThat(shard.get("replicas")).hasSize(cluster.replicasPerMaster());
        }
        assertThat(masters)
                .containsExactlyInAnyOrderElementsOf(cluster.masters().stream()
                        .map(pod -> cluster.nodeId(pod) + "@" + pod.address())
                        .toList());
        assertThat(shards.toString()).doesNotContainIgnoringCase("password");
    }

    private List<String> feed() throws IOException, InterruptedException {
        List<String> messages = new ArrayList<>();
        for (JsonNode entry : get("/feed")) {
            messages.add(entry.get("message").asString());
        }
        return messages;
    }

    private JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode())
                .as("GET %s: %s", path, response.body())
                .isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private JsonNode post(String path, String body) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(
                request(path)
                        .header("Content-Type", "text/plain")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode())
                .as("POST %s: %s", path, response.body())
                .isEqualTo(200);
        return response.body().isEmpty() ? JSON.nullNode() : JSON.readTree(response.body());
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .timeout(Duration.ofSeconds(30));
    }
}
