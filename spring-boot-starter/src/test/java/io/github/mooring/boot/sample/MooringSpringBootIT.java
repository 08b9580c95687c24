package io.github.mooring.boot.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.mooring.boot.MooringLettuceConnectionFactory;
import io.github.mooring.testkit.Credentials;
import io.github.mooring.testkit.RedisPod;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.Sentinels;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A whole Spring Boot application on Mooring, against a simulated namespace of three real {@code redis-server} pods
 * with a password, discovered through the (mock) Kubernetes API. Everything the application uses keeps working while
 * the master pod is replaced (killed, recreated with a new IP) and then through a Sentinel failover; the health
 * endpoint, the {@code mooring} actuator endpoint and the metrics show each change.
 * <p>
 * The two scenarios run in order on one namespace: the second starts from the state the first leaves.
 */
@ExtendWith(SimulatedNamespaceExtension.class)
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "mooring.service=redis",
            "mooring.source=kubernetes",
            "mooring.probe.interval=250ms",
            "mooring.idempotent-commands=SET",
            "management.endpoints.web.exposure.include=health,mooring",
            "management.endpoint.health.show-details=always"
        })
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MooringSpringBootIT {

    private static final String PASSWORD = "app-s3cret";

    private static final Duration LONG = Duration.ofSeconds(30);

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static SimulatedNamespace ns;

    private static RedisStatefulSet redis;

    @BeforeAll
    static void startPods(SimulatedNamespace namespace) {
        ns = namespace;
        redis = ns.redis("redis")
                .replicas(3)
                .persistence(true)
                .credentials(Credentials.password(PASSWORD))
                .start();
    }

    @DynamicPropertySource
    static void namespace(DynamicPropertyRegistry registry) {
        registry.add("mooring.namespace", () -> ns.name());
        registry.add("spring.data.redis.password", () -> PASSWORD);
    }

    /** The pod's service account client, as the application would configure it in a cluster. */
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
    RedisConnectionFactory connectionFactory;

    @Autowired
    StringRedisTemplate template;

    @Autowired
    ReactiveStringRedisTemplate reactiveTemplate;

    @Autowired
    PriceService prices;

    @Autowired
    ShipmentRepository shipments;

    @Autowired
    MeterRegistry meters;

    /** A browser with a session cookie, for {@code /visits}. */
    private final HttpClient browser =
            HttpClient.newBuilder().cookieHandler(new CookieManager()).build();

    /**
     * A monitoring system, without cookies: a request that carries a session cookie makes Spring Session load the
     * session from Redis first, which waits for the master like any other Redis call.
     */
    private final HttpClient monitoring = HttpClient.newHttpClient();

    @Test
    @Order(1)
    void keepsWorkingWhileTheMasterPodIsReplaced() throws Exception {
        assertThat(connectionFactory).isInstanceOf(MooringLettuceConnectionFactory.class);
        String oldMaster = redis.pod(0).address();
        JsonNode health = health("mooring");
        assertThat(health.get("status").asString()).isEqualTo("UP");
        assertThat(health.at("/details/master").asString()).isEqualTo("redis-0");
        assertThat(health.at("/details/address").asString()).isEqualTo(oldMaster);
        assertThat(health("redis").get("status").asString()).isEqualTo("UP");
        everythingWorks("before-replacement");

        redis.pod(0).replace(RedisPod.Deletion.KILL, Duration.ofSeconds(2));

        // The health endpoint shows the failover in progress...
        await().atMost(LONG)
                .pollInterval(Duration.ofMillis(20))
                .until(() -> health("mooring").get("status").asString(), "OUT_OF_SERVICE"::equals);
        assertThat(health("mooring").at("/details/reason").asString()).isNotEmpty();
        // ... while a write issued now waits for the next master and completes there.
        template.opsForValue().set("written-during-replacement", "yes");
        assertThat(template.opsForValue().get("written-during-replacement")).isEqualTo("yes");

        redis.pod(0).awaitReady(LONG);
        String newMaster = redis.pod(0).address();
        assertThat(newMaster).isNotEqualTo(oldMaster);
        await().atMost(LONG).untilAsserted(() -> {
            JsonNode now = health("mooring");
            assertThat(now.get("status").asString()).isEqualTo("UP");
            assertThat(now.at("/details/address").asString()).isEqualTo(newMaster);
        });
        // The replicas still follow the old IP: shown, not hidden.
        assertThat(health("mooring").at("/details/staleReplicas")).hasSize(2);
        JsonNode topology = get("/actuator/mooring");
        assertThat(topology.at("/master/pod").asString()).isEqualTo("redis-0");
        assertThat(topology.at("/master/address").asString()).isEqualTo(newMaster);
        assertThat(topology.at("/lastChange/event").asString()).isEqualTo("MasterChanged");

        everythingWorks("after-replacement");
        assertThat(meters.get("mooring.master.changes").counter().count()).isGreaterThanOrEqualTo(1);
        assertThat(meters.get("mooring.failover")
                        .tag("outcome", "new-master")
                        .timer()
                        .count())
                .isGreaterThanOrEqualTo(1);
    }

    @Test
    @Order(2)
    void keepsWorkingThroughASentinelFailover() throws Exception {
        // The operator repairs the replicas that still followed the replaced master's old IP, then runs Sentinel.
        redis.pod(1).replicaOf(redis.pod(0));
        redis.pod(2).replicaOf(redis.pod(0));
        redis.awaitReplicationLinked(LONG);
        Sentinels sentinels = ns.sentinels(redis).downAfter(LONG).start();
        await().atMost(LONG)
                .until(() -> health("mooring").at("/details/staleReplicas").isMissingNode());

        // State that must survive the failover: written, and replicated to both replicas before it starts.
        String key = "before-failover";
        template.opsForValue().set(key, "kept");
        prices.price("sku-1");
        int computations = prices.computations();
        shipments.save(new Shipment("shipment-1", "anchor chain"));
        int visits = visits();
        long written = offset(redis.pod(0), "master_repl_offset");
        await().atMost(LONG)
                .until(() -> offset(redis.pod(1), "slave_repl_offset") >= written
                        && offset(redis.pod(2), "slave_repl_offset") >= written);

        String oldMaster = redis.pod(0).address();
        // Sentinel may need a moment to learn the replicas before it accepts a failover.
        await().atMost(LONG).ignoreExceptions().until(() -> {
            sentinels.failover();
            return true;
        });
        // Writes go on throughout, each one must succeed, until the application is on the new master. (SET of a
        // fixed value is declared idempotent below, so one in flight when Mooring moves its connection is sent
        // again; an INCR there would fail with CommandFateUnknownException, as it should.)
        AtomicInteger writes = new AtomicInteger();
        await().atMost(LONG).pollInterval(Duration.ofMillis(50)).until(() -> {
            template.opsForValue().set("written-during-failover", Integer.toString(writes.incrementAndGet()));
            JsonNode now = health("mooring");
            return now.get("status").asString().equals("UP")
                    && !now.at("/details/address").asString().equals(oldMaster);
        });
        String newMaster = health("mooring").at("/details/address").asString();
        await().atMost(LONG).until(() -> sentinels.masterAddress().orElse(""), newMaster::equals);

        assertThat(template.opsForValue().get(key)).isEqualTo("kept");
        assertThat(prices.price("sku-1")).isEqualTo("price-of-sku-1");
        assertThat(prices.computations())
                .as("served from the cache on the new master")
                .isEqualTo(computations);
        assertThat(shipments.findById("shipment-1"))
                .hasValueSatisfying(order -> assertThat(order.getItem()).isEqualTo("anchor chain"));
        assertThat(visits()).as("the HTTP session lives on").isEqualTo(visits + 1);
        everythingWorks("after-failover");
        assertThat(get("/actuator/mooring").at("/master/address").asString()).isEqualTo(newMaster);
        assertThat(meters.get("mooring.master.changes").counter().count()).isGreaterThanOrEqualTo(2);
    }

    /** Every way the application uses Redis works now: templates, cache, pub/sub, reactive, repository, session. */
    private void everythingWorks(String phase) throws Exception {
        String key = phase + "-" + UUID.randomUUID();
        template.opsForValue().set(key, phase);
        assertThat(template.opsForValue().get(key)).isEqualTo(phase);

        assertThat(reactiveTemplate.opsForValue().set(key + "-reactive", phase).block(LONG))
                .isTrue();
        assertThat(reactiveTemplate.opsForValue().get(key + "-reactive").block(LONG))
                .isEqualTo(phase);

        String sku = "sku-" + phase;
        assertThat(prices.price(sku)).isEqualTo("price-of-" + sku);
        int computed = prices.computations();
        // Spring Data Redis 4 stores cache entries asynchronously (through the reactive connection): once stored,
        // the next call is served from Redis.
        await().atMost(LONG).until(() -> template.hasKey("prices::" + sku));
        assertThat(prices.price(sku)).isEqualTo("price-of-" + sku);
        assertThat(prices.computations()).as("second call served from Redis").isEqualTo(computed);

        // The listener container's subscription follows the master too: a message published now arrives.
        await().atMost(LONG).untilAsserted(() -> {
            template.convertAndSend("events", phase);
            assertThat(SampleApplication.RECEIVED).contains(phase);
        });

        shipments.save(new Shipment(key, phase));
        assertThat(shipments.findById(key))
                .hasValueSatisfying(order -> assertThat(order.getItem()).isEqualTo(phase));

        int before = visits();
        assertThat(visits()).isEqualTo(before + 1);
    }

    private static long offset(RedisPod pod, String field) {
        return Long.parseLong(pod.info("replication").get(field));
    }

    private int visits() throws IOException, InterruptedException {
        HttpResponse<String> response = browser.send(request("/visits"), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return Integer.parseInt(response.body().trim());
    }

    /** {@code /actuator/health/<component>}: 200 when UP, 503 otherwise, with the details either way. */
    private JsonNode health(String component) throws IOException, InterruptedException {
        HttpResponse<String> response =
                monitoring.send(request("/actuator/health/" + component), HttpResponse.BodyHandlers.ofString());
        JsonNode body = JSON.readTree(response.body());
        assertThat(response.statusCode())
                .isEqualTo("UP".equals(body.get("status").asString()) ? 200 : 503);
        return body;
    }

    private JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = monitoring.send(request(path), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private HttpRequest request(String path) {
        return HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .timeout(LONG)
                .GET()
                .build();
    }
}
