package io.github.mooring.internal.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import io.lettuce.core.RedisURI;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ProbeSettingsTest {

    private static final RedisURI URI = RedisURI.create("redis://localhost");

    @Test
    void defaults() {
        ProbeSettings settings = ProbeSettings.defaults(URI);

        assertThat(settings.uriTemplate()).isSameAs(URI);
        assertThat(settings.connectTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(settings.timeout()).isEqualTo(Duration.ofSeconds(1));
    }

    @ParameterizedTest
    @ValueSource(longs = {-1, 0})
    void timeoutsMustBePositive(long millis) {
        Duration bad = Duration.ofMillis(millis);

        assertThatIllegalArgumentException()
                .isThrownBy(() -> new ProbeSettings(URI, bad, Duration.ofSeconds(1)))
                .withMessage("probeConnectTimeout must be positive, was " + bad);
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new ProbeSettings(URI, Duration.ofMillis(500), bad))
                .withMessage("probeTimeout must be positive, was " + bad);
    }

    @Test
    void rejectsMissingValues() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new ProbeSettings(URI, null, Duration.ofSeconds(1)))
                .withMessage("probeConnectTimeout must not be null");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new ProbeSettings(URI, Duration.ofMillis(500), null))
                .withMessage("probeTimeout must not be null");
        assertThatNullPointerException()
                .isThrownBy(() -> ProbeSettings.defaults(null))
                .withMessage("uriTemplate");
    }
}
