package io.github.mooring.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.testkit.engine.EngineTestKit;

import io.github.mooring.testkit.RedisPod.Deletion;

/** No process outlives its namespace: closed by hand, by the JUnit extension (test passed or failed), or by a JVM killed with SIGKILL. */
class CleanupIT {

    @Test
    void closingANamespaceStopsEveryProcessAndDeletesItsWorkDir() {
        List<Long> pids;
        Path workDir;
        try (SimulatedNamespace ns = SimulatedNamespace.start()) {
            RedisStatefulSet redis = ns.redis("redis").replicas(3).start();
            ns.sentinels(redis).count(1).quorum(1).start();
            // A replaced pod: its first process is gone already, its replacement must go at close.
            redis.pod(2).replace(Deletion.KILL, Duration.ZERO);
            redis.pod(2).awaitReady(Duration.ofSeconds(30));
            pids = ns.livePids();
            workDir = ns.workDir();
            assertThat(pids).hasSize(4).doesNotHaveDuplicates();
            assertThat(Pids.running(pids)).containsExactlyElementsOf(pids);
            assertThat(ProcessReaper.get().livePids()).containsAll(pids);
            assertThat(workDir).isDirectory();
            assertThat(workDir.resolve("redis")).isDirectory();
        }
        try {
            assertThat(Pids.running(pids)).isEmpty();
            assertThat(ProcessReaper.get().livePids()).doesNotContainAnyElementsOf(pids);
            assertThat(workDir).doesNotExist();
        } finally {
            Pids.killRedisServers(pids);
        }
    }

    @Test
    void closeIsIdempotentAndAClosedNamespaceRefusesNewPods() {
        SimulatedNamespace ns = SimulatedNamespace.start();
        RedisStatefulSet redis = ns.redis("redis").replicas(1).start();
        long pid = redis.pod(0).pid();
        ns.close();
        ns.close();
        assertThat(Pids.isRunning(pid)).isFalse();
        assertThatThrownBy(() -> ns.redis("again")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void keptWorkDirOutlivesTheNamespaceButItsProcessesDoNot(@TempDir Path root) {
        List<Long> pids;
        Path workDir;
        try (SimulatedNamespace ns = SimulatedNamespace.builder().workRoot(root).name("kept").start()) {
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

    @Test
    void extensionClosesTheNamespaceOfAPassingAndOfAFailingTestAndKeepsTheFailedOnesWorkDir() throws Exception {
        ScenarioTests.seen.clear();
        ScenarioTests.enabled = true;
        try {
            EngineTestKit.engine("junit-jupiter").selectors(selectClass(ScenarioTests.class)).execute()
                    .testEvents().assertStatistics(stats -> stats.started(2).succeeded(1).failed(1));
        } finally {
            ScenarioTests.enabled = false;
        }
        Seen passed = ScenarioTests.seen.get("passes");
        Seen failed = ScenarioTests.seen.get("fails");
        try {
            assertThat(passed.pids()).hasSize(2);
            assertThat(failed.pids()).hasSize(2);
            assertThat(Pids.running(passed.pids())).isEmpty();
            assertThat(Pids.running(failed.pids())).isEmpty();
            assertThat(passed.workDir()).doesNotExist();
            // The failed test's work directory (logs, data) is kept for a post-mortem.
            assertThat(failed.workDir().resolve("redis").resolve("redis-0-g1.log")).isRegularFile();
        } finally {
            Pids.killRedisServers(passed.pids());
            Pids.killRedisServers(failed.pids());
            deleteRecursively(failed.workDir());
        }
    }

    @Test
    void watchdogStopsThePodsOfAJvmKilledWithSigkill(@TempDir Path root) throws Exception {
        Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
        Process jvm = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                OrphanedNamespaceMain.class.getName(), root.toString())
                .redirectErrorStream(true)
                .start();
        List<Long> pids = new ArrayList<>();
        try {
            CompletableFuture<String> pidLine = CompletableFuture.supplyAsync(() -> {
                try (BufferedReader out = new BufferedReader(
                        new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = out.readLine()) != null) {
                        if (line.startsWith("PIDS ")) {
                            return line.substring(5);
                        }
                    }
                    return "";
                } catch (java.io.IOException e) {
                    return "";
                }
            });
            String line = pidLine.get(90, TimeUnit.SECONDS);
            Arrays.stream(line.split(",")).filter(s -> !s.isBlank()).map(Long::parseLong).forEach(pids::add);
            assertThat(pids).as("pids printed by the child JVM").hasSize(2);
            assertThat(Pids.running(pids)).containsExactlyElementsOf(pids);

            jvm.destroyForcibly(); // SIGKILL: no shutdown hook runs
            assertThat(jvm.waitFor(30, TimeUnit.SECONDS)).isTrue();

            await().atMost(Duration.ofSeconds(30)).until(() -> Pids.running(pids).isEmpty());
        } finally {
            jvm.destroyForcibly();
            Pids.killRedisServers(pids);
        }
    }

    private static void deleteRecursively(Path dir) throws java.io.IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    /** What a scenario test saw of its namespace. */
    record Seen(List<Long> pids, Path workDir) {
    }

    /** Run only through {@link EngineTestKit} by the test above: one test passes, one fails. */
    @ExtendWith(SimulatedNamespaceExtension.class)
    @EnabledIf("enabled")
    static class ScenarioTests {

        static volatile boolean enabled;
        static final Map<String, Seen> seen = new ConcurrentHashMap<>();

        static boolean enabled() {
            return enabled;
        }

        @Test
        void passes(SimulatedNamespace ns) {
            ns.redis("redis").replicas(2).start();
            seen.put("passes", new Seen(ns.livePids(), ns.workDir()));
        }

        @Test
        void fails(SimulatedNamespace ns) {
            ns.redis("redis").replicas(2).start();
            seen.put("fails", new Seen(ns.livePids(), ns.workDir()));
            throw new AssertionError("deliberate failure, to check the cleanup");
        }
    }
}
