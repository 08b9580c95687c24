package io.github.mooring.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import io.github.mooring.testkit.RedisPod.Deletion;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.opentest4j.TestAbortedException;

/**
 * What is particular to pods as Docker containers (what both runtimes share is in {@link PodLifecycleIT}): the
 * container Docker runs, a new container for every restart and replacement with the old one removed, freeze as
 * {@code docker pause}, a graceful delete as {@code docker stop}, a PV as a host directory, and a clear skip (or
 * failure, where containers are required) where an image cannot run.
 */
@ExtendWith(SimulatedNamespaceExtension.class)
class ContainerPodsIT {

    private static final Duration READY = Duration.ofSeconds(30);
    private static final String NO_SUCH_IMAGE = "mooring/no-such-image:never";

    @Test
    void aPodIsALabelledContainerOfTheImageOnTheHostNetworkRunningAsTheKitsUser(SimulatedNamespace ns)
            throws Exception {
        PodRuntime runtime = Runtimes.containers();
        RedisStatefulSet redis =
                ns.redis("redis").runtime(runtime).replicas(2).persistence(true).start();
        RedisPod pod = redis.pod(0);

        assertThat(pod.runtime()).isEqualTo(runtime);
        assertThat(pod.containerId()).startsWith("docker://");
        InspectContainerResponse container = inspect(pod);
        assertThat(container.getConfig().getImage()).isEqualTo(runtime.image().orElseThrow());
        assertThat(container.getHostConfig().getNetworkMode()).isEqualTo("host");
        assertThat(container.getConfig().getLabels())
                .containsEntry(DockerContainer.NAMESPACE_LABEL, ns.name())
                .containsEntry(DockerContainer.POD_LABEL, "redis-0")
                .containsEntry(
                        DockerContainer.JVM_LABEL,
                        Long.toString(ProcessHandle.current().pid()));
        Path pv = ns.workDir().resolve("redis").resolve("redis-0-pv");
        assertThat(container.getConfig().getUser())
                .isEqualTo(Files.getAttribute(pv, "unix:uid") + ":" + Files.getAttribute(pv, "unix:gid"));
        // The server runs in its own pid namespace; pid() is the same process as the host sees it.
        assertThat(pod.info("server")).containsEntry("process_id", "1");
        assertThat(container.getState().getPidLong()).isEqualTo(pod.pid());
        assertThat(Pids.isRunning(pod.pid())).isTrue();

        // The PV is a host directory: the AOF the container fsyncs is there, the host's to read and delete.
        assertThat(pod.command("SET", "k", "v")).isEqualTo("OK");
        try (Stream<Path> files = Files.walk(pv)) {
            assertThat(files.filter(Files::isRegularFile)
                            .map(p -> p.getFileName().toString()))
                    .anyMatch(name -> name.startsWith("appendonly"));
        }
        // Both pods are containers of this namespace, and nothing else is.
        assertThat(Runtimes.containersOf(ns))
                .extracting(Container::getId)
                .containsExactlyInAnyOrder(dockerId(redis.pod(0)), dockerId(redis.pod(1)));
        assertThat(ns.describe())
                .contains("pods as containers of " + runtime.image().orElseThrow());
    }

    @Test
    void restartAndReplacementAreNewContainersAndTheOldOnesAreRemoved(SimulatedNamespace ns) {
        RedisStatefulSet redis =
                ns.redis("redis").runtime(Runtimes.containers()).replicas(1).start();
        RedisPod pod = redis.pod(0);
        String first = dockerId(pod);
        String ip = pod.ip();

        pod.restartContainer(Duration.ofMillis(200));
        assertGone(first);
        pod.awaitReady(READY);
        String second = dockerId(pod);
        assertThat(second).isNotEqualTo(first);
        assertThat(pod.ip()).isEqualTo(ip);
        assertThat(inspect(pod).getName()).endsWith("_1"); // the pod's restart count, as dockershim named them

        pod.replace(Deletion.KILL, Duration.ofMillis(200));
        assertGone(second);
        pod.awaitReady(READY);
        assertThat(pod.ip()).isNotEqualTo(ip);
        assertThat(Runtimes.containersOf(ns)).extracting(Container::getId).containsExactly(dockerId(pod));
    }

    @Test
    void freezeIsDockerPauseAndThawDockerUnpause(SimulatedNamespace ns) {
        RedisStatefulSet redis =
                ns.redis("redis").runtime(Runtimes.containers()).replicas(1).start();
        RedisPod pod = redis.pod(0);

        pod.freeze();
        assertThat(inspect(pod).getState().getPaused()).isTrue();
        assertThat(pod.isFrozen()).isTrue();

        pod.thaw();
        assertThat(inspect(pod).getState().getPaused()).isFalse();
        assertThat(pod.isFrozen()).isFalse();
        assertThat(pod.command("PING")).isEqualTo("PONG");
    }

