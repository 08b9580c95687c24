package io.github.mooring.examples.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.mooring.MooringClient;
import io.github.mooring.testkit.Credentials;
import io.github.mooring.testkit.RedisPod;
import io.github.mooring.testkit.RedisStatefulSet;
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
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The example application, configured by its own {@code application.yaml} as in the cluster (plus the namespace and
 * the password), against a simulated namespace of three real {@code redis-server} pods found through the (mock)
 * Kubernetes API. While a visitor keeps counting visits over HTTP, the master pod is killed and recreated with a new
 * IP; the visits keep counting without losing one, the cache keeps serving, the feed hears what is published after
 * the change, and health and the log say what happened, as the README's "Try it on a cluster" describes.
 */
@ExtendWith({SimulatedNamespaceExtension.class, OutputCaptureExtension.class})
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class ExampleApplicationIT {

    private static final String PASSWORD = "example-s3cret";

    private static final Duration LONG = Duration.ofSeconds(30);

    /** Longer than the failover wait (30 s), so a request waiting for the next master is never cut short here. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(45);

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static SimulatedNamespace ns;

    private static RedisStatefulSet redis;

    @BeforeAll
    static void startPods(SimulatedNamespace namespace) {
        ns = namespace;
        redis = ns.redis("redis")
                .replicas(3)
                .persistence(true)
                // Every acknowledged INCR on disk before its reply: the recreated pod must have all of them.
                .config("appendfsync always")
                .credentials(Credentials.password(PASSWORD))
                .start();
    }

    /** What the cluster gives the application besides application.yaml: its namespace and the Secret's password. */
    @DynamicPropertySource
    static void namespace(DynamicPropertyRegistry registry) {
        registry.add("mooring.namespace", () -> ns.name());
        registry.add("spring.data.redis.password", () -> PASSWORD);
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

    @Autowired
    StringRedisTemplate template;

    @Autowired
    ForecastService forecasts;

    @Autowired
    MooringClient mooringClient;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void keepsServingWhileTheMasterPodIsReplaced(CapturedOutput output) throws Exception {
        RedisPod master = redis.pod(0);
        String oldAddress = master.address();
        JsonNode mooring = health().at("/components/mooring");
        assertThat(mooring.get("status").asString()).isEqualTo("UP");
        assertThat(mooring.at("/details/master").asString()).isEqualTo("redis-0");
        assertThat(mooring.at("/details/address").asString()).isEqualTo(oldAddress);
        assertThat(mooring.at("/details/source").asString())
                .as("auto found the Kubernetes API")
                .contains("kubernetes");
        assertThat(health().at("/components/redis/status").asString())
                .as("the redis component")
                .isEqualTo("UP");

        // Before: a cached forecast, a message on the feed, some visits.
        JsonNode lerwick = cachedForecast("Lerwick");
        awaitHeard("before the replacement");
        long visitsBefore = get("/visits").get("visits").asLong();

        try (Visitor visitor = new Visitor()) {
            await().atMost(LONG).until(() -> visitor.acknowledged.size() >= 10);

            // Hold writes on the master, so that the visitor's next INCR is sent and waits for its answer (Redis
            // counts it as a blocked client), then kill the pod: that INCR's outcome is unknown, for certain.
            assertThat(master.command("CLIENT", "PAUSE", "30000", "WRITE")).isEqualTo("OK");
            await().atMost(LONG)
                    .until(() -> Long.parseLong(master.info("clients").get("blocked_clients")) >= 1);
            master.replace(RedisPod.Deletion.KILL, Duration.ofSeconds(1));

            // Without a master, /actuator/health says so at once (503, with what each pod answered), while liveness
            // and readiness leave Redis out: Kubernetes neither restarts the application nor takes it out of its
            // Service. All three answered while there still was no master, not once the next one came.
            AtomicReference<JsonNode> outOfService = new AtomicReference<>();
            await().atMost(LONG).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> {
                outOfService.set(health());
                assertThat(status("/actuator/health/liveness")).as("liveness").isEqualTo(200);
                assertThat(status("/actuator/health/readiness")).as("readiness").isEqualTo(200);
                assertThat(mooringClient.topology().master())
                        .as("still no master")
                        .isEmpty();
                assertThat(outOfService.get().at("/components/mooring/status").asString())
                        .isEqualTo("OUT_OF_SERVICE");
            });
            assertThat(outOfService.get().get("status").asString()).isEqualTo("OUT_OF_SERVICE");
            assertThat(outOfService
                            .get()
                            .at("/components/mooring/details/reason")
                            .asString())
                    .startsWith("no pod reports master");

            master.awaitReady(LONG);
            String newAddress = master.address();
            assertThat(newAddress).isNotEqualTo(oldAddress);
            await().atMost(LONG).untilAsserted(() -> {
                JsonNode now = health();
                assertThat(now.get("status").asString()).isEqualTo("UP");
                assertThat(now.at("/components/mooring/status").asString()).isEqualTo("UP");
                assertThat(now.at("/components/mooring/details/address").asString())
                        .isEqualTo(newAddress);
            });

            // The visits go on on the new master.
            int acknowledgedAtChange = visitor.acknowledged.size();
            await().atMost(LONG).until(() -> visitor.acknowledged.size() >= acknowledgedAtChange + 10);
            visitor.stop();

            assertThat(visitor.failures)
                    .as("visits that failed otherwise than with an unknown outcome")
                    .isEmpty();
            assertThat(visitor.fateUnknown)
                    .as("the INCR in flight when the master was killed")
                    .hasValue(1);
            long counted = get("/visits").get("visits").asLong();
            // The paused INCR never ran (the process was killed first), so every acknowledged visit, and nothing
            // else, is in the count: none lost with the old pod, none applied twice.
            assertThat(counted - visitsBefore)
                    .as("visits counted on the new master")
                    .isEqualTo(visitor.acknowledged.size());
            assertThat(visitor.acknowledged)
                    .as("each acknowledged visit got its own number")
                    .doesNotHaveDuplicates()
                    .allSatisfy(n -> assertThat(n).isBetween(visitsBefore + 1, counted));

            // The cache still serves what it held, from the new master, and caches what is new.
            assertThat(get("/forecasts/Lerwick")).as("served from the cache").isEqualTo(lerwick);
            cachedForecast("Torshavn");

            // The feed's subscription moved to the new master: a message published now is heard.
            awaitHeard("after the replacement");

            // The log lines the README tells the reader to watch for.
            String service = "Service 'redis' in namespace '" + ns.name() + "'";
            assertThat(output.getOut())
                    .contains(service + ": no master: ")
                    .containsPattern(Pattern.quote(service + ": master is now redis-0 (" + newAddress + ") (")
                            + ".*; noticed by [A-Z_]+ in \\d+ ms\\)");
            JsonNode topology = get("/actuator/mooring");
            assertThat(topology.at("/master/address").asString()).isEqualTo(newAddress);
            assertThat(topology.at("/lastChange/event").asString()).isEqualTo("MasterChanged");
        }
    }

    /** Computes a forecast, waits until Redis holds it, and checks the next request is answered from there. */
    private JsonNode cachedForecast(String harbour) throws Exception {
        JsonNode first = get("/forecasts/" + harbour);
        long computations = forecasts.computations();
        // Spring Data Redis 4 stores cache entries asynchronously: once stored, the next request is served from it.
        await().atMost(LONG).until(() -> template.hasKey("forecasts::" + harbour));
        assertThat(get("/forecasts/" + harbour)).as("served from the cache").isEqualTo(first);
        assertThat(forecasts.computations()).isEqualTo(computations);
        return first;
    }

    /** Publishes until the feed's subscriber hears a message (pub/sub keeps nothing for a subscription not there). */
    private void awaitHeard(String phase) {
        AtomicInteger attempt = new AtomicInteger();
        await().atMost(LONG).untilAsserted(() -> {
            String message = phase + " #" + attempt.incrementAndGet();
            HttpResponse<String> published = http.send(
                    request("/feed")
                            .header("Content-Type", "text/plain")
                            .POST(HttpRequest.BodyPublishers.ofString(message))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(published.statusCode()).as(published.body()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(2))
                    .untilAsserted(() -> assertThat(feed()).contains(message));
        });
    }

    /** The messages {@code GET /feed} shows. */
    private List<String> feed() throws IOException, InterruptedException {
        List<String> messages = new ArrayList<>();
        for (JsonNode entry : get("/feed")) {
            messages.add(entry.get("message").asString());
        }
        return messages;
    }

    /** {@code /actuator/health}: 200 when UP, 503 otherwise, with the components either way. */
    private JsonNode health() throws IOException, InterruptedException {
        HttpResponse<String> response =
                http.send(request("/actuator/health").GET().build(), HttpResponse.BodyHandlers.ofString());
        JsonNode body = JSON.readTree(response.body());
        assertThat(response.statusCode())
                .as(response.body())
                .isEqualTo("UP".equals(body.get("status").asString()) ? 200 : 503);
        return body;
    }

    private int status(String path) throws IOException, InterruptedException {
        return http.send(request(path).GET().build(), HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    private JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode())
                .as("GET %s: %s", path, response.body())
                .isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .timeout(REQUEST_TIMEOUT);
    }

    /** A browser counting visits, one {@code POST /visits} after the other, every 20 ms, noting every answer. */
    private final class Visitor implements AutoCloseable {

        final Queue<Long> acknowledged = new ConcurrentLinkedQueue<>();

        final AtomicInteger fateUnknown = new AtomicInteger();

        final Queue<String> failures = new ConcurrentLinkedQueue<>();

        private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "visitor");
            thread.setDaemon(true);
            return thread;
        });

        Visitor() {
            executor.scheduleWithFixedDelay(this::visit, 0, 20, TimeUnit.MILLISECONDS);
        }

        private void visit() {
            try {
                HttpResponse<String> response = http.send(
                        request("/visits")
                                .POST(HttpRequest.BodyPublishers.noBody())
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    acknowledged.add(
                            JSON.readTree(response.body()).get("visits").asLong());
                } else if (response.statusCode() == 503
                        && RedisErrors.FATE_UNKNOWN
                                .toString()
                                .equals(JSON.readTree(response.body())
                                        .path("type")
                                        .asString())) {
                    fateUnknown.incrementAndGet();
                } else {
                    failures.add(response.statusCode() + " " + response.body());
                }
            } catch (IOException | RuntimeException e) {
                failures.add(e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** Stops visiting and waits for the visit in progress. */
        void stop() {
            executor.shutdown();
            try {
                if (!executor.awaitTermination(REQUEST_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                    failures.add("a visit did not end within " + REQUEST_TIMEOUT);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                executor.shutdownNow();
            }
        }

        @Override
        public void close() {
            stop();
        }
    }
}
