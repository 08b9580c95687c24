package io.github.mooring.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** The quick "there is plainly no Docker here" answer, and when it leaves the judgement to Testcontainers. */
class DockerEnvironmentTest {

    private static final Path HOME = Paths.get("/home/dev");

    @Test
    void noDockerHostAndNoSocketAnywhereIsNoDockerAndSaysWhereItLooked() {
        assertThat(DockerEnvironment.nothingLooksLikeDocker(Map.of("XDG_RUNTIME_DIR", "/run/user/1000"), null, HOME,
                path -> false)).hasValueSatisfying(reason -> assertThat(reason)
                        .startsWith("no Docker daemon: DOCKER_HOST is not set")
                        .contains("/var/run/docker.sock", "/home/dev/.docker/run/docker.sock",
                                "/run/user/1000/docker.sock"));
    }

    @Test
    void anythingThatMayBeDockerIsLeftToTestcontainers() {
        assertThat(DockerEnvironment.nothingLooksLikeDocker(Map.of("DOCKER_HOST", "tcp://10.0.0.1:2375"), null, HOME,
                path -> false)).isEmpty();
        assertThat(DockerEnvironment.nothingLooksLikeDocker(Map.of(), "unix:///tmp/docker.sock", HOME,
                path -> false)).isEmpty();
        assertThat(DockerEnvironment.nothingLooksLikeDocker(Map.of("TESTCONTAINERS_HOST", "tcp://h:2375"), null, HOME,
                path -> false)).isEmpty();
        for (Path present : Set.of(Paths.get("/var/run/docker.sock"), HOME.resolve(".testcontainers.properties"),
                HOME.resolve(".docker/desktop/docker.sock"), Paths.get("/run/user/1000/docker.sock"))) {
            assertThat(DockerEnvironment.nothingLooksLikeDocker(Map.of("XDG_RUNTIME_DIR", "/run/user/1000"), null,
                    HOME, present::equals)).as("with %s", present).isEmpty();
        }
    }
}