    @Test
    void aGracefulDeleteStopsTheContainerWithSigtermEvenWhenItIsFrozen(SimulatedNamespace ns) throws Exception {
        RedisStatefulSet redis = ns.redis("redis")
                .runtime(Runtimes.containers())
                .replicas(1)
                .persistence(true)
                .start();
        RedisPod pod = redis.pod(0);
        Path firstLog = pod.logFile();
        String first = dockerId(pod);
        pod.freeze();

        long start = System.nanoTime();
        pod.replace(Deletion.GRACEFUL, Duration.ZERO);
        long tookMillis = (System.nanoTime() - start) / 1_000_000;

        assertGone(first);
        // Redis saw SIGTERM and shut down by itself, long before the 10 s grace period would have ended in SIGKILL.
        assertThat(Files.readString(firstLog)).contains("Received SIGTERM").contains("ready to exit");
        assertThat(tookMillis).isLessThan(9_000);
        pod.awaitReady(READY);
    }

    @Test
    void tlsPodsReadTheirCertificatesFromAReadOnlyMount(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis")
                .runtime(Runtimes.containers())
                .replicas(2)
                .tls(true)
                .start();

        assertThat(redis.pod(0).command("SET", "k", "v")).isEqualTo("OK");
        assertThat(redis.pod(1).info("replication")).containsEntry("master_link_status", "up");
        assertThat(inspect(redis.pod(0)).getHostConfig().getBinds()).anySatisfy(bind -> {
            assertThat(bind.getPath())
                    .isEqualTo(redis.caCertificate().getParent().toString());
            assertThat(bind.getAccessMode().toString()).isEqualTo("ro");
        });
    }

    @Test
    void aServerCommandTheImageLacksFailsTheStartWithTheReasonAndLeavesNoContainer(SimulatedNamespace ns) {
        Runtimes.containers().requireAvailable("this test"); // Docker and the image are here
        PodRuntime valkey = Runtimes.containers().withServerCommand("valkey-server");

        assertThatThrownBy(() -> ns.redis("redis").runtime(valkey).replicas(1).start())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(
                        "the container of redis-0 (" + valkey.image().orElseThrow() + ") did not start")
                .hasMessageContaining("valkey-server");
        assertThat(Runtimes.containersOf(ns)).isEmpty();
        assertThat(ProcessReaper.get().liveContainerIds()).isEmpty();
    }

    @Test
    void anImageThatCannotRunSkipsTheTestWithTheReasonOrFailsItWhereContainersAreRequired(SimulatedNamespace ns) {
        Runtimes.containers().requireAvailable("this test"); // Docker itself runs here
        PodRuntime missing = PodRuntime.containers(NO_SUCH_IMAGE);
        assertThat(missing.unavailableReason())
                .hasValueSatisfying(
                        reason -> assertThat(reason).contains(NO_SUCH_IMAGE).contains("cannot be pulled"));

        String before = System.getProperty(PodRuntime.CONTAINERS_REQUIRED_PROPERTY);
        PrintStream stderr = System.err;
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try {
            System.setProperty(PodRuntime.CONTAINERS_REQUIRED_PROPERTY, "false");
            System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
            for (int i = 0; i < 2; i++) {
                assertThatThrownBy(() -> ns.redis("skipped").runtime(missing).start())
                        .isInstanceOf(TestAbortedException.class)
                        .hasMessageContaining("StatefulSet skipped cannot run as containers of " + NO_SUCH_IMAGE)
                        .hasMessageContaining("cannot be pulled");
            }
            System.setErr(stderr);
            // Said once on the console (the report says it for each skipped test).
            assertThat(log.toString(StandardCharsets.UTF_8)
                            .lines()
                            .filter(line ->
                                    line.contains("tests with pods as containers of " + NO_SUCH_IMAGE + " are skipped"))
                            .count())
                    .isOne();

            System.setProperty(PodRuntime.CONTAINERS_REQUIRED_PROPERTY, "true");
            assertThatThrownBy(() -> ns.redis("failed").runtime(missing).start())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(NO_SUCH_IMAGE)
                    .hasMessageContaining(PodRuntime.CONTAINERS_REQUIRED_PROPERTY + " is set");
        } finally {
            System.setErr(stderr);
            if (before == null) {
                System.clearProperty(PodRuntime.CONTAINERS_REQUIRED_PROPERTY);
            } else {
                System.setProperty(PodRuntime.CONTAINERS_REQUIRED_PROPERTY, before);
            }
        }
        assertThat(ns.statefulSets())
                .as("a set that could not run is not part of the namespace")
                .isEmpty();
    }

    private static String dockerId(RedisPod pod) {
        return pod.containerId().substring("docker://".length());
    }

    private static InspectContainerResponse inspect(RedisPod pod) {
        return DockerEnvironment.client().inspectContainerCmd(dockerId(pod)).exec();
    }

    private static void assertGone(String id) {
        assertThatThrownBy(
                        () -> DockerEnvironment.client().inspectContainerCmd(id).exec())
                .as("container %s is removed", id)
                .isInstanceOf(NotFoundException.class);
        assertThat(ProcessReaper.get().liveContainerIds()).doesNotContain("docker://" + id);
    }
}
