package io.github.mooring.discovery;

import static io.github.mooring.discovery.WatchProgress.Verdict.BEHIND;
import static io.github.mooring.discovery.WatchProgress.Verdict.CAUGHT_UP;
import static io.github.mooring.discovery.WatchProgress.Verdict.IN_STEP;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * When the kubernetes source's check of its watch against a list may call the watch broken. Each row: the informer
 * cache's versions right before the list, the listed versions, the cache's versions after the watch was given time to
 * catch up, and the verdict. Versions are written {@code name@version}.
 */
class WatchProgressTest {

    record Scenario(
            String name,
            Map<String, String> cachedBeforeList,
            Map<String, String> listed,
            Map<String, String> cachedNow,
            WatchProgress.Verdict verdict) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Scenario scenario(String name, String before, String listed, String now, WatchProgress.Verdict verdict) {
        return new Scenario(name, versions(before), versions(listed), versions(now), verdict);
    }

    static Stream<Scenario> scenarios() {
        return Stream.of(
                // In step: nothing to wait for.
                scenario("quiet Service: cache and list agree", "redis-abc@7", "redis-abc@7", "redis-abc@7", IN_STEP),
                scenario("several slices, all agree", "a@3 b@9", "a@3 b@9", "a@3 b@9", IN_STEP),
                scenario("nothing cached, nothing listed", "", "", "", IN_STEP),
                scenario("in step even if the cache moved on after the list", "a@3", "a@3", "a@4", IN_STEP),

                // The list was ahead of a live watch: its event arrived while the source waited.
                scenario("an update the watch delivered right after the list", "a@3", "a@4", "a@4", CAUGHT_UP),
                scenario("the watch delivered that update and a newer one", "a@3", "a@4", "a@5", CAUGHT_UP),
                scenario("a new slice the watch delivered", "a@3", "a@3 b@1", "a@3 b@1", CAUGHT_UP),
                scenario("a deleted slice the watch delivered", "a@3 b@1", "a@3", "a@3", CAUGHT_UP),
                scenario("deleted, then recreated, both delivered", "a@3", "", "a@8", CAUGHT_UP),
                scenario("the cache moved after a list that was older than it", "a@5", "a@4", "a@6", CAUGHT_UP),

                // The watch delivered nothing of what the API server had written: it is broken.
                scenario("an update the watch never delivered", "a@3", "a@4", "a@3", BEHIND),
                scenario("a new slice the watch never delivered", "a@3", "a@3 b@1", "a@3", BEHIND),
                scenario("a deletion the watch never delivered", "a@3 b@1", "a@3", "a@3 b@1", BEHIND),
                scenario("one of two changes delivered, the other not", "a@3 b@1", "a@4 b@2", "a@4 b@1", BEHIND),
                scenario("the only slice, never cached", "", "a@1", "", BEHIND),
                // Versions are opaque: a list older than the cache looks the same. The source confirms with a second
                // list before it calls the watch broken.
                scenario("a list older than a quiet cache", "a@5", "a@4", "a@5", BEHIND));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void judges(Scenario scenario) {
        assertThat(WatchProgress.judge(scenario.cachedBeforeList(), scenario.listed(), scenario.cachedNow()))
                .isEqualTo(scenario.verdict());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void readsVersionsOffTheObjects(Scenario scenario) {
        List<EndpointSlice> slices = scenario.listed().entrySet().stream()
                .map(e -> new EndpointSliceBuilder()
                        .withNewMetadata()
                        .withName(e.getKey())
                        .withResourceVersion(e.getValue())
                        .endMetadata()
                        .build())
                .toList();
        assertThat(WatchProgress.versions(slices)).isEqualTo(scenario.listed());
    }

    private static Map<String, String> versions(String spec) {
        Map<String, String> versions = new LinkedHashMap<>();
        for (String entry : spec.trim().split("\\s+")) {
            if (!entry.isEmpty()) {
                String[] parts = entry.split("@");
                versions.put(parts[0], parts[1]);
            }
        }
        return versions;
    }
}
