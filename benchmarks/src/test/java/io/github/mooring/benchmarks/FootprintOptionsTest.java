package io.github.mooring.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.mooring.benchmarks.FootprintOptions.Source;
import java.util.List;
import org.junit.jupiter.api.Test;

class FootprintOptionsTest {

    @Test
    void noArgumentsMeanTheDefaultsAndAnEmptyExecArgsToo() {
        assertThat(FootprintOptions.parse()).isEqualTo(FootprintOptions.defaults());
        assertThat(FootprintOptions.parse("")).isEqualTo(FootprintOptions.defaults());
        FootprintOptions defaults = FootprintOptions.defaults();
        assertThat(defaults.sources()).containsExactly(Source.KUBERNETES, Source.DNS);
        assertThat(defaults.threadClients()).isEqualTo(10);
        assertThat(defaults.heapClients()).isEqualTo(20);
        assertThat(defaults.shared()).isFalse();
    }

    @Test
    void everyOptionParsesInBothSpellings() {
        FootprintOptions options = FootprintOptions.parse(
                "--sources=dns",
                "--clients",
                "4",
                "--heap-clients=7",
                "--reps",
                "5",
                "--idle",
                "0",
                "--top=3",
                "--shared",
                "true");

        assertThat(options).isEqualTo(new FootprintOptions(List.of(Source.DNS), 4, 7, 5, 0, 3, true));
    }

    @Test
    void badInputNamesTheOptionAndWhatIsAllowed() {
        assertThatThrownBy(() -> FootprintOptions.parse("--clients", "1"))
                .hasMessage("--clients must be 2..200, was 1");
        assertThatThrownBy(() -> FootprintOptions.parse("--reps", "three"))
                .hasMessage("--reps must be a whole number, was 'three'");
        assertThatThrownBy(() -> FootprintOptions.parse("--sources", "static"))
                .hasMessage("unknown source 'static' in --sources; known: kubernetes, dns");
        assertThatThrownBy(() -> FootprintOptions.parse("--shared", "yes"))
                .hasMessage("--shared must be true or false, was 'yes'");
        assertThatThrownBy(() -> FootprintOptions.parse("--threads", "3")).hasMessage("unknown option --threads");
        assertThatThrownBy(() -> FootprintOptions.parse("--top")).hasMessage("--top needs a value");
        assertThatThrownBy(() -> FootprintOptions.parse("10"))
                .hasMessage("unexpected argument '10': options start with --");
    }

    @Test
    void helpIsAskedForWhereverItStandsAndShowsTheCommand() {
        assertThat(FootprintOptions.wantsHelp("--reps", "3", "--help")).isTrue();
        assertThat(FootprintOptions.wantsHelp("-h")).isTrue();
        assertThat(FootprintOptions.wantsHelp("--reps", "3")).isFalse();
        assertThat(FootprintOptions.usage()).contains(ClientFootprint.COMMAND).contains("kubernetes", "dns");
    }
}
