package io.github.mooring.consumer;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;

/**
 * The README's plain-Java Quick start, in a project that depends on nothing but {@code mooring-core}
 * ({@code src/it/plain-java}), run in a JVM of its own on that project's runtime classpath while the master pod is
 * replaced.
 */
@ExtendWith(SimulatedNamespaceExtension.class)
class PlainJavaQuickStartIT {

    @Test
    void theQuickStartKeepsCountingAcrossAReplacedMasterPod(SimulatedNamespace ns, @TempDir Path workDir) {
        CounterScenario scenario = new CounterScenario(ns, workDir);
        scenario.run("plain-java", List.of(ConsumerProjects.javaExecutable(), "-cp",
                        ConsumerProjects.classpathString("plain-java"), "example.QuickStart"),
                scenario.environment(Map.of("NAMESPACE", scenario.namespace(),
                        "REDIS_PASSWORD", CounterScenario.PASSWORD)),
                Duration.ofSeconds(60));
    }
}
