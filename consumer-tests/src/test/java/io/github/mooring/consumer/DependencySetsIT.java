package io.github.mooring.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each published artifact brings a consistent dependency set by itself: on the classpath of a project that uses it
 * (resolved by that project's own Maven, without this build's POM or BOM imports), every library released as one
 * train has one version. A split (Netty 4.1 from Lettuce beside Netty 4.2 from the DNS resolver) compiles, then fails
 * at run time with {@code NoClassDefFoundError}.
 */
class DependencySetsIT {

    /** Libraries whose artifacts are released together and must come in one version. */
    enum Train {
        NETTY(a -> a.group().equals("io.netty") && !a.artifact().startsWith("netty-tcnative")),
        JACKSON_3(a -> a.group().startsWith("tools.jackson")),
        JACKSON_2(a ->
                a.group().startsWith("com.fasterxml.jackson") && !a.artifact().equals("jackson-annotations")),
        FABRIC8(a -> a.group().equals("io.fabric8")),
        RESILIENCE4J(a -> a.group().equals("io.github.resilience4j")),
        VERTX(a -> a.group().equals("io.vertx")),
        SPRING_FRAMEWORK(a -> a.group().equals("org.springframework")),
        SPRING_BOOT(a -> a.group().equals("org.springframework.boot")),
        MOORING(a -> a.group().equals("io.github.mooring"));

        private final Predicate<Artifact> member;

        Train(Predicate<Artifact> member) {
            this.member = member;
        }
    }

    record Artifact(String group, String artifact, String version) {

        /** From a path in a Maven repository: {@code <group dirs>/<artifact>/<version>/<file>}. */
        static Optional<Artifact> inRepository(Path repository, Path jar) {
            if (!jar.startsWith(repository)) {
                return Optional.empty();
            }
            Path relative = repository.relativize(jar);
            int n = relative.getNameCount();
            if (n < 4) {
                return Optional.empty();
            }
            String group = relative.subpath(0, n - 3).toString().replace(File.separatorChar, '.');
            return Optional.of(new Artifact(
                    group,
                    relative.getName(n - 3).toString(),
                    relative.getName(n - 2).toString()));
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"plain-java", "plain-java-lettuce-6.8", "testkit-user", "boot-4.1-app", "boot-4.0-app"})
    void everyReleaseTrainHasOneVersion(String project) {
        Path repository = ConsumerProjects.repository();
        List<Path> classpath = ConsumerProjects.classpath(project);
        List<Artifact> artifacts = classpath.stream()
                .map(jar -> Artifact.inRepository(repository, jar))
                .flatMap(Optional::stream)
                .toList();
        assertThat(artifacts)
                .as("%s's classpath, resolved into %s", project, repository)
                .hasSameSizeAs(classpath);
        assertThat(artifacts)
                .as("Mooring's artifacts on %s's classpath", project)
                .anyMatch(a -> a.group().equals("io.github.mooring"));

        Map<Train, Map<String, Set<String>>> split = new TreeMap<>();
        for (Train train : Train.values()) {
            Map<String, Set<String>> byVersion = artifacts.stream()
                    .filter(train.member)
                    .collect(Collectors.groupingBy(
                            Artifact::version,
                            TreeMap::new,
                            Collectors.mapping(Artifact::artifact, Collectors.toCollection(TreeSet::new))));
            if (byVersion.size() > 1) {
                split.put(train, byVersion);
            }
        }
        assertThat(split)
                .as(
                        "release trains in more than one version on %s's classpath (version -> artifacts); the"
                                + " published POMs must declare these modules at one version (see design.md, Dependency facts)",
                        project)
                .isEmpty();
    }
}
