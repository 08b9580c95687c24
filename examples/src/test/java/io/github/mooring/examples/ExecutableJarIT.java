package io.github.mooring.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.github.mooring.testkit.Credentials;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The jar examples/Dockerfile copies into the image is the example application's executable jar, and it runs with
 * the environment src/k8s/app.yaml gives it: started as the image starts it ({@code java -jar}), in its own JVM,
 * against a simulated namespace. The image itself cannot be built here (no Docker engine); everything in it but the
 * JRE is this jar.
 */
@ExtendWith(SimulatedNamespaceExtension.class)
class ExecutableJarIT {

    private static final String PASSWORD = "jar-s3cret";

    private static final Duration STARTUP = Duration.ofSeconds(90);

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void theDockerfilesJarRunsTheApplicationWithTheDeploymentsEnvironment(SimulatedNamespace ns, @TempDir Path dir)
            throws Exception {
        Path jar = dockerfileJar();
        assertThat(jar)
                .as("the jar the Dockerfile copies (built by the package phase)")
                .isRegularFile();
        try (JarFile archive = new JarFile(jar.toFile())) {
            Manifest manifest = archive.getManifest();
            assertThat(manifest.getMainAttributes().getValue("Start-Class"))
                    .isEqualTo("io.github.mooring.examples.app.ExampleApplication");
            List<String> libraries = Collections.list(archive.entries()).stream()
                    .map(e -> e.getName())
                    .filter(name -> name.startsWith("BOOT-INF/lib/"))
                    .toList();
            assertThat(libraries)
                    .as("the application's libraries")
                    .anyMatch(name -> name.contains("mooring-core"))
                    .as("the demo's simulated namespace stays out of the image")
                    .noneMatch(name -> name.contains("mooring-testkit")
                            || name.contains("embedded-redis")
                            || name.contains("junit"));
        }

        RedisStatefulSet redis = ns.redis("redis")
                .replicas(3)
                .credentials(Credentials.password(PASSWORD))
                .start();
        int port = freePort();
        Map<String, String> env = new LinkedHashMap<>(deploymentEnvironment());
        // What the cluster would provide besides app.yaml's environment: the pod's namespace and its service
        // account's access to the API server (here the simulated one, reached from outside a pod).
        env.put("MOORING_NAMESPACE", ns.name());
        env.put("MOORING_SOURCE", "kubernetes");
        env.put("KUBERNETES_MASTER", ns.api().url());
        env.put("KUBERNETES_AUTH_TOKEN", ns.api().config().getOauthToken());
        env.put("KUBERNETES_AUTH_TRYKUBECONFIG", "false");
        env.put("KUBERNETES_AUTH_TRYSERVICEACCOUNT", "false");
        env.put("SERVER_PORT", Integer.toString(port));

        Path log = dir.resolve("app.log");
        Process app = start(jar, env, List.of(), log);
        try {
            await().atMost(STARTUP).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
                assertThat(app.isAlive())
                        .as("the application exited:%n%s", tail(log))
                        .isTrue();
                assertThat(status(port, "/actuator/health/readiness"))
                        .as("readiness")
                        .isEqualTo(200);
            });
            JsonNode health = get(port, "/actuator/health");
            assertThat(health.at("/components/mooring/status").asString())
                    .as("%s", tail(log))
                    .isEqualTo("UP");
            assertThat(health.at("/components/mooring/details/address").asString())
                    .isEqualTo(redis.pod(0).address());

