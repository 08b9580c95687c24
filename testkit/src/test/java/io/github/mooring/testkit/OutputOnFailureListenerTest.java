package io.github.mooring.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.core.LauncherConfig;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.slf4j.LoggerFactory;

/**
 * A scenario class runs in a launcher of its own, with the listener, while this test holds the console: what a
 * passing test printed must be gone, what a failing one printed must be there, marked, with the summary line.
 */
class OutputOnFailureListenerTest {

    private static final String FAILING = "OutputOnFailureListenerTest$Scenario.fails()";
    private static final String SECONDS = "\\(\\d+\\.\\d s\\)";

    @Test
    void showsTheOutputOfFailingTestsOnlyAndSumsUpEachClassAndTheRun() {
        String console = run(
                Map.of(OutputOnFailureListener.MODE, "on-failure", OutputOnFailureListener.LABEL, "scenario tests"));

        assertThat(console)
                .doesNotContain("quiet stdout", "quiet stderr", "quiet log line", "class setup", "aborted stdout")
                .contains(
                        ">>> output of " + FAILING + " failed: AssertionError deliberate failure",
                        "loud stdout",
                        "loud stderr",
                        "loud log line",
                        "<<< end of the output of " + FAILING)
                // A skip proves nothing: the class's line says why its first aborted test did not run.
                .containsPattern("(?m)^  OutputOnFailureListenerTest\\$Scenario: 1 passed, 1 FAILED, 1 aborted "
                        + SECONDS + "; first abort: TestAbortedException needs what this machine"
                        + " lacks$")
                .containsPattern(
                        "scenario tests: 1 passed, 1 FAILED: " + Pattern.quote(FAILING) + ", 1 aborted " + SECONDS);
        // What a test printed stays in the order it was printed, stdout and stderr interleaved.
        assertThat(console.indexOf("loud stdout")).isLessThan(console.indexOf("loud stderr"));
        assertThat(console.indexOf("loud stderr")).isLessThan(console.indexOf("loud log line"));
    }

    @Test
    void withoutTheParameterItLeavesTheConsoleAlone() {
        String console = run(Map.of(OutputOnFailureListener.LABEL, "scenario tests"));

        assertThat(console)
                .contains("class setup", "quiet stdout", "quiet stderr", "loud stdout")
                .doesNotContain(">>> output of")
                .contains("scenario tests: 1 passed, 1 FAILED");
        assertThat(console).contains("aborted stdout");
    }

    @Test
    void aTailKeepsTheLastBytesAndSaysHowManyItDropped() {
        OutputOnFailureListener.Tail tail = new OutputOnFailureListener.Tail(128 * 1024);
        byte[] line = "0123456789abcdef\n".getBytes(StandardCharsets.US_ASCII); // 17 bytes
        for (int i = 0; i < 20_000; i++) { // 340,000 bytes
            tail.write(line, 0, line.length);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        tail.writeTo(new PrintStream(out, true, StandardCharsets.US_ASCII));
        String kept = out.toString(StandardCharsets.US_ASCII);

        assertThat(tail.size()).isBetween(128L * 1024, 192L * 1024);
        assertThat(kept)
                .startsWith("(the first " + (340_000 - tail.size()) + " bytes of this output were dropped")
                .endsWith("0123456789abcdef\n");
    }

    /** Runs {@link Scenario} with these configuration parameters and returns what reached the console. */
    private static String run(Map<String, String> parameters) {
        Launcher launcher = LauncherFactory.create(LauncherConfig.builder()
                .enableTestExecutionListenerAutoRegistration(false)
                .addTestExecutionListeners(new OutputOnFailureListener())
                .build());
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        PrintStream out = System.out;
        PrintStream err = System.err;
        PrintStream both = new PrintStream(console, true, StandardCharsets.UTF_8);
        System.setOut(both);
        System.setErr(both);
        Scenario.enabled = true;
        try {
            launcher.execute(LauncherDiscoveryRequestBuilder.request()
                    .selectors(selectClass(Scenario.class))
                    .configurationParameters(parameters)
                    .build());
        } finally {
            Scenario.enabled = false;
            System.setOut(out);
            System.setErr(err);
        }
        return console.toString(StandardCharsets.UTF_8);
    }

    /** Run only by the tests above: one test passes, one fails, both print and log. */
    @EnabledIf("enabled")
    static class Scenario {

        static volatile boolean enabled;

        static boolean enabled() {
            return enabled;
        }

        @BeforeAll
        static void setUp() {
            System.out.println("class setup");
        }

        @Test
        void passes() {
            System.out.println("quiet stdout");
            System.err.println("quiet stderr");
            LoggerFactory.getLogger(Scenario.class).warn("quiet log line");
        }

        @Test
        void isAborted() {
            System.out.println("aborted stdout");
            Assumptions.abort("needs what this machine lacks");
        }

        @Test
        void fails() {
            System.out.println("loud stdout");
            System.err.println("loud stderr");
            LoggerFactory.getLogger(Scenario.class).warn("loud log line");
            throw new AssertionError("deliberate failure, to show the output");
        }
    }
}
