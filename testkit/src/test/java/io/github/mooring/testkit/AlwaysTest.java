package io.github.mooring.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The "stays broken" helper the reproductions rely on must fail at the first violation, not forgive it. */
class AlwaysTest {

    @Test
    void passesWhenTheCheckHoldsAtEveryPoll() {
        AtomicInteger runs = new AtomicInteger();
        assertThatCode(() -> Always.holdsFor(
                        Duration.ofMillis(300), Duration.ofMillis(20), "always true", runs::incrementAndGet))
                .doesNotThrowAnyException();
        assertThat(runs.get()).isGreaterThan(1);
    }

    @Test
    void failsOnASingleViolationEvenIfTheCheckHoldsAgainLater() {
        AtomicInteger runs = new AtomicInteger();
        assertThatThrownBy(() -> Always.holdsFor(Duration.ofMillis(300), Duration.ofMillis(20), "blips once", () -> {
                    if (runs.incrementAndGet() == 3) {
                        throw new AssertionError("blip");
                    }
                }))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("blips once stopped holding")
                .hasRootCauseMessage("blip");
    }
}
