package io.github.mooring.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Paths;
import java.util.List;
import org.junit.jupiter.api.Test;

class OptionsTest {

    @Test
    void noArgumentsMeanTheDefaultsAndAnEmptyExecArgsToo() {
        assertThat(Options.parse()).isEqualTo(Options.defaults());
        assertThat(Options.parse("")).isEqualTo(Options.defaults());
        assertThat(Options.defaults().scenarios()).containsExactly(Scenario.values());
        assertThat(Options.defaults().reps()).isEqualTo(10);
        assertThat(Options.defaults().steady()).isTrue();
    }

    @Test
    void everyOptionParsesInBothSpellings() {
        Options options = Options.parse(
                "--reps", "3", "--scenarios=frozen,pod-replaced", "--steady", "false", "--out", "/tmp/results");

        assertThat(options.reps()).isEqualTo(3);
        assertThat(options.scenarios()).containsExactly(Scenario.FROZEN, Scenario.POD_REPLACED);
        assertThat(options.steady()).isFalse();
        assertThat(options.out()).isEqualTo(Paths.get("/tmp/results"));
    }

    @Test
    void badInputNamesTheOptionAndWhatIsAllowed() {
        assertThatThrownBy(() -> Options.parse("--reps", "ten")).hasMessage("--reps must be a whole number, was 'ten'");
        assertThatThrownBy(() -> Options.parse("--reps", "0")).hasMessage("--reps must be 1..100, was 0");
        assertThatThrownBy(() -> Options.parse("--scenarios", "failover"))
                .hasMessage("unknown scenario 'failover' in --scenarios; known: pod-replaced, restart,"
                        + " sentinel-failover, manual-failover, frozen");
        assertThatThrownBy(() -> Options.parse("--steady", "no"))
                .hasMessage("--steady must be true or false, was 'no'");
        assertThatThrownBy(() -> Options.parse("--repetitions", "3")).hasMessage("unknown option --repetitions");
        assertThatThrownBy(() -> Options.parse("--reps")).hasMessage("--reps needs a value");
        assertThatThrownBy(() -> Options.parse("3")).hasMessage("unexpected argument '3': options start with --");
    }

    @Test
    void helpIsAskedForWhereverItStandsAndListsEveryScenario() {
        assertThat(Options.wantsHelp("--reps", "3", "--help")).isTrue();
        assertThat(Options.wantsHelp("-h")).isTrue();
        assertThat(Options.wantsHelp("--reps", "3")).isFalse();
        assertThat(Options.usage())
                .contains(List.of(Scenario.values()).stream().map(Scenario::key).toList());
    }
}
