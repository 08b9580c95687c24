package io.github.mooring.testing;

import io.github.mooring.testkit.PodRuntime;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/**
 * The testkit's pod runtimes the integration tests run on: processes, and containers of the image named by the system
 * property {@code mooring.testkit.image} (environment {@code MOORING_TESTKIT_IMAGE}), by default the one
 * {@code .ci/redis-image} builds.
 */
public final class PodRuntimes {

    public static final String DEFAULT_IMAGE = "mooring/redis-server:local";

    private PodRuntimes() {}

    /** Pods as containers of the tests' image. */
    public static PodRuntime containers() {
        String image = System.getProperty("mooring.testkit.image", System.getenv("MOORING_TESTKIT_IMAGE"));
        return PodRuntime.containers(image == null || image.isBlank() ? DEFAULT_IMAGE : image);
    }

    /** Both runtimes, processes first. */
    public static Stream<PodRuntime> both() {
        return Stream.of(PodRuntime.processes(), containers());
    }

    /** {@code (value, runtime)} for every value on both runtimes, processes first: for {@code name = "{0} on {1}"}. */
    public static Stream<Arguments> everyOnBoth(Object... values) {
        return both().flatMap(runtime -> Stream.of(values).map(value -> Arguments.of(value, runtime)));
    }
}