            HttpResponse<String> visit = http.send(
                    request(port, "/visits")
                            .POST(HttpRequest.BodyPublishers.noBody())
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(visit.statusCode()).as(visit.body()).isEqualTo(200);
            assertThat(JSON.readTree(visit.body()).get("visits").asLong()).isEqualTo(1);
            assertThat(redis.pod(0).command("GET", "example:visits"))
                    .as("counted on the master")
                    .isEqualTo("1");

            // A cache entry written and read back inside the jar's class loader (Java serialization of the record).
            JsonNode forecast = get(port, "/forecasts/Lerwick");
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> Long.valueOf(1).equals(redis.pod(0).command("EXISTS", "forecasts::Lerwick")));
            assertThat(get(port, "/forecasts/Lerwick"))
                    .as("served from the cache")
                    .isEqualTo(forecast);
        } finally {
            stop(app);
        }
    }

    @Test
    void fromOutsideTheClusterTheJarFindsItThroughTheKubeconfig(SimulatedNamespace ns, @TempDir Path dir)
            throws Exception {
        // README, "Run the example application on your machine": java -jar examples/target/mooring-example.jar
        // --mooring.namespace=... --spring.data.redis.password=..., with kubectl's kubeconfig in KUBECONFIG.
        RedisStatefulSet redis = ns.redis("redis")
                .replicas(3)
                .credentials(Credentials.password(PASSWORD))
                .start();
        int port = freePort();
        Map<String, String> env = Map.of(
                "KUBECONFIG",
                ns.api().writeKubeconfig(dir.resolve("config")).toString(),
                "SERVER_PORT",
                Integer.toString(port));
        Path log = dir.resolve("app.log");
        Process app = start(
                dockerfileJar(),
                env,
                List.of("--mooring.namespace=" + ns.name(), "--spring.data.redis.password=" + PASSWORD),
                log);
        try {
            await().atMost(STARTUP).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
                assertThat(app.isAlive())
                        .as("the application exited:%n%s", tail(log))
                        .isTrue();
                assertThat(status(port, "/actuator/health/readiness"))
                        .as("readiness")
                        .isEqualTo(200);
            });
            JsonNode health = get(port, "/actuator/health");
            assertThat(health.at("/components/mooring/status").asString())
                    .as("%s", tail(log))
                    .isEqualTo("UP");
            assertThat(health.at("/components/mooring/details/source").asString())
                    .isEqualTo("kubernetes");
            assertThat(health.at("/components/mooring/details/address").asString())
                    .isEqualTo(redis.pod(0).address());
            String output = Files.readString(log);
            assertThat(output)
                    .contains("Not in a Kubernetes pod: discovering Service 'redis' in namespace '" + ns.name()
                            + "' through the Kubernetes API at " + ns.api().url());
            assertThat(output).as("the password stays out of the log").doesNotContain(PASSWORD);
        } finally {
            stop(app);
        }
    }

    /** Starts the jar as the image's ENTRYPOINT does ({@code java -jar}); C1 only, for a quicker start here. */
    private static Process start(Path jar, Map<String, String> env, List<String> args, Path log) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1",
                "-jar",
                jar.toString()));
        command.addAll(args);
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(env);
        return builder.start();
    }

    /** SIGTERM, as the kubelet stops a container: Spring Boot shuts down gracefully. */
    private static void stop(Process app) throws InterruptedException {
        app.destroy();
        if (!app.waitFor(30, TimeUnit.SECONDS)) {
            app.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** The Dockerfile's {@code ARG JAR_FILE=...} default, relative to examples/. */
    private static Path dockerfileJar() throws IOException {
        Path examples = Manifests.directory().resolve("../../examples").normalize();
        Matcher arg =
                Pattern.compile("(?m)^ARG JAR_FILE=(\\S+)$").matcher(Files.readString(examples.resolve("Dockerfile")));
        assertThat(arg.find()).as("the Dockerfile's ARG JAR_FILE").isTrue();
        return examples.resolve(arg.group(1));
    }

    /** The container's environment in src/k8s/app.yaml; the Secret's password is this test's. */
    private static Map<String, String> deploymentEnvironment() {
        Deployment deployment = Manifests.only(Manifests.load(), Deployment.class);
        Container container =
                deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
        Map<String, String> env = new LinkedHashMap<>();
        for (EnvVar var : container.getEnv()) {
            if (var.getName().equals("JAVA_TOOL_OPTIONS")) {
                continue; // memory sizing for the container's limit, not for this machine
            }
            if (var.getValue() != null) {
                env.put(var.getName(), var.getValue());
            } else if (var.getValueFrom() != null && var.getValueFrom().getSecretKeyRef() != null) {
                env.put(var.getName(), PASSWORD);
            } else {
                throw new AssertionError("app.yaml: env " + var.getName() + " has no value this test can give");
            }
        }
        assertThat(env).containsKeys("MOORING_SERVICE", "SPRING_DATA_REDIS_PASSWORD");
        return env;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private int status(int port, String path) {
        try {
            return http.send(request(port, path).GET().build(), HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (IOException e) {
            return -1; // not listening yet
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private JsonNode get(int port, String path) throws IOException, InterruptedException {
        HttpResponse<String> response =
                http.send(request(port, path).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode())
                .as("GET %s: %s", path, response.body())
                .isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private static HttpRequest.Builder request(int port, String path) {
        return HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .timeout(Duration.ofSeconds(30));
    }

    /** The application's log, last lines: why it did not start, if it did not. */
    private static String tail(Path log) {
        try (InputStream in = Files.newInputStream(log)) {
            List<String> lines =
                    new ArrayList<>(List.of(new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
