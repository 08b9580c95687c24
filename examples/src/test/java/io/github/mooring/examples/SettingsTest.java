package io.github.mooring.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SettingsTest {

    @Test
    void defaultsRunEveryDisruptionInAboutAMinute() {
        Settings settings = Settings.parse();

        assertThat(settings).isEqualTo(Settings.defaults());
        assertThat(settings.pods()).isEqualTo(3);
        assertThat(settings.schedule()).containsExactly(Disruption.REPLACE, Disruption.RESTART, Disruption.FAILOVER);
        assertThat(settings.writingTime()).isBetween(Duration.ofSeconds(40), Duration.ofSeconds(55));
    }

    @Test
    void readsEveryFlagInBothForms() {
        Settings settings = Settings.parse(
                "--pods", "5", "--rate=50", "--phase", "20s", "--timeout=2", "--disruptions", "failover,replace");

        assertThat(settings.pods()).isEqualTo(5);
        assertThat(settings.rate()).isEqualTo(50);
        assertThat(settings.phase()).isEqualTo(Duration.ofSeconds(20));
        assertThat(settings.timeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(settings.schedule())
                .as("always in the order that keeps pod 0 master until the failover")
                .containsExactly(Disruption.REPLACE, Disruption.FAILOVER);
        assertThat(settings.writingTime()).isEqualTo(Duration.ofSeconds(3 + 2 * 20));
    }

    @Test
    void noneMeansACalmRunOfOnePhase() {
        Settings settings = Settings.parse("--disruptions", "none", "--phase", "10");

        assertThat(settings.schedule()).isEmpty();
        assertThat(settings.writingTime()).isEqualTo(Duration.ofSeconds(13));
    }

    @Test
    void ignoresTheEmptyArgumentOfAnEmptyExecArgs() {
        assertThat(Settings.parse("")).isEqualTo(Settings.defaults());
    }

    @Test
    void explainsWhatIsWrong() {
        assertThatThrownBy(() -> Settings.parse("--pods", "1")).hasMessageContaining("--pods must be 2..9");
        assertThatThrownBy(() -> Settings.parse("--rate", "fast"))
                .hasMessage("--rate must be a whole number, was 'fast'");
        assertThatThrownBy(() -> Settings.parse("--phase")).hasMessage("--phase needs a value");
        assertThatThrownBy(() -> Settings.parse("--phase", "2")).hasMessageContaining("--phase must be 5..600 seconds");
        assertThatThrownBy(() -> Settings.parse("--speed", "1")).hasMessage("unknown flag --speed");
        assertThatThrownBy(() -> Settings.parse("pods=3")).hasMessageContaining("flags start with --");
        assertThatThrownBy(() -> Settings.parse("--disruptions", "replace,reboot"))
                .hasMessageContaining("unknown disruption 'reboot'");
    }

    @Test
    void helpNamesEveryFlagAndDisruption() {
        assertThat(Settings.wantsHelp("--rate", "5", "--help")).isTrue();
        assertThat(Settings.wantsHelp("-h")).isTrue();
        assertThat(Settings.wantsHelp("--rate", "5")).isFalse();

        String usage = Settings.usage();
        for (String flag :
                List.of("--pods", "--rate", "--phase", "--disruptions", "--timeout", "--help", "-Dexec.args")) {
            assertThat(usage).contains(flag);
        }
        for (Disruption disruption : Disruption.values()) {
            assertThat(usage).contains(disruption.flag());
        }
    }
}
