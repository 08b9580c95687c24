package io.github.mooring.benchmarks;

import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import io.fabric8.kubernetes.client.vertx5.Vertx5HttpClientFactory;
import io.github.mooring.testkit.RedisPod;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.SimulatedNamespace;
import io.netty.util.Version;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Which fabric8 HTTP client the kubernetes source should run on: the JDK's or Vert.x 5 (fabric8's default). For each,
 * one client with an EndpointSlice informer (what the kubernetes source runs) against the testkit's API server:
 * the threads it adds, and how long a change takes to reach the informer after its watch connection was cut
 * (proxy drops every connection) and after the API server was unreachable for 3 s.
 * <p>
 * {@code mvn -q -B -DskipTests -pl benchmarks -am test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=io.github.mooring.benchmarks.HttpClientChoice}
 * <p>
 * With {@code -Dexec.args=--one-request} it only sends one request with each client to a plain JDK HTTP server (no
 * testkit), which runs on any Netty: add {@code -Dnetty.version=4.2.15.Final} to try Spring Boot 4.0's.
 */
public final class HttpClientChoice {

    private static final int ROUNDS = 5;

    public static void main(String[] args) throws Exception {
        Map<String, Supplier<HttpClient.Factory>> clients = new LinkedHashMap<>();
        clients.put("jdk", JdkHttpClientFactory::new);
        clients.put("vertx-5", Vertx5HttpClientFactory::new);
        System.out.println(
                "Netty " + Version.identify().get("netty-common").artifactVersion() + ", Java " + Runtime.version());
        if (args.length > 0 && args[0].equals("--one-request")) {
            for (Map.Entry<String, Supplier<HttpClient.Factory>> client : clients.entrySet()) {
                oneRequest(client.getKey(), client.getValue().get());
            }
            System.exit(0);
        }
        try (SimulatedNamespace ns = SimulatedNamespace.start()) {
            RedisStatefulSet redis =
                    ns.redis("redis").replicas(2).persistence(false).start();
            for (Map.Entry<String, Supplier<HttpClient.Factory>> client : clients.entrySet()) {
                measure(ns, redis, client.getKey(), client.getValue().get());
            }
        }
        System.exit(0);
    }

    private static void measure(SimulatedNamespace ns, RedisStatefulSet redis, String name, HttpClient.Factory factory)
            throws Exception {
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        try (KubernetesClient client = new KubernetesClientBuilder()
                .withConfig(ns.api().config())
                .withHttpClientFactory(factory)
                .build()) {
            SharedIndexInformer<EndpointSlice> informer = client.discovery()
                    .v1()
                    .endpointSlices()
                    .inNamespace(ns.name())
                    .withLabel("kubernetes.io/service-name", redis.name())
                    .inform();
            informer.run();
            waitUntil(informer::hasSynced, Duration.ofSeconds(30));
            Thread.sleep(1000); // let pools settle
            List<Thread> added = new ArrayList<>(Thread.getAllStackTraces().keySet());
            added.removeAll(before);
            Map<String, Long> byPool = added.stream()
                    .collect(Collectors.groupingBy(
                            t -> t.getName().replaceAll("\\d+", "#"), TreeMap::new, Collectors.counting()));
            System.out.printf("%s: %d threads added by a client and one informer: %s%n", name, added.size(), byPool);

            List<Long> afterDrop = new ArrayList<>();
            List<Long> afterOutage = new ArrayList<>();
            for (int round = 0; round < ROUNDS; round++) {
                ns.api().dropConnections();
                afterDrop.add(changeSeenAfter(informer, redis));
                ns.api().stop();
                Thread.sleep(3000);
                ns.api().start();
                afterOutage.add(changeSeenAfter(informer, redis));
            }
            System.out.printf(
                    "%s: a pod replacement reached the informer, after its connections were dropped: %s ms;"
                            + " after a 3 s API outage: %s ms%n",
                    name, afterDrop, afterOutage);
            informer.close();
        }
    }

    /** One GET /version through a client of this factory, to a JDK HTTP server answering like an API server. */
    private static void oneRequest(String name, HttpClient.Factory factory) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/version", exchange -> {
            byte[] body =
                    "{\"major\":\"1\",\"minor\":\"33\",\"gitVersion\":\"v1.33.0\"}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        try (KubernetesClient client = new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder(Config.empty())
                        .withMasterUrl("http://127.0.0.1:" + server.getAddress().getPort())
                        .build())
                .withHttpClientFactory(factory)
                .build()) {
            System.out.printf(
                    "%s: GET /version answered %s%n",
                    name, client.getKubernetesVersion().getGitVersion());
        } catch (Throwable e) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            System.out.printf("%s: GET /version failed: %s (root cause %s)%n", name, e, root);
        } finally {
            server.stop(0);
        }
    }

    /** Replaces pod 1 (new IP) and returns how long until the informer's cache lists the new IP (-1: not in 60 s). */
    private static long changeSeenAfter(SharedIndexInformer<EndpointSlice> informer, RedisStatefulSet redis)
            throws Exception {
        RedisPod pod = redis.pod(1);
        String oldIp = pod.ip();
        long start = System.nanoTime();
        pod.replace(RedisPod.Deletion.KILL, Duration.ZERO);
        pod.awaitReady(Duration.ofSeconds(30));
        String newIp = pod.ip();
        if (newIp.equals(oldIp)) {
            throw new IllegalStateException("pod kept its IP");
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            boolean seen = informer.getStore().list().stream()
                    .flatMap(s -> s.getEndpoints().stream())
                    .flatMap(e -> e.getAddresses().stream())
                    .anyMatch(newIp::equals);
            if (seen) {
                return (System.nanoTime() - start) / 1_000_000;
            }
            Thread.sleep(5);
        }
        return -1;
    }

    private static void waitUntil(Supplier<Boolean> condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.get()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("not within " + timeout);
            }
            Thread.sleep(10);
        }
    }
}
