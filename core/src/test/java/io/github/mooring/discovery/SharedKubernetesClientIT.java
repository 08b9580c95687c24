package io.github.mooring.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.mooring.MooringClient;
import io.github.mooring.MooringOptions;
import io.github.mooring.healer.HealerMode;
import io.github.mooring.healer.HealerSettings;
import io.github.mooring.internal.kubernetes.OwnKubernetesClients;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Mooring's own fabric8 client is one per API configuration per JVM, shared by every client of that JVM (discovery and
 * the healer's Lease) and closed with the last one; a client the application supplies is never closed by Mooring. Its
 * watches go over plain HTTP: on Java 17 a closed fabric8 WebSocket watch kept the JDK HttpClient, its
 * {@code HttpClient-N-SelectorManager} thread and the whole MooringClient reachable until the server ended the close
 * handshake, so each MooringClient opened and closed one after another left them behind.
 * <p>
 * The tests count the threads of Mooring's own clients only ({@link OwnKubernetesClients#selectorThreads()}), never
 * every selector thread of the JVM: other tests' clients (the application-supplied ones here and elsewhere, still on
 * WebSocket watches) start and end theirs when they please.
 */
@ExtendWith(SimulatedNamespaceExtension.class)
class SharedKubernetesClientIT {

    static final Duration STARTUP = Duration.ofSeconds(30);
    static final int CLIENTS = 5;

    @Test
    void clientsOpenedAndClosedOneAfterAnotherLeaveNoHttpClientThreadBehind(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").start();
        Set<String> mooringThreads = new LinkedHashSet<>();
        List<WeakReference<MooringClient>> closed = new ArrayList<>();

        for (int i = 0; i < CLIENTS; i++) {
            try (MooringClient client = MooringClient.create(options(ns, redis, kubernetesOwnClient(ns)))) {
                client.awaitMaster(STARTUP);
                assertThat(client.connect().sync().incr("visits")).isEqualTo(i + 1);
                mooringThreads.addAll(runningOwnClient());
                closed.add(new WeakReference<>(client));
            }
        }

        assertThat(mooringThreads)
                .as("a new fabric8 client for each MooringClient")
                .hasSize(CLIENTS);
        awaitEnded(mooringThreads, "every JDK HttpClient selector thread of a closed client has ended");
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

    /**
     * A client closed as soon as it has a master may stop its informer while the watch request is in flight. fabric8
     * closes such a watch from a callback on the JDK client's executor; with that executor shut down at close (as
     * fabric8's factory does), 1 to 3 of 80 such clients kept their selector thread and themselves (a race: this test
     * does not catch every regression in one run).
     */
    @Test
    void clientsClosedRightAfterStartLeaveNoHttpClientThreadBehind(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").start();
        Set<String> mooringThreads = new LinkedHashSet<>();
        for (int i = 0; i < 40; i++) {
            try (MooringClient client = MooringClient.create(options(ns, redis, kubernetesOwnClient(ns)))) {
                client.awaitMaster(STARTUP);
                mooringThreads.addAll(OwnKubernetesClients.selectorThreads());
            }
        }
        assertThat(mooringThreads).hasSize(40);
        awaitEnded(mooringThreads, "every JDK HttpClient selector thread of a closed client has ended");
    }

    @Test
    void clientsOpenAtOnceShareOneFabric8ClientClosedWithTheLast(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").start();
        List<String> shared;
        List<MooringClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < CLIENTS; i++) {
                // a new Config each time, equal in value: one API configuration
                clients.add(MooringClient.create(options(ns, redis, kubernetesOwnClient(ns))));
            }
            for (MooringClient client : clients) {
                client.awaitMaster(STARTUP);
            }
            shared = runningOwnClient();
            assertThat(ns.api().openHttpWatches())
                    .as("each client's watch is a plain HTTP stream, not fabric8's WebSocket")
                    .isEqualTo(CLIENTS);
        } finally {
            clients.forEach(MooringClient::close);
        }
        assertThat(KubernetesApi.openClients()).isZero();
        awaitEnded(shared, "the shared client's selector thread ends with the last user");
    }

    @Test
    void aHealersLeaseSharesTheDiscoveryClientAndClosingReleasesIt(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").start();
        Set<Thread> before = selectorThreads();
        List<String> shared;
        MooringOptions options = MooringOptions.builder()
                .service(redis.name())
                .namespace(ns.name())
                .source(kubernetesOwnClient(ns))
                .probeInterval(Duration.ofMillis(250))
                .healer(HealerSettings.builder()
                        .mode(HealerMode.REPAIR)
                        .identity("app")
                        .lease(Duration.ofSeconds(3), Duration.ofSeconds(2), Duration.ofMillis(300))
                        .build())
                .build();
        try (MooringClient client = MooringClient.create(options)) {
            client.awaitMaster(STARTUP);
            await().alias("the healer took its Lease")
                    .atMost(Duration.ofSeconds(45))
                    .until(() -> client.healer().orElseThrow().isLeader());
            assertThat(client.healer().orElseThrow().mode()).isEqualTo(HealerMode.REPAIR);
            shared = runningOwnClient();
            // Every JDK HttpClient started since (the Lease on a client of its own made two): bounded by this
            // client's startup, a window in which no other test runs.
            assertThat(newSince(before))
                    .as("JDK HttpClients started for a MooringClient with a kubernetes source and a healer")
                    .extracting(Thread::getName)
                    .containsExactlyElementsOf(shared);
        }
        assertThat(KubernetesApi.openClients())
                .as("closing the MooringClient released both users")
                .isZero();
        awaitEnded(shared, "the shared client's selector thread ends with the MooringClient");
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

    /**
     * The selector thread of Mooring's one own client, checked alive under the name the JDK gives it (fails if the
     * JDK names it otherwise: the other checks would then count nothing), with its executor on Mooring's named threads.
     */
    private static List<String> runningOwnClient() {
        List<String> own = OwnKubernetesClients.selectorThreads();
        assertThat(own).as("Mooring's own Kubernetes clients").hasSize(1);
        assertThat(alive(own))
                .as("the JDK's selector thread of Mooring's client")
                .containsExactlyElementsOf(own);
        String id = own.get(0).replaceAll("HttpClient-(\\d+)-SelectorManager", "$1");
        assertThat(allThreads().map(Thread::getName))
                .as("the client's executor runs on Mooring's named threads")
                .anyMatch(name -> name.startsWith("mooring-kubernetes-" + id + "-"));
        return own;
    }

    /** Waits until no thread of these names is alive (a full GC each time it looks). */
    private static void awaitEnded(Collection<String> names, String alias) {
        await().alias(alias)
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .until(
                        () -> {
                            System.gc();
                            return alive(names);
                        },
                        List::isEmpty);
    }

    /** Which of these threads are alive now. */
    private static List<String> alive(Collection<String> names) {
        Set<String> live = allThreads().map(Thread::getName).collect(Collectors.toSet());
        return names.stream().filter(live::contains).toList();
    }

    private static Stream<Thread> allThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive);
    }

    /** Threads of JDK HttpClients: one selector manager each, alive as long as its client is. */
    private static Set<Thread> selectorThreads() {
        return allThreads()
                .filter(t -> t.getName().matches("HttpClient-\\d+-SelectorManager"))
                .collect(Collectors.toSet());
    }

    /** The selector threads alive now that were not at {@code before}. */
    private static Set<Thread> newSince(Set<Thread> before) {
        Set<Thread> now = selectorThreads();
        now.removeAll(before);
        return now;
    }
}
