package io.github.mooring.testkit;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.core.ThrowingRunnable;

/** "It stays broken": a check that must pass at every poll for a whole window, not merely again at its end. */
final class Always {

    private Always() {}

    /**
     * Runs {@code check} every {@code poll} for {@code window}; fails at the first run that throws. (Awaitility's
     * {@code during} alone would restart the window after a failed run and pass if the check held again later.)
     */
    static void holdsFor(Duration window, Duration poll, String what, ThrowingRunnable check) {
        AtomicReference<Throwable> violation = new AtomicReference<>();
        try {
            await(what)
                    .during(window)
                    .atMost(window.multipliedBy(3).plusSeconds(10))
                    .pollInterval(poll)
                    .failFast(what + " stopped holding", () -> violation.get() != null)
                    .until(() -> {
                        try {
                            check.run();
                            return true;
                        } catch (Throwable t) {
                            violation.compareAndSet(null, t);
                            return false;
                        }
                    });
        } catch (RuntimeException e) {
            if (violation.get() == null) {
                throw e;
            }
        }
        if (violation.get() != null) {
            throw new AssertionError(what + " stopped holding", violation.get());
        }
    }
}
