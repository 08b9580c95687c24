package io.github.mooring.testkit;

import com.github.dockerjava.api.model.Container;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The pod runtimes the kit's tests run on: processes, and containers of the image named by the system property
 * {@code mooring.testkit.image} (environment {@code MOORING_TESTKIT_IMAGE}), by default the one {@code .ci/redis-image}
 * builds.
 */
final class Runtimes {

    static final String DEFAULT_IMAGE = "mooring/redis-server:local";

    private Runtimes() {}

    static PodRuntime containers() {
        String image = System.getProperty("mooring.testkit.image", System.getenv("MOORING_TESTKIT_IMAGE"));
        return PodRuntime.containers(image == null || image.isBlank() ? DEFAULT_IMAGE : image);
    }

    /** Both runtimes, processes first: a {@code @MethodSource} for tests that must hold on each. */
    static Stream<PodRuntime> both() {
        return Stream.of(PodRuntime.processes(), containers());
    }

    /** Every container (running or not) the kit started for {@code namespace}, as Docker lists them. */
    static List<Container> containersOf(SimulatedNamespace namespace) {
        return containersLabelled(DockerContainer.NAMESPACE_LABEL, namespace.name());
    }

    static List<Container> containersLabelled(String label, String value) {
        return DockerEnvironment.client()
                .listContainersCmd()
                .withShowAll(true)
                .withLabelFilter(Map.of(label, value))
                .exec();
    }
}
