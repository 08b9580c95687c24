package io.github.mooring.consumer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.awaitility.Awaitility;

/**
 * A consumer program in a JVM of its own. Its standard output is kept line by line (and in a file, with its standard
 * error), shown only when a test fails; closing its standard input asks it to stop.
 */
final class ConsumerProcess implements AutoCloseable {

    private final String name;
    private final Process process;
    private final Path stderr;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Thread reader;

    private ConsumerProcess(String name, Process process, Path stderr) {
        this.name = name;
        this.process = process;
        this.stderr = stderr;
        this.reader = new Thread(
                () -> {
                    try (BufferedReader out = new BufferedReader(
                            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                        for (String line; (line = out.readLine()) != null; ) {
                            lines.add(line);
                        }
                    } catch (IOException e) {
                        lines.add("(output unreadable: " + e + ")");
                    }
                },
                name + "-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    static ConsumerProcess start(String name, List<String> command, Map<String, String> environment, Path workDir) {
        try {
            Path stderr = workDir.resolve(name + ".stderr.log");
            ProcessBuilder builder =
                    new ProcessBuilder(command).directory(workDir.toFile()).redirectError(stderr.toFile());
            // Nothing of this JVM's Kubernetes or Redis settings leaks into the program's environment.
            builder.environment()
                    .keySet()
                    .removeIf(key ->
                            key.startsWith("KUBERNETES_") || key.startsWith("MOORING_") || key.startsWith("SPRING_"));
            builder.environment().putAll(environment);
            return new ConsumerProcess(name, builder.start(), stderr);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + command, e);
        }
    }

    /** The first line matching, waiting for it; fails at once, with the program's output, if the program exits. */
    String awaitLine(Predicate<String> matching, Duration timeout) {
        Awaitility.await(name + " printing the expected line")
                .atMost(timeout)
                .pollInterval(Duration.ofMillis(50))
                .failFast(name + " exited", () -> {
                    if (!process.isAlive() && line(matching).isEmpty()) {
                        throw new AssertionError(name + " exited (" + process.exitValue() + ") first:\n" + output());
                    }
                })
                .until(() -> line(matching).isPresent());
        return line(matching).orElseThrow();
    }

    Optional<String> line(Predicate<String> matching) {
        return lines.stream().filter(matching).findFirst();
    }

    List<String> lines() {
        return new ArrayList<>(lines);
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Closes the program's standard input (its signal to stop) and waits for it to exit. */
    int stop(Duration timeout) {
        try {
            process.getOutputStream().close();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError(
                        name + " did not exit within " + timeout + " of being asked to stop:\n" + output());
            }
            reader.join(5_000); // the last lines
            return process.exitValue();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Everything the program printed: its standard output, then the end of its standard error. */
    String output() {
        StringBuilder text = new StringBuilder("---- ").append(name).append(" stdout\n");
        lines.forEach(line -> text.append(line).append('\n'));
        text.append("---- ").append(name).append(" stderr (").append(stderr).append(")\n");
        try {
            List<String> err = Files.readAllLines(stderr);
            err.subList(Math.max(0, err.size() - 80), err.size())
                    .forEach(line -> text.append(line).append('\n'));
        } catch (IOException e) {
            text.append("(unreadable: ").append(e).append(")\n");
        }
        return text.toString();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
