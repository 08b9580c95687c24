package io.github.mooring.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The quick "there is plainly no Docker here" answer, and when it leaves the judgement to Testcontainers. */
class DockerEnvironmentTest {

    private static final Path HOME = Paths.get("/home/dev");

    /** What Testcontainers writes into ~/.testcontainers.properties once it found Docker: no Docker host of its own. */
    private static Properties strategyOnly() {
        Properties properties = new Properties();
        properties.setProperty(
                "docker.client.strategy", "org.testcontainers.dockerclient.UnixSocketClientProviderStrategy");
        return properties;
    }

    @Test
    void noDockerHostAndNoSocketAnywhereIsNoDockerAndSaysWhereItLooked() {
        assertThat(DockerEnvironment.nothingLooksLikeDocker(
                        Map.of("XDG_RUNTIME_DIR", "/run/user/1000"), null, strategyOnly(), HOME, path -> false))
                .hasValueSatisfying(reason -> assertThat(reason)
                        .startsWith("no Docker daemon: DOCKER_HOST is not set")
                        .contains(
                                "/var/run/docker.sock",
                                "/home/dev/.docker/run/docker.sock",
                                "/run/user/1000/docker.sock"));
    }

    @Test
    void anythingThatMayBeDockerIsLeftToTestcontainers() {
        Properties none = new Properties();
        assertThat(DockerEnvironment.nothingLooksLikeDocker(
                        Map.of("DOCKER_HOST", "tcp://10.0.0.1:2375"), null, none, HOME, path -> false))
                .isEmpty();
        assertThat(DockerEnvironment.nothingLooksLikeDocker(
                        Map.of(), "unix:///tmp/docker.sock", none, HOME, path -> false))
                .isEmpty();
        assertThat(DockerEnvironment.nothingLooksLikeDocker(
                        Map.of("TESTCONTAINERS_HOST", "tcp://h:2375"), null, none, HOME, path -> false))
                .isEmpty();
        for (String key : Set.of("docker.host", "tc.host")) {
            Properties configured = strategyOnly();
            configured.setProperty(key, "tcp://h:2375");
            assertThat(DockerEnvironment.nothingLooksLikeDocker(Map.of(), null, configured, HOME, path -> false))
                    .as("with %s in ~/.testcontainers.properties", key)
                    .isEmpty();
        }
        for (Path present : Set.of(
                Paths.get("/var/run/docker.sock"),
                HOME.resolve(".docker/desktop/docker.sock"),
                Paths.get("/run/user/1000/docker.sock"))) {
            assertThat(DockerEnvironment.nothingLooksLikeDocker(
                            Map.of("XDG_RUNTIME_DIR", "/run/user/1000"), null, none, HOME, present::equals))
                    .as("with %s", present)
                    .isEmpty();
        }
    }
}
