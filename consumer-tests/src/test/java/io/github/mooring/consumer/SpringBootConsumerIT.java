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
 * A minimal Spring Boot application with the starter ({@code src/it/boot-4.1-app}, {@code src/it/boot-4.0-app}: Boot's
 * parent, {@code spring-boot-starter-data-redis}, the starter, {@code mooring.service=redis}), started from its
 * executable jar on each supported Boot line, counting through {@code StringRedisTemplate} while the master pod is
 * replaced. The starter and core are the default build's artifacts on both lines.
 */
@ExtendWith(SimulatedNamespaceExtension.class)
class SpringBootConsumerIT {

    @ParameterizedTest(name = "Spring Boot {0}")
    @CsvSource({"4.1, consumer.boot41.version, 7.", "4.0, consumer.boot40.version, 6.8."})
    void theApplicationStartsAndKeepsCountingAcrossAReplacedMasterPod(
            String line, String versionProperty, String lettuceLine, SimulatedNamespace ns, @TempDir Path workDir) {
        String project = "boot-" + line + "-app";
        Path jar = ConsumerProjects.project(project).resolve("target/boot-" + line + "-consumer-1.0.jar");
        CounterScenario scenario = new CounterScenario(ns, workDir);
        List<String> output = scenario.run(
                project,
                List.of(ConsumerProjects.javaExecutable(), "-jar", jar.toString()),
                scenario.environment(Map.of(
                        "MOORING_NAMESPACE",
                        scenario.namespace(),
                        // Outside a pod, auto looks at cluster DNS today (issue 13: auto reads the kubeconfig).
                        "MOORING_SOURCE",
                        "kubernetes",
                        "SPRING_DATA_REDIS_USERNAME",
                        CounterScenario.USER,
                        "SPRING_DATA_REDIS_PASSWORD",
                        CounterScenario.PASSWORD)),
                Duration.ofSeconds(120));

        String versions = output.stream()
                .filter(l -> l.startsWith("VERSIONS "))
                .findFirst()
                .orElseThrow();
        assertThat(versions)
                .as("what the application ran on")
                .contains("boot=" + System.getProperty(versionProperty) + " ")
                .contains("lettuce=" + lettuceLine);
    }
}
