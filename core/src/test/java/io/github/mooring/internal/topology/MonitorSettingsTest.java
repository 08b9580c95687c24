package io.github.mooring.internal.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import io.github.mooring.topology.ElectionPolicy;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MonitorSettingsTest {

    @Test
    void defaults() {
        MonitorSettings settings = MonitorSettings.defaults();

        assertThat(settings.probeInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(settings.electionPolicy()).isEqualTo(ElectionPolicy.defaults());
        assertThat(ElectionPolicy.defaults().linkDownStaleAfter()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void probeIntervalCanBeChanged() {
        MonitorSettings settings = MonitorSettings.defaults().withProbeInterval(Duration.ofMillis(200));

        assertThat(settings.probeInterval()).isEqualTo(Duration.ofMillis(200));
        assertThat(settings.electionPolicy()).isEqualTo(ElectionPolicy.defaults());
        assertThat(MonitorSettings.defaults()
                        .withProbeInterval(Duration.ofMillis(10))
                        .probeInterval())
                .isEqualTo(Duration.ofMillis(10));
    }

    @ParameterizedTest
    @ValueSource(longs = {-1000, -1, 0, 1, 9})
    void probeIntervalMustBeAtLeastTenMilliseconds(long millis) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> MonitorSettings.defaults().withProbeInterval(Duration.ofMillis(millis)))
                .withMessage("probeInterval must be at least 10 ms, was " + Duration.ofMillis(millis));
    }

    @Test
    void rejectsMissingValues() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> MonitorSettings.defaults().withProbeInterval(null))
                .withMessage("probeInterval must not be null");
        assertThatNullPointerException()
                .isThrownBy(() -> new MonitorSettings(Duration.ofSeconds(1), null))
                .withMessage("electionPolicy");
    }

    @Test
    void theCalmPaceIsNeverFasterThanTheFastOne() {
        MonitorSettings defaults = MonitorSettings.defaults();
        assertThat(defaults.calmProbeInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(defaults.calmAfter()).isEqualTo(Duration.ofSeconds(10));
        assertThat(defaults.withProbeInterval(Duration.ofMinutes(2)).calmProbeInterval())
                .as("raised to a longer fast pace")
                .isEqualTo(Duration.ofMinutes(2));
        assertThat(defaults.withCalmPace(Duration.ofSeconds(1), Duration.ZERO))
                .extracting(MonitorSettings::calmProbeInterval, MonitorSettings::calmAfter)
                .containsExactly(Duration.ofSeconds(1), Duration.ZERO);
        assertThatIllegalArgumentException()
                .isThrownBy(() -> defaults.withCalmPace(Duration.ofMillis(999), Duration.ZERO))
                .withMessage("calmProbeInterval must be at least probeInterval (PT1S), was PT0.999S");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> defaults.withCalmPace(null, Duration.ZERO))
                .withMessage("calmProbeInterval must not be null");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> defaults.withCalmPace(Duration.ofMinutes(1), Duration.ofMillis(-1)))
                .withMessage("calmAfter must be zero or positive, was PT-0.001S");
    }

    @Test
    void electionPolicyRejectsNegativeDurations() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new ElectionPolicy(Duration.ofSeconds(-1)))
                .withMessage("linkDownStaleAfter must be zero or positive, was PT-1S");
        assertThatNullPointerException().isThrownBy(() -> new ElectionPolicy(null));
        assertThat(new ElectionPolicy(Duration.ZERO).linkDownStaleAfter()).isZero();
    }
}
