package io.github.mooring.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mooring.examples.ReadmeCommand.Check;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every command of README.md, run as a user runs it: typed into a shell ({@code bash -c}, the line exactly as the
 * README has it) at the root of a copy of this repository, through the same Maven, with the same local repository
 * (~/.m2, or what this build was given). The copy holds what {@code git ls-files} lists (a clean clone of the working
 * tree, the edits of the change being tested included), so the nested builds never touch this build's
 * {@code target/} directories.
 * <p>
 * Which command is checked how is {@link ReadmeCommand.Check}; a command no row covers fails
 * {@link ReadmeCommandTest}. The demo runs to its end where its writing time (the demo's own {@link Settings}) is at
 * most {@link #FULL_RUN_LIMIT}: the default and the short variants; a longer variant runs until its first second of
 * writes, which proves the build, the flags and the start, and is then stopped as Ctrl+C would. So are the flag
 * examples the demo itself prints (its {@code --help} text, its closing hint); the full benchmark (12 minutes) is
 * stopped after its first line.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReadmeCommandsIT {

    /** The longest demo run this test waits out; longer ones are stopped after their first second of writes. */
    static final Duration FULL_RUN_LIMIT = Duration.ofSeconds(60);
    /** Building the copy from nothing on a busy 2-core machine, plus the longest full run. */
    static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(8);

    static final Pattern FIRST_SECOND_OF_WRITES = Pattern.compile("^\\s+1s\\s");
    static final Pattern LISTENING = Pattern.compile("The example application is listening on http://localhost:(\\d+)");

    private static Path repository;
    private static Path copy;
    private static List<ReadmeCommand> commands;

    @BeforeAll
    static void copyTheRepository() throws IOException {
        repository = ReadmeCommand.readme().getParent();
        commands = ReadmeCommand.all(ReadmeCommand.readme());
        copy = Files.createTempDirectory("mooring-readme-");
        for (String file : trackedFiles(repository)) {
            Path source = repository.resolve(file);
            if (Files.isRegularFile(source)) { // deleted in the working tree, still in the index: gone for a user too
                Path target = copy.resolve(file);
                Files.createDirectories(target.getParent());
                Files.copy(source, target);
            }
        }
    }

    @AfterAll
    static void deleteTheCopy() throws IOException {
        if (copy != null) {
            deleteRecursively(copy);
        }
    }

    @Test
    @Order(1)
    void theClusterGuidesBuildStepBuildsTheJarTheDockerfileCopies() {
        for (ReadmeCommand command : commands(Check.BUILD)) {
            try (ShellRun run = start(command.withoutComment())) {
                assertExitsZero(command, run);
                assertThat(copy.resolve("examples/target/mooring-example.jar"))
                        .as(command.toString())
                        .isRegularFile();
            }
        }
    }

    @Test
    @Order(2)
    void theDemoAndEachDocumentedVariantRunAsTyped() {
        SoftAssertions softly = new SoftAssertions();
        String helpExample = null;
        String closingHint = null;
        for (ReadmeCommand command : commands(Check.DEMO)) {
            String args = command.execArgs().orElse("");
            Optional<Settings> settings = settings(args);
            try (ShellRun run = start(command.withoutComment())) {
                if (Settings.wantsHelp(args.split(" "))) {
                    assertExitsZero(softly, command, run);
                    softly.assertThat(run.output())
                            .as("%s: the flags", command)
                            .contains("Flags:", "--pods N", "--disruptions LIST");
                    helpExample = find(run.output(), Pattern.compile("^\\s+(mvn .*)$"))
                            .orElse(null);
                } else if (settings.isEmpty() || settings.get().writingTime().compareTo(FULL_RUN_LIMIT) <= 0) {
                    // Flags the demo rejects end the run at once: it must still exit 0, so this fails, saying why.
                    if (assertExitsZero(softly, command, run)) {
                        softly.assertThat(run.output())
                                .as("%s: the summary", command)
                                .contains("Summary:", "master changes followed", "Mooring's counter on the master");
                    }
                    closingHint = find(run.output(), Pattern.compile("^Try (-Dexec\\.args=\".*\")"))
                            .orElse(closingHint);
                } else {
                    assertStartsWriting(softly, command, run, settings.get());
                }
            }
        }
        softly.assertThat(helpExample).as("--help shows an example command").isNotNull();
        softly.assertThat(closingHint).as("the demo ends with a hint").isNotNull();
        softly.assertAll();

        // What the demo itself suggests must work as typed too: its --help example, and its closing hint after the
        // README's command.
        String readmeDemo = commands(Check.DEMO).stream()
                .filter(c -> c.execArgs().isEmpty())
                .findFirst()
                .orElseThrow()
                .withoutComment();
        for (String suggested : List.of(helpExample, readmeDemo + " " + closingHint)) {
            ReadmeCommand command = new ReadmeCommand(suggested, 0);
            assertThat(command.check()).as(suggested).isEqualTo(Check.DEMO);
            Optional<Settings> settings = settings(command.execArgs().orElse(""));
            softly.assertThat(settings)
                    .as("the demo accepts its own suggestion %s", suggested)
                    .isPresent();
            if (settings.isPresent()) {
                try (ShellRun run = start(suggested)) {
                    assertStartsWriting(softly, command, run, settings.get());
                }
            }
        }
        softly.assertAll();
    }

    @Test
    @Order(3)
    void theExampleApplicationRunsLocallyAndAnswersTheReadmesRequests() throws Exception {
        ReadmeCommand command = commands(Check.EXAMPLE_APP).get(0);
        try (ShellRun run = start(command.withoutComment())) {
            Matcher listening = run.awaitLine(LISTENING, COMMAND_TIMEOUT)
                    .orElseThrow(() -> new AssertionError(command + ": the application did not start within "
                            + COMMAND_TIMEOUT + "; its output:\n" + run.tail(80)));
            int port = Integer.parseInt(listening.group(1));
            assertThat(run.output())
                    .as("Mooring found the API server through the kubeconfig")
                    .contains("discovering Service 'redis' in namespace 'example' through the Kubernetes API");

            for (ReadmeCommand request : commands(Check.REQUEST)) {
                HttpResponse<String> response = send(request, port);
                assertThat(response.statusCode())
                        .as("%s: %s", request, response.body())
                        .isEqualTo(200);
            }
            assertThat(mooringHealth(port).at("/status").asString()).isEqualTo("UP");

            run.type("replace");
            String newIp = run.awaitLine(Pattern.compile("is back with a new IP: (\\S+)"), Duration.ofMinutes(1))
                    .orElseThrow(() -> new AssertionError("replace: " + run.tail(40)))
                    .group(1);
            awaitMaster(port, newIp + ":6379", Duration.ofSeconds(30));
            HttpResponse<String> visit = send(new ReadmeCommand("curl -s -X POST localhost:8080/visits", 0), port);
            assertThat(visit.statusCode()).as(visit.body()).isEqualTo(200);

            run.type("quit");
            assertThat(run.awaitExit(Duration.ofMinutes(1)))
                    .as("quit: %s", run.tail(40))
                    .hasValue(0);
            assertThat(run.output()).contains("Stopped: the application, the pods, the API server and DNS are gone.");
        }
    }

    @Test
    @Order(4)
    void theBenchmarkCommandsRunAsTyped() {
        SoftAssertions softly = new SoftAssertions();
        for (ReadmeCommand command : commands(Check.BENCHMARK)) {
            try (ShellRun run = start(command.withoutComment())) {
                if (command.execArgs().map(args -> args.contains("--help")).orElse(false)) {
                    assertExitsZero(softly, command, run);
                    softly.assertThat(run.output())
                            .as("%s: the options", command)
                            .contains("Options:", "--reps N", "--scenarios LIST");
                } else {
                    // The full comparison takes 12 minutes: the build and the start (its options read, its first
                    // line) are what this test can afford.
                    softly.assertThat(run.awaitLine(
                                    Pattern.compile("Mooring benchmark: \\d+ repetitions"), COMMAND_TIMEOUT))
                            .as("%s: the benchmark starts; its output:%n%s", command, run.tail(60))
                            .isPresent();
                    System.out.printf("%s: started after %s, stopped%n", command, format(run.elapsed()));
                }
            }
        }
        softly.assertAll();
    }

    @Test
    @Order(5)
    void theCiScriptRunsTheReadmesTestCommandExactly() throws IOException {
        List<ReadmeCommand> tests = commands(Check.TESTS);
        assertThat(tests).hasSize(1);
        List<String> ciCommands = Files.readAllLines(repository.resolve(".ci/run")).stream()
                .map(String::trim)
                .filter(line -> line.startsWith("mvn ") && !line.equals("mvn -v"))
                .toList();
        assertThat(ciCommands)
                .as(".ci/run runs the README's test command, and only it")
                .containsExactly(tests.get(0).withoutComment());
    }

    // ---------------------------------------------------------------- running

    private static List<ReadmeCommand> commands(Check check) {
        List<ReadmeCommand> matching =
                commands.stream().filter(c -> c.check() == check).toList();
        assertThat(matching).as("README commands checked as %s", check).isNotEmpty();
        return matching;
    }

    /** Starts a command in the copy, with this build's Maven first on the PATH and its local repository. */
    private static ShellRun start(String command) {
        Map<String, String> environment = new HashMap<>();
        String mavenHome = System.getProperty("maven.home");
        if (mavenHome != null) {
            environment.put("PATH", Paths.get(mavenHome, "bin") + ":" + System.getenv("PATH"));
        }
        String localRepository = System.getProperty("mooring.local-repository");
        if (localRepository != null) { // what -Dmaven.repo.local would say, without changing the command's text
            String options = System.getenv("MAVEN_OPTS");
            environment.put(
                    "MAVEN_OPTS", (options == null ? "" : options + " ") + "-Dmaven.repo.local=" + localRepository);
        }
        // The outer build's: the nested mvn finds its own project root (the copy) and reads its .mvn/jvm.config.
        environment.put("MAVEN_PROJECTBASEDIR", null);
        environment.put("MAVEN_BASEDIR", null);
        return ShellRun.start(command, copy, environment);
    }

    private static void assertExitsZero(ReadmeCommand command, ShellRun run) {
        SoftAssertions softly = new SoftAssertions();
        assertExitsZero(softly, command, run);
        softly.assertAll();
    }

    /** Whether the command ended by itself with exit code 0; a soft failure with its output tail if not. */
    private static boolean assertExitsZero(SoftAssertions softly, ReadmeCommand command, ShellRun run) {
        Optional<Integer> exit = run.awaitExit(COMMAND_TIMEOUT);
        softly.assertThat(exit)
                .as(
                        "%s%nexit code after %s; its output (last 80 lines):%n%s",
                        command, format(run.elapsed()), run.tail(80))
                .hasValue(0);
        System.out.printf(
                "%s: exit %s after %s%n", command, exit.map(String::valueOf).orElse("none"), format(run.elapsed()));
        return exit.equals(Optional.of(0));
    }

    /** The demo got as far as its first second of writes, with the flags it was given; then it is stopped. */
    private static void assertStartsWriting(
            SoftAssertions softly, ReadmeCommand command, ShellRun run, Settings settings) {
        Optional<Matcher> writing = run.awaitLine(FIRST_SECOND_OF_WRITES, COMMAND_TIMEOUT);
        softly.assertThat(writing)
                .as("%s%nthe first second of writes; its output (last 80 lines):%n%s", command, run.tail(80))
                .isPresent();
        softly.assertThat(run.output())
                .as("%s: the flags took effect", command)
                .contains("with " + settings.pods() + " pods")
                .contains("each starting " + settings.rate() + " INCRs a second");
        System.out.printf("%s: writing after %s, stopped%n", command, format(run.elapsed()));
        run.stop();
    }

    /** The demo's settings for these flags; empty when it rejects them. */
    private static Optional<Settings> settings(String args) {
        try {
            return Optional.of(Settings.parse(args.split(" ")));
        } catch (IllegalArgumentException rejected) {
            return Optional.empty();
        }
    }

    private static Optional<String> find(String output, Pattern pattern) {
        for (String line : output.split("\n")) {
            Matcher matcher = pattern.matcher(line);
            if (matcher.find()) {
                return Optional.of(matcher.group(1));
            }
        }
        return Optional.empty();
    }

    // ---------------------------------------------------------------- the example application's requests

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** The README's curl command, sent to the application on {@code port} (the README says 8080). */
    private static HttpResponse<String> send(ReadmeCommand curl, int port) throws IOException, InterruptedException {
        List<String> words = curl.words();
        String url = words.stream()
                .filter(w -> w.contains("localhost:8080/"))
                .findFirst()
                .orElseThrow()
                .replaceAll(";.*", "") // curl ...; echo
                .replace("localhost:8080", "localhost:" + port);
        String method = words.contains("-X") ? words.get(words.indexOf("-X") + 1) : "GET";
        HttpRequest request = HttpRequest.newBuilder(URI.create(url.startsWith("http") ? url : "http://" + url))
                .timeout(Duration.ofSeconds(30))
                .method(method, HttpRequest.BodyPublishers.noBody())
                .build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /** The mooring component of {@code /actuator/health}. */
    private static JsonNode mooringHealth(int port) throws IOException, InterruptedException {
        String body = HTTP.send(
                        HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/actuator/health"))
                                .timeout(Duration.ofSeconds(30))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        return JSON.readTree(body).at("/components/mooring");
    }

    private static void awaitMaster(int port, String address, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = mooringHealth(port);
            if ("UP".equals(last.at("/status").asString())
                    && address.equals(last.at("/details/address").asString())) {
                return;
            }
            TimeUnit.MILLISECONDS.sleep(250);
        }
        throw new AssertionError(
                "the mooring health never showed master " + address + " within " + timeout + "; last: " + last);
    }

    // ---------------------------------------------------------------- the copy

    /** What a clean clone of the working tree holds: tracked files and new ones git does not ignore. */
    private static List<String> trackedFiles(Path root) throws IOException {
        Process git = new ProcessBuilder("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
                .directory(root.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        byte[] listing = git.getInputStream().readAllBytes();
        try {
            if (git.waitFor() == 0) {
                List<String> files = new ArrayList<>();
                for (String file : new String(listing, StandardCharsets.UTF_8).split("\0")) {
                    if (!file.isEmpty()) {
                        files.add(file);
                    }
                }
                return files;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        // Not a git checkout (a source archive): every file but build output and VCS data.
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile)
                    .map(root::relativize)
                    .filter(ReadmeCommandsIT::isSource)
                    .map(Path::toString)
                    .toList();
        }
    }

    private static boolean isSource(Path relative) {
        for (Path part : relative) {
            if (Set.of("target", ".git", ".idea").contains(part.toString())) {
                return false;
            }
        }
        return true;
    }

    private static void deleteRecursively(Path dir) throws IOException {
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static String format(Duration duration) {
        long seconds = duration.toSeconds();
        return seconds < 60 ? seconds + " s" : String.format("%d min %02d s", seconds / 60, seconds % 60);
    }
}
