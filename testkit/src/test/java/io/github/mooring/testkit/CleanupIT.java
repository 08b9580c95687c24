package io.github.mooring.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.github.mooring.testkit.RedisPod.Deletion;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.platform.testkit.engine.EngineTestKit;

/**
 * No process or container outlives its namespace: closed by hand, by the JUnit extension (test passed or failed), or
 * by a JVM killed with SIGKILL; on both {@linkplain PodRuntime runtimes}.
 */
class CleanupIT {

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.github.mooring.testkit.Runtimes#both")
    void closingANamespaceStopsEveryProcessAndContainerAndDeletesItsWorkDir(PodRuntime runtime) {
        List<Long> pids;
        List<String> containers;
        Path workDir;
        SimulatedNamespace closed;
        try (SimulatedNamespace ns =
                SimulatedNamespace.builder().podRuntime(runtime).start()) {
            closed = ns;
            RedisStatefulSet redis = ns.redis("redis").replicas(3).start();
            ns.sentinels(redis).count(1).quorum(1).start();
            // A replaced pod: its first container is gone already, its replacement must go at close.
            redis.pod(2).replace(Deletion.KILL, Duration.ZERO);
            redis.pod(2).awaitReady(Duration.ofSeconds(30));
            pids = ns.livePids();
            containers = redis.pods().stream().map(RedisPod::containerId).toList();
            workDir = ns.workDir();
            assertThat(pids).hasSize(4).doesNotHaveDuplicates();
            assertThat(Pids.running(pids)).containsExactlyElementsOf(pids);
            if (runtime.image().isPresent()) {
                assertThat(ProcessReaper.get().liveContainerIds()).containsAll(containers);
                assertThat(Runtimes.containersOf(ns)).hasSize(3);
            } else {
                assertThat(ProcessReaper.get().livePids()).containsAll(pids);
            }
            assertThat(workDir).isDirectory();
            assertThat(workDir.resolve("redis")).isDirectory();
        }
        try {
            assertThat(Pids.running(pids)).isEmpty();
            assertThat(ProcessReaper.get().livePids()).doesNotContainAnyElementsOf(pids);
            assertThat(ProcessReaper.get().liveContainerIds()).doesNotContainAnyElementsOf(containers);
            if (runtime.image().isPresent()) {
                assertThat(Runtimes.containersOf(closed))
                        .as("containers left by the namespace")
                        .isEmpty();
            }
            assertThat(workDir).doesNotExist();
        } finally {
            Pids.killRedisServers(pids);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.github.mooring.testkit.Runtimes#both")
    void closeIsIdempotentAndAClosedNamespaceRefusesNewPods(PodRuntime runtime) {
        SimulatedNamespace ns = SimulatedNamespace.start();
        RedisStatefulSet redis = ns.redis("redis").runtime(runtime).replicas(1).start();
        long pid = redis.pod(0).pid();
        ns.close();
        ns.close();
        assertThat(Pids.isRunning(pid)).isFalse();
        assertThatThrownBy(() -> ns.redis("again"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.github.mooring.testkit.Runtimes#both")
    void keptWorkDirOutlivesTheNamespaceButItsProcessesDoNot(PodRuntime runtime, @TempDir Path root) {
        List<Long> pids;
        Path workDir;
        try (SimulatedNamespace ns = SimulatedNamespace.builder()
                .workRoot(root)
                .name("kept")
                .podRuntime(runtime)
                .start()) {
            ns.redis("redis").replicas(1).start();
            pids = ns.livePids();
            workDir = ns.workDir();
            ns.keepWorkDir();
        }
        assertThat(workDir.getParent()).isEqualTo(root);
        assertThat(workDir.getFileName().toString()).startsWith("kept-");
        assertThat(workDir.resolve("redis").resolve("redis-0-g1.log")).isRegularFile();
        assertThat(Pids.running(pids)).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.github.mooring.testkit.Runtimes#both")
    void extensionClosesTheNamespaceOfAPassingAndOfAFailingTestAndKeepsTheFailedOnesWorkDir(PodRuntime runtime)
            throws Exception {
        runtime.requireAvailable("this test");
        ScenarioTests.seen.clear();
        ScenarioTests.enabled = true;
        ScenarioTests.runtime = runtime;
        // The failing scenario's report is this test's to check, not the console's: it would read as a failure.
        ByteArrayOutputStream report = new ByteArrayOutputStream();
        PrintStream err = System.err;
        System.setErr(new PrintStream(report, true, StandardCharsets.UTF_8));
        try {
            EngineTestKit.engine("junit-jupiter")
                    .selectors(selectClass(ScenarioTests.class))
                    .execute()
                    .testEvents()
                    .assertStatistics(stats -> stats.started(2).succeeded(1).failed(1));
        } finally {
            System.setErr(err);
            ScenarioTests.enabled = false;
        }
        Seen passed = ScenarioTests.seen.get("passes");
        Seen failed = ScenarioTests.seen.get("fails");
        try {
            assertThat(report.toString(StandardCharsets.UTF_8))
                    .as("the extension's report of the failed test")
                    .contains(
                            "=== fails(SimulatedNamespace) failed; simulated namespace:",
                            "redis-0",
                            "redis-1",
                            "--- redis-0 log",
                            "=== work directory kept: " + failed.workDir())
                    .doesNotContain("passes(SimulatedNamespace)");
            assertThat(passed.pids()).hasSize(2);
            assertThat(failed.pids()).hasSize(2);
            assertThat(Pids.running(passed.pids())).isEmpty();
            assertThat(Pids.running(failed.pids())).isEmpty();
            assertThat(passed.workDir()).doesNotExist();
            if (runtime.image().isPresent()) {
                assertThat(passed.containers()).hasSize(2);
                assertThat(failed.containers()).hasSize(2);
                assertThat(Runtimes.containersLabelled(DockerContainer.NAMESPACE_LABEL, passed.namespace()))
                        .isEmpty();
                assertThat(Runtimes.containersLabelled(DockerContainer.NAMESPACE_LABEL, failed.namespace()))
                        .as("containers of the failed test")
                        .isEmpty();
            }
            // The failed test's work directory (logs, data) is kept for a post-mortem.
            assertThat(failed.workDir().resolve("redis").resolve("redis-0-g1.log"))
                    .isRegularFile();
        } finally {
            Pids.killRedisServers(passed.pids());
            Pids.killRedisServers(failed.pids());
            deleteRecursively(failed.workDir());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.github.mooring.testkit.Runtimes#both")
    void watchdogStopsThePodsOfAJvmKilledWithSigkill(PodRuntime runtime, @TempDir Path root) throws Exception {
        runtime.requireAvailable("this test");
        Process jvm = OrphanedNamespaceMain.launch(root, runtime.image().orElse(""));
        List<Long> pids = new ArrayList<>();
        String jvmPid = Long.toString(jvm.pid());
        try {
            CompletableFuture<String> pidLine = CompletableFuture.supplyAsync(() -> {
                try (BufferedReader out =
                        new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = out.readLine()) != null) {
                        if (line.startsWith("PIDS ")) {
                            return line.substring(5);
                        }
                    }
                    return "";
                } catch (IOException e) {
                    return "";
                }
            });
            String line = pidLine.get(90, TimeUnit.SECONDS);
            Arrays.stream(line.split(","))
                    .filter(s -> !s.isBlank())
                    .map(Long::parseLong)
                    .forEach(pids::add);
            assertThat(pids).as("pids printed by the child JVM").hasSize(2);
            assertThat(Pids.running(pids)).containsExactlyElementsOf(pids);
            if (runtime.image().isPresent()) {
                assertThat(Runtimes.containersLabelled(DockerContainer.JVM_LABEL, jvmPid))
                        .hasSize(2);
            }

            jvm.destroyForcibly(); // SIGKILL: no shutdown hook runs
            assertThat(jvm.waitFor(30, TimeUnit.SECONDS)).isTrue();

            await("the killed JVM's redis-servers stopped by the watchdog")
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> Pids.running(pids).isEmpty());
            if (runtime.image().isPresent()) {
                await("the killed JVM's containers removed by the watchdog")
                        .atMost(Duration.ofSeconds(30))
                        .until(() -> Runtimes.containersLabelled(DockerContainer.JVM_LABEL, jvmPid)
                                .isEmpty());
            }
        } finally {
            jvm.destroyForcibly();
            Pids.killRedisServers(pids);
            if (runtime.image().isPresent()) {
                Runtimes.containersLabelled(DockerContainer.JVM_LABEL, jvmPid)
                        .forEach(container -> DockerEnvironment.client()
                                .removeContainerCmd(container.getId())
                                .withForce(true)
                                .exec());
            }
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    /** What a scenario test saw of its namespace. */
    record Seen(List<Long> pids, List<String> containers, Path workDir, String namespace) {

        static Seen of(SimulatedNamespace ns) {
            List<String> containers = ns.statefulSets().stream()
                    .flatMap(set -> set.pods().stream())
                    .map(RedisPod::containerId)
                    .filter(id -> id.startsWith("docker://"))
                    .toList();
            return new Seen(ns.livePids(), containers, ns.workDir(), ns.name());
        }
    }

    /** Run only through {@link EngineTestKit} by the test above: one test passes, one fails. */
    @ExtendWith(SimulatedNamespaceExtension.class)
    @EnabledIf("enabled")
    static class ScenarioTests {

        static volatile boolean enabled;
        static volatile PodRuntime runtime = PodRuntime.processes();
        static final Map<String, Seen> seen = new ConcurrentHashMap<>();

        static boolean enabled() {
            return enabled;
        }

        @Test
        void passes(SimulatedNamespace ns) {
            ns.redis("redis").runtime(runtime).replicas(2).start();
            seen.put("passes", Seen.of(ns));
        }

        @Test
        void fails(SimulatedNamespace ns) {
            ns.redis("redis").runtime(runtime).replicas(2).start();
            seen.put("fails", Seen.of(ns));
            throw new AssertionError("deliberate failure, to check the cleanup");
        }
    }
}
