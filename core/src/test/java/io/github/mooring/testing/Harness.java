package io.github.mooring.testing;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.mooring.discovery.AutoSource;
import io.github.mooring.discovery.DnsSource;
import io.github.mooring.discovery.EndpointSource;
import io.github.mooring.discovery.KubernetesSource;
import io.github.mooring.discovery.ServiceRef;
import io.github.mooring.internal.probe.ProbeSettings;
import io.github.mooring.internal.probe.RoleProber;
import io.github.mooring.internal.sentinel.PubSubSentinelFollower;
import io.github.mooring.internal.sentinel.SentinelSettings;
import io.github.mooring.internal.topology.MonitorSettings;
import io.github.mooring.internal.topology.TopologyMonitor;
import io.github.mooring.testkit.RedisPod;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.topology.Node;
import io.github.mooring.topology.Topology;
import io.github.mooring.topology.TopologyEvent;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import io.lettuce.core.resource.ClientResources;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;

/**
 * What an integration test starts besides the simulated namespace (Lettuce resources, fabric8 clients, monitors),
 * closed in reverse order by {@link #close()} from {@code @AfterEach}.
 */
public final class Harness implements AutoCloseable {

    /** The probe URI of pods without credentials; host and port are ignored. */
    public static final RedisURI NO_AUTH = RedisURI.create("redis://localhost");

    private final Deque<AutoCloseable> closeables = new ArrayDeque<>();
    private ClientResources resources;

    /** One monitor and the events it delivered. */
    public record Watched(TopologyMonitor monitor, EventLog events) {

        /**
         * Waits for the first master and for the event announcing it, and returns the {@linkplain EventLog#mark()
         * mark} after it: events from then on are the test's.
         */
        public int awaitStarted(Duration timeout) {
            Topology first = monitor.waiters().awaitMaster(timeout);
            String master = first.master().orElseThrow().address();
            events.await(
                    0,
                    TopologyEvent.MasterChanged.class,
                    e -> e.master().address().equals(master),
                    timeout);
            return events.mark();
        }
    }

    /** Whether {@code node} is the current incarnation of {@code pod} (its pod name too, when the source knows it). */
    public static boolean isPod(Node node, RedisPod pod) {
        return node.address().equals(pod.address())
                && (node.endpoint().podName() == null
                        || node.endpoint().podName().equals(pod.name()));
    }

    /** Lettuce resources shared by every prober of the test. */
    public synchronized ClientResources resources() {
        if (resources == null) {
            ClientResources created = ClientResources.builder()
                    .ioThreadPoolSize(2)
                    .computationThreadPoolSize(2)
                    .build();
            resources = created;
            closeables.push(() -> created.shutdown(0, 2, TimeUnit.SECONDS).get(10, TimeUnit.SECONDS));
        }
        return resources;
    }

    /** A fabric8 client acting as the application's service account; closed with the harness. */
    public KubernetesClient kubernetesClient(SimulatedNamespace ns) {
        return register(ns.api().newClient());
    }

    /** The kubernetes source on a client of its own. */
    public KubernetesSource kubernetes(SimulatedNamespace ns) {
        return KubernetesSource.builder().client(kubernetesClient(ns)).build();
    }

    /** The dns source asking the namespace's DNS server every {@code interval}. */
    public static DnsSource dns(SimulatedNamespace ns, boolean srv, Duration interval) {
        return DnsSource.builder()
                .nameServers(ns.dns().address())
                .interval(interval)
                .srv(srv)
                .build();
    }

    /** Kubernetes, falling back to DNS (A records, every 100 ms). */
    public AutoSource auto(SimulatedNamespace ns) {
        return AutoSource.of(kubernetes(ns), dns(ns, false, Duration.ofMillis(100)));
    }

    /** The source of {@code kind}. */
    public EndpointSource source(Sources kind, SimulatedNamespace ns) {
        return switch (kind) {
            case KUBERNETES -> kubernetes(ns);
            case DNS_A -> dns(ns, false, Duration.ofMillis(100));
            case DNS_SRV -> dns(ns, true, Duration.ofMillis(100));
        };
    }

    public static ServiceRef service(SimulatedNamespace ns, RedisStatefulSet set) {
        return ServiceRef.of(set.name(), ns.name());
    }

    /** Starts a monitor of {@code set} without credentials, probing every {@code probeInterval}. */
    public Watched watch(SimulatedNamespace ns, RedisStatefulSet set, EndpointSource source, Duration probeInterval) {
        return watch(service(ns, set), source, NO_AUTH, probeInterval);
    }

    /** Starts a monitor; it is closed with the harness. */
    public Watched watch(ServiceRef service, EndpointSource source, RedisURI probeUri, Duration probeInterval) {
        return watch(service, source, probeUri, MonitorSettings.defaults().withProbeInterval(probeInterval));
    }

    /** Starts a monitor with {@code settings}; it is closed with the harness. */
    public Watched watch(ServiceRef service, EndpointSource source, RedisURI probeUri, MonitorSettings settings) {
        EventLog events = new EventLog();
        RoleProber prober = new RoleProber(ProbeSettings.defaults(probeUri), resources());
        TopologyMonitor monitor = TopologyMonitor.start(
                service,
                source,
                prober,
                new PubSubSentinelFollower(
                        SentinelSettings.withoutSentinelAuth(probeUri, SslOptions.create()), resources()),
                settings,
                resources().eventBus(),
                events);
        register(monitor);
        return new Watched(monitor, events);
    }

    public synchronized <T extends AutoCloseable> T register(T closeable) {
        closeables.push(closeable);
        return closeable;
    }

    @Override
    public synchronized void close() {
        RuntimeException failure = null;
        while (!closeables.isEmpty()) {
            try {
                closeables.pop().close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = new IllegalStateException("closing the harness failed", e);
                } else {
                    failure.addSuppressed(e);
                }
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        resources = null;
        if (failure != null) {
            throw failure;
        }
    }
}
