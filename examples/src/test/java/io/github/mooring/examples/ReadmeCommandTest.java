package io.github.mooring.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.mooring.examples.ReadmeCommand.Check;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's commands, read as {@link ReadmeCommandsIT} reads them: every one is a command some test knows how to
 * check, and the documented demo flags are ones the demo accepts. Seconds, where the IT takes minutes.
 */
class ReadmeCommandTest {

    @Test
    void everyReadmeCommandIsOneATestChecks() {
        Map<Check, List<ReadmeCommand>> byCheck =
                ReadmeCommand.all(ReadmeCommand.readme()).stream().collect(Collectors.groupingBy(ReadmeCommand::check));

        assertThat(byCheck.get(Check.TESTS)).as("the test command").hasSize(1);
        assertThat(byCheck.get(Check.DEMO)).as("the demo and its variants").hasSizeGreaterThanOrEqualTo(4);
        assertThat(byCheck.get(Check.EXAMPLE_APP)).hasSize(1);
        assertThat(byCheck.get(Check.BENCHMARK))
                .as("the benchmark and its --help")
                .hasSize(2);
        assertThat(byCheck.get(Check.BUILD)).hasSize(1);
        assertThat(byCheck).containsKeys(Check.REQUEST, Check.CLUSTER, Check.JAR_AGAINST_A_CLUSTER);
    }

    @Test
    void everyDocumentedDemoFlagIsOneTheDemoAccepts() {
        for (ReadmeCommand command : ReadmeCommand.all(ReadmeCommand.readme())) {
            if (command.check() == Check.DEMO) {
                String args = command.execArgs().orElse("");
                if (!Settings.wantsHelp(args.split(" "))) {
                    assertThatCode(() -> Settings.parse(args.split(" ")))
                            .as(command.toString())
                            .doesNotThrowAnyException();
                }
            }
        }
    }

    @Test
    void commandsAreReadAsTheShellSplitsThem(@TempDir Path dir) throws Exception {
        Path readme = dir.resolve("README.md");
        Files.writeString(readme, """
                Text, and a block in another language:
                ```yaml
                mvn: not a command
                ```
                ```bash
                # a comment
                mvn -B -pl examples -am package exec:java -Dexec.args="--pods 5 --rate 50"

                java -jar examples/target/mooring-example.jar --a=b \\
                    --c="$(kubectl get secret x -o jsonpath='{.data.password}' | base64 -d)"
                kind load docker-image mooring-example:0.1.0          # or: minikube image load
                ```
                """);

        List<ReadmeCommand> commands = ReadmeCommand.all(readme);

        assertThat(commands).extracting(ReadmeCommand::line).containsExactly(7, 9, 11);
        assertThat(commands.get(0).words())
                .containsExactly(
                        "mvn",
                        "-B",
                        "-pl",
                        "examples",
                        "-am",
                        "package",
                        "exec:java",
                        "-Dexec.args=--pods 5 --rate 50");
        assertThat(commands.get(0).execArgs()).hasValue("--pods 5 --rate 50");
        assertThat(commands.get(0).check()).isEqualTo(Check.DEMO);
        assertThat(commands.get(1).text()).startsWith("java -jar examples/target/mooring-example.jar --a=b --c=\"$(");
        assertThat(commands.get(1).check()).isEqualTo(Check.JAR_AGAINST_A_CLUSTER);
        assertThat(commands.get(2).withoutComment()).isEqualTo("kind load docker-image mooring-example:0.1.0");
    }

    @Test
    void aCommandNoTestKnowsFailsNamingItsLine() {
        ReadmeCommand unknown = new ReadmeCommand("gradle run", 42);
        assertThatThrownBy(unknown::check).hasMessageStartingWith("README.md line 42: no test knows what `gradle run`");
        ReadmeCommand otherModule = new ReadmeCommand("mvn -B -pl core -am package exec:java", 7);
        assertThatThrownBy(otherModule::check).hasMessageContaining("line 7");
    }
}
