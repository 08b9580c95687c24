package io.github.mooring.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.mooring.MooringClient;
import io.github.mooring.MooringOptions;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Mooring's own fabric8 client is one per API configuration per JVM, shared by every client of that JVM and closed
 * with the last one; a client the application supplies is never closed by Mooring. Its watches go over plain HTTP:
 * on Java 17 a closed fabric8 WebSocket watch kept the JDK HttpClient, its {@code HttpClient-N-SelectorManager} thread
 * and the whole MooringClient reachable until the server ended the close handshake, so each MooringClient opened and
 * closed one after another left them behind.
 */
@ExtendWith(SimulatedNamespaceExtension.class)
class SharedKubernetesClientIT {

    static final Duration STARTUP = Duration.ofSeconds(30);
    static final int CLIENTS = 5;

    @Test
    void clientsOpenedAndClosedOneAfterAnotherLeaveNoHttpClientThreadBehind(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").start();
        Set<Thread> before = selectorThreads();
        List<WeakReference<MooringClient>> closed = new ArrayList<>();

        for (int i = 0; i < CLIENTS; i++) {
            try (MooringClient client = MooringClient.create(options(ns, redis, kubernetesOwnClient(ns)))) {
                client.awaitMaster(STARTUP);
                assertThat(client.connect().sync().incr("visits")).isEqualTo(i + 1);
                closed.add(new WeakReference<>(client));
            }
        }

        awaitNoSelectorThreadSince(before, "every JDK HttpClient selector thread of a closed client has ended");
        await().alias("nothing keeps a closed client reachable (its watch's response subscriber kept it, and its"
                        + " probe clients and Lettuce resources, about 540 KiB each)")
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .until(
                        () -> {
                            System.gc();
                            return closed.stream().filter(c -> c.get() != null).count();
                        },
                        reachable -> reachable == 0);
    }

    @Test
    void clientsOpenAtOnceShareOneFabric8ClientClosedWithTheLast(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").start();
        Set<Thread> before = selectorThreads();
        List<MooringClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < CLIENTS; i++) {
                // a new Config each time, equal in value: one API configuration
                clients.add(MooringClient.create(options(ns, redis, kubernetesOwnClient(ns))));
            }
            for (MooringClient client : clients) {
                client.awaitMaster(STARTUP);
            }
            assertThat(newSince(before))
                    .as("JDK HttpClients of fabric8 clients while %d Mooring clients run", CLIENTS)
                    .hasSize(1);
            assertThat(KubernetesApi.openClients()).isEqualTo(1);
            assertThat(ns.api().openHttpWatches())
                    .as("each client's watch is a plain HTTP stream, not fabric8's WebSocket")
                    .isEqualTo(CLIENTS);
        } finally {
            clients.forEach(MooringClient::close);
        }
        assertThat(KubernetesApi.openClients()).isZero();
        awaitNoSelectorThreadSince(before, "the shared client's selector thread ends with the last user");
    }

    @Test
    void aClientTheApplicationSuppliedIsNeverClosed(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").start();
        try (KubernetesClient supplied = ns.api().newClient()) {
            for (int i = 0; i < 2; i++) {
                try (MooringClient client = MooringClient.create(options(
                        ns, redis, KubernetesSource.builder().client(supplied).build()))) {
                    client.awaitMaster(STARTUP);
                }
            }
            assertThat(supplied.discovery()
                            .v1()
                            .endpointSlices()
                            .inNamespace(ns.name())
                            .list()
                            .getItems())
                    .as("the supplied client still works")
                    .isNotEmpty();
        }
    }

    private static KubernetesSource kubernetesOwnClient(SimulatedNamespace ns) {
        return KubernetesSource.builder().config(ns.api().config()).build();
    }

    private static MooringOptions options(SimulatedNamespace ns, RedisStatefulSet redis, KubernetesSource source) {
        return MooringOptions.builder()
                .service(redis.name())
                .namespace(ns.name())
                .source(source)
                .probeInterval(Duration.ofMillis(250))
                .build();
    }

    /** Waits until no selector thread started after {@code before} is alive (a full GC each time it looks). */
    private static void awaitNoSelectorThreadSince(Set<Thread> before, String alias) {
        await().alias(alias)
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .until(
                        () -> {
                            System.gc();
                            return newSince(before).size();
                        },
                        left -> left == 0);
    }

    /** Threads of JDK HttpClients: one selector manager each, alive as long as its client is. */
    private static Set<Thread> selectorThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().matches("HttpClient-\\d+-SelectorManager"))
                .collect(Collectors.toSet());
    }

    /** The selector threads alive now that were not at {@code before}. */
    private static Set<Thread> newSince(Set<Thread> before) {
        Set<Thread> now = selectorThreads();
        now.removeAll(before);
        return now;
    }
}
