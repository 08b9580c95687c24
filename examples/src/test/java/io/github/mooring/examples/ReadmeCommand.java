package io.github.mooring.examples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One shell command of README.md, as a user copies it: a line of a {@code ```bash} block that is not a comment, with
 * its {@code \}-continued lines joined, and what this repository's tests do with it ({@link #check()}).
 *
 * @param text the command as the shell gets it (continuations joined with a space)
 * @param line the README line it starts on
 */
record ReadmeCommand(String text, int line) {

    /** What checks a README command: each kind a row, every command exactly one of them. */
    enum Check {
        /** {@code mvn ... verify}: the build this test runs in; .ci/run must run exactly this line. */
        TESTS,
        /** {@code mvn ... -pl examples -am package}: builds the jar the Dockerfile copies. Run to the end. */
        BUILD,
        /** {@code mvn ... -pl examples -am package exec:java [-Dexec.args=...]}: the demo. Run (ReadmeCommandsIT). */
        DEMO,
        /** {@code mvn ... -pl examples -am package exec:java@example-app}: the example application, locally. Run. */
        EXAMPLE_APP,
        /** {@code mvn ... -pl benchmarks -am package exec:java [-Dexec.args=...]}: the benchmark. Run. */
        BENCHMARK,
        /** {@code curl ... localhost:8080/...}: sent to the example application the EXAMPLE_APP command starts. */
        REQUEST,
        /** {@code java -jar examples/target/mooring-example.jar ...}: needs a cluster; ExecutableJarIT runs the jar
         *  with a kubeconfig instead. */
        JAR_AGAINST_A_CLUSTER,
        /** kubectl, docker, kind, minikube, and loops of requests: need a cluster ("Try it on a cluster" says so). */
        CLUSTER
    }

    /** The repository's README.md (tests run in a module directory). */
    static Path readme() {
        Path root =
                Paths.get(System.getProperty("basedir", ".")).toAbsolutePath().getParent();
        Path readme = root.resolve("README.md");
        if (!Files.isRegularFile(readme)) {
            throw new IllegalStateException("no README.md at " + readme + " (tests run from the examples module)");
        }
        return readme;
    }

    /** Every command of every {@code ```bash} block, in README order. */
    static List<ReadmeCommand> all(Path readme) {
        List<String> lines;
        try {
            lines = Files.readAllLines(readme);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<ReadmeCommand> commands = new ArrayList<>();
        boolean inBash = false;
        StringBuilder pending = null;
        int pendingLine = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.startsWith("```")) {
                inBash = !inBash && line.trim().equals("```bash");
                continue;
            }
            if (!inBash) {
                continue;
            }
            String trimmed = line.trim();
            if (pending == null && (trimmed.isEmpty() || trimmed.startsWith("#"))) {
                continue;
            }
            if (pending == null) {
                pending = new StringBuilder();
                pendingLine = i + 1;
            }
            if (trimmed.endsWith("\\")) {
                pending.append(trimmed, 0, trimmed.length() - 1).append(' ');
                continue;
            }
            pending.append(trimmed);
            commands.add(new ReadmeCommand(pending.toString().replaceAll(" +", " "), pendingLine));
            pending = null;
        }
        return commands;
    }

    /** The command's words, as the shell splits them (quotes removed; no expansion). */
    List<String> words() {
        List<String> words = new ArrayList<>();
        StringBuilder word = null;
        char quote = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    word.append(c);
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
                word = word == null ? new StringBuilder() : word;
            } else if (c == ' ') {
                if (word != null) {
                    words.add(word.toString());
                    word = null;
                }
            } else if (c == '#' && word == null) {
                break; // a comment to the end of the line
            } else {
                word = word == null ? new StringBuilder() : word;
                word.append(c);
            }
        }
        if (word != null) {
            words.add(word.toString());
        }
        return words;
    }

    /** The command without a trailing comment, as the shell runs it. */
    String withoutComment() {
        return text.substring(0, endOfCommand()).trim();
    }

    private int endOfCommand() {
        char quote = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quote != 0) {
                quote = c == quote ? 0 : quote;
            } else if (c == '"' || c == '\'') {
                quote = c;
            } else if (c == '#' && i > 0 && text.charAt(i - 1) == ' ') {
                return i - 1;
            }
        }
        return text.length();
    }

    /** The value of {@code -Dexec.args=...}, if the command has one. */
    Optional<String> execArgs() {
        return words().stream()
                .filter(w -> w.startsWith("-Dexec.args="))
                .map(w -> w.substring("-Dexec.args=".length()))
                .findFirst();
    }

    /** The row of {@link Check} this command belongs to. */
    Check check() {
        List<String> words = words();
        String program = words.isEmpty() ? "" : words.get(0);
        switch (program) {
            case "mvn" -> {
                String module = words.contains("-pl") ? words.get(words.indexOf("-pl") + 1) : null;
                if (module == null && words.contains("verify")) {
                    return Check.TESTS;
                }
                if ("examples".equals(module) && words.contains("exec:java@example-app")) {
                    return Check.EXAMPLE_APP;
                }
                if ("examples".equals(module) && words.contains("exec:java")) {
                    return Check.DEMO;
                }
                if ("examples".equals(module) && words.get(words.size() - 1).equals("package")) {
                    return Check.BUILD;
                }
                if ("benchmarks".equals(module) && words.contains("exec:java")) {
                    return Check.BENCHMARK;
                }
            }
            case "curl" -> {
                if (text.contains("localhost:8080/")) {
                    return Check.REQUEST;
                }
            }
            case "java" -> {
                if (words.contains("-jar") && text.contains("examples/target/mooring-example.jar")) {
                    return Check.JAR_AGAINST_A_CLUSTER;
                }
            }
            case "kubectl", "docker", "kind", "minikube", "while" -> {
                return Check.CLUSTER;
            }
            default -> {}
        }
        throw new IllegalArgumentException("README.md line " + line + ": no test knows what `" + text + "` should do;"
                + " add a row to ReadmeCommand.Check and run it in ReadmeCommandsIT");
    }

    @Override
    public String toString() {
        return (line > 0 ? "README.md line " + line : "printed by the program") + ": " + text;
    }
}
