package io.github.mooring.consumer;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The consumer projects under {@code src/it}, as maven-invoker-plugin built them (pre-integration-test) into
 * {@code target/it}, each with its own Maven and a local repository ({@code target/it-repo}) that holds nothing of
 * this reactor but the artifacts it staged.
 */
final class ConsumerProjects {

    private ConsumerProjects() {}

    static Path project(String name) {
        Path dir = Paths.get(required("consumer.projects")).resolve(name);
        if (!Files.isDirectory(dir.resolve("target"))) {
            throw new IllegalStateException(
                    "The consumer project " + name + " was not built (no " + dir.resolve("target")
                            + "): run this test through Maven (mvn -B verify -pl consumer-tests -am), whose pre-integration-test"
                            + " phase builds it with maven-invoker-plugin");
        }
        return dir;
    }

    /** The local repository the consumer projects resolved from. */
    static Path repository() {
        return Paths.get(required("consumer.repository"));
    }

    /** The classpath the project's build wrote to {@code target/classpath.txt} (runtime, or test for testkit-user). */
    static List<Path> classpath(String name) {
        Path file = project(name).resolve("target/classpath.txt");
        try {
            String text = Files.readString(file).trim();
            return Arrays.stream(text.split(File.pathSeparator)).map(Paths::get).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("no classpath written by " + name + " at " + file, e);
        }
    }

    static String classpathString(String name) {
        List<Path> entries = new ArrayList<>();
        entries.add(project(name).resolve("target/classes"));
        entries.addAll(classpath(name));
        return String.join(
                File.pathSeparator, entries.stream().map(Path::toString).toList());
    }

    static String javaExecutable() {
        return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static String required(String property) {
        String value = System.getProperty(property);
        if (value == null) {
            throw new IllegalStateException(
                    "system property " + property + " is not set: run this test through Maven" + " (failsafe sets it)");
        }
        return value;
    }
}
