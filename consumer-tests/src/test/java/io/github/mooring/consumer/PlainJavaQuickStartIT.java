package io.github.mooring.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The README's plain-Java Quick start, in a project that depends on nothing but {@code mooring-core}
 * ({@code src/it/plain-java}, Lettuce 7 as core brings it) and in one that stays on Lettuce 6.8
 * ({@code src/it/plain-java-lettuce-6.8}), run in a JVM of its own on that project's runtime classpath while the
 * master pod is replaced.
 */
@ExtendWith(SimulatedNamespaceExtension.class)
class PlainJavaQuickStartIT {

    @ParameterizedTest(name = "{0}")
    @CsvSource({"plain-java, 7.", "plain-java-lettuce-6.8, 6.8."})
    void theQuickStartKeepsCountingAcrossAReplacedMasterPod(
            String project, String lettuceLine, SimulatedNamespace ns, @TempDir Path workDir) {
        CounterScenario scenario = new CounterScenario(ns, workDir);
        List<String> output = scenario.run(
                project,
                List.of(
                        ConsumerProjects.javaExecutable(),
                        "-cp",
                        ConsumerProjects.classpathString(project),
                        "example.QuickStart"),
                scenario.environment(
                        Map.of("NAMESPACE", scenario.namespace(), "REDIS_PASSWORD", CounterScenario.PASSWORD)),
                Duration.ofSeconds(60));

        String versions = output.stream()
                .filter(l -> l.startsWith("VERSIONS "))
                .findFirst()
                .orElseThrow();
        assertThat(versions)
                .as("what the program ran on")
                .contains("lettuce=" + lettuceLine)
                .contains("netty=4.2.");
    }
}
