package io.github.mooring.client;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.mooring.MooringClient;
import io.github.mooring.MooringOptions;
import io.github.mooring.discovery.KubernetesSource;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.topology.TopologyEvent;
import java.time.Duration;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;

/** A MooringClient on a simulated namespace (kubernetes source), with every event it emits recorded. */
final class MooringFixture implements AutoCloseable {

    final KubernetesClient kubernetes;
    final MooringClient client;
    final List<TopologyEvent> events = new CopyOnWriteArrayList<>();
    /** When each event reached the listener ({@link System#nanoTime()}). */
    final Map<TopologyEvent, Long> heardNanos = Collections.synchronizedMap(new IdentityHashMap<>());

    MooringFixture(SimulatedNamespace ns, RedisStatefulSet set, UnaryOperator<MooringOptions.Builder> settings) {
        this.kubernetes = ns.api().newClient();
        MooringOptions.Builder builder = MooringOptions.builder()
                .service(set.name())
                .namespace(ns.name())
                .source(KubernetesSource.builder().client(kubernetes).build())
                .probeInterval(Duration.ofMillis(250));
        MooringClient created = null;
        try {
            // Listening from the very first event: the first round may end before create() returns.
            created = MooringClient.create(settings.apply(builder).build(), event -> {
                heardNanos.put(event, System.nanoTime());
                events.add(event);
            });
        } catch (RuntimeException e) {
            kubernetes.close();
            throw e;
        }
        this.client = created;
    }

    <T extends TopologyEvent> List<T> events(Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }

    @Override
    public void close() {
        try {
            client.close();
        } finally {
            kubernetes.close();
        }
    }
}
