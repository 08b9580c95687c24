package io.github.mooring.examples;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A command line run by {@code bash -c}, as a user's shell runs what they paste, with its output (stdout and stderr
 * together) collected line by line for a test to wait on. Stopping it sends SIGTERM to it and its descendants, as
 * Ctrl+C in a terminal would, so that JVMs run their shutdown hooks (the testkit's stops its pods).
 */
final class ShellRun implements AutoCloseable {

    private final String command;
    private final Process process;
    private final long startNanos = System.nanoTime();
    private final List<String> lines = new ArrayList<>();
    private final Thread reader;

    private ShellRun(String command, Process process) {
        this.command = command;
        this.process = process;
        this.reader = new Thread(this::read, "readme-command-output");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts {@code command} in {@code directory} with these environment changes (a null value removes one). */
    static ShellRun start(String command, Path directory, Map<String, String> environment) {
        ProcessBuilder builder = new ProcessBuilder("bash", "-c", command)
                .directory(directory.toFile())
                .redirectErrorStream(true);
        environment.forEach((name, value) -> {
            if (value == null) {
                builder.environment().remove(name);
            } else {
                builder.environment().put(name, value);
            }
        });
        try {
            return new ShellRun(command, builder.start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start bash -c " + command, e);
        }
    }

    private void read() {
        try (BufferedReader in =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                synchronized (lines) {
                    lines.add(line);
                    lines.notifyAll();
                }
            }
        } catch (IOException e) {
            // the process is gone
        }
    }

    /** Waits until a line matches {@code pattern}; empty if the process ended or the time ran out first. */
    Optional<Matcher> awaitLine(Pattern pattern, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int seen = 0;
        synchronized (lines) {
            while (true) {
                for (; seen < lines.size(); seen++) {
                    Matcher matcher = pattern.matcher(lines.get(seen));
                    if (matcher.find()) {
                        return Optional.of(matcher);
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || !process.isAlive() && !reader.isAlive()) {
                    return Optional.empty();
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(lines, Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return Optional.empty();
                }
            }
        }
    }

    /** Types {@code line} and Enter on the command's standard input. */
    void type(String line) {
        try {
            OutputStream in = process.getOutputStream();
            in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            in.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot type '" + line + "' into " + command, e);
        }
    }

    /** Waits for the command to end by itself; its exit code, or empty when it did not within {@code timeout}. */
    Optional<Integer> awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                return Optional.empty();
            }
            reader.join(TimeUnit.SECONDS.toMillis(10));
            return Optional.of(process.exitValue());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** SIGTERM to the command and its descendants, as Ctrl+C would; SIGKILL after 60 s. */
    void stop() {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        if (awaitExit(Duration.ofSeconds(60)).isEmpty()) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            awaitExit(Duration.ofSeconds(10));
        }
    }

    /** How long it has run. */
    Duration elapsed() {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    /** Everything it printed so far. */
    String output() {
        synchronized (lines) {
            return String.join("\n", lines);
        }
    }

    /** Its last {@code count} lines, to explain a failure. */
    String tail(int count) {
        synchronized (lines) {
            return String.join("\n", lines.subList(Math.max(0, lines.size() - count), lines.size()));
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            stop();
        }
    }
}
