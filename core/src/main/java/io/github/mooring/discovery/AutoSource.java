package io.github.mooring.discovery;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Objects;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default source: the Kubernetes API when the application runs in a cluster (or was given a client) and RBAC
 * lets it list and watch the Service's EndpointSlices (or Endpoints); otherwise cluster DNS, after one WARN line that
 * names the missing permission and the Role rule that grants it. If the permission is revoked later, it moves to DNS
 * then, keeping the last known endpoints meanwhile.
 */
public final class AutoSource implements EndpointSource {

    private static final Logger log = LoggerFactory.getLogger(AutoSource.class);
    static final Path SERVICE_ACCOUNT_TOKEN = Paths.get("/var/run/secrets/kubernetes.io/serviceaccount/token");

    private final KubernetesSource kubernetes;
    private final DnsSource dns;

    private AutoSource(KubernetesSource kubernetes, DnsSource dns) {
        this.kubernetes = kubernetes;
        this.dns = dns;
    }

    /** Kubernetes with default settings, falling back to DNS with default settings. */
    public static AutoSource defaults() {
        return new AutoSource(KubernetesSource.builder().build(), DnsSource.builder().build());
    }

    /** Tries {@code kubernetes} first, falls back to {@code dns}. */
    public static AutoSource of(KubernetesSource kubernetes, DnsSource dns) {
        return new AutoSource(Objects.requireNonNull(kubernetes, "kubernetes"), Objects.requireNonNull(dns, "dns"));
    }

    @Override
    public String name() {
        return "auto";
    }

    /** The Kubernetes source it tries first. */
    public KubernetesSource kubernetes() {
        return kubernetes;
    }

    /** Whether this process runs in a Kubernetes pod with a service account token. */
    public static boolean runningInCluster() {
        return inCluster();
    }

    @Override
    public EndpointWatch watch(ServiceRef service, EndpointListener listener) {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(listener, "listener");
        boolean configured = kubernetes.client() != null || kubernetes.config() != null;
        if (!configured && !inCluster()) {
            log.info("Not running in a Kubernetes pod (no service account token at {}): discovering {} through DNS",
                    SERVICE_ACCOUNT_TOKEN, service);
            return dns.watch(service, listener);
        }
        KubernetesApi api = kubernetes.client() != null ? KubernetesApi.shared(kubernetes.client())
                : KubernetesApi.owned(kubernetes.config());
        Optional<DiscoveryException> problem = check(api, service);
        if (problem.isPresent()) {
            api.close();
            log.warn("Kubernetes API not usable, discovering {} through DNS instead: {}", service,
                    problem.get().getMessage());
            listener.onError(problem.get());
            return dns.watch(service, listener);
        }
        return new AutoWatch(api, service, listener);
    }

    /** Whether the API lets this service account list what the kubernetes source needs. */
    private static Optional<DiscoveryException> check(KubernetesApi api, ServiceRef service) {
        try {
            api.list(KubernetesApi.Resource.ENDPOINT_SLICES, service);
            return Optional.empty();
        } catch (RuntimeException slicesFailure) {
            if (!KubernetesApi.isNotFound(slicesFailure)) {
                return Optional.of(api.translate(slicesFailure, KubernetesApi.Resource.ENDPOINT_SLICES, service));
            }
        }
        try {
            api.list(KubernetesApi.Resource.ENDPOINTS, service);
            return Optional.empty();
        } catch (RuntimeException endpointsFailure) {
            return Optional.of(api.translate(endpointsFailure, KubernetesApi.Resource.ENDPOINTS, service));
        }
    }

    private static boolean inCluster() {
        return System.getenv("KUBERNETES_SERVICE_HOST") != null && Files.isReadable(SERVICE_ACCOUNT_TOKEN);
    }

    @Override
    public String toString() {
        return "AutoSource[" + kubernetes + " -> " + dns + "]";
    }

    /** The kubernetes watch, replaced by a DNS watch if RBAC later forbids it. */
    private final class AutoWatch implements EndpointWatch, EndpointListener {
        private final ServiceRef service;
        private final EndpointListener listener;
        private volatile EndpointWatch active;
        private volatile boolean degraded;
        private volatile boolean closed;

        AutoWatch(KubernetesApi api, ServiceRef service, EndpointListener listener) {
            this.service = service;
            this.listener = listener;
            this.active = KubernetesWatch.start(api, service, this, true, kubernetes.pacing());
        }

        @Override
        public void onEndpoints(EndpointSnapshot snapshot) {
            if (!closed) {
                listener.onEndpoints(snapshot);
            }
        }

        @Override
        public void onError(DiscoveryException error) {
            if (closed) {
                return;
            }
            listener.onError(error);
            if (error.reason() == DiscoveryException.Reason.FORBIDDEN && !degraded) {
                degrade(error);
            }
        }

        private synchronized void degrade(DiscoveryException error) {
            if (degraded || closed) {
                return;
            }
            degraded = true;
            log.warn("Kubernetes API access lost, discovering {} through DNS from now on: {}", service,
                    error.getMessage());
            EndpointWatch previous = active;
            // DNS snapshots name their source, so the topology shows the switch.
            active = dns.watch(service, new EndpointListener() {
                @Override
                public void onEndpoints(EndpointSnapshot snapshot) {
                    AutoWatch.this.onEndpoints(snapshot);
                }

                @Override
                public void onError(DiscoveryException dnsError) {
                    if (!closed) {
                        listener.onError(dnsError);
                    }
                }
            });
            // Closing from the informer's own thread must not wait for that thread.
            Thread closer = new Thread(previous::close, "mooring-close-kubernetes-watch");
            closer.setDaemon(true);
            closer.start();
        }

        @Override
        public Optional<EndpointSnapshot> current() {
            return active.current();
        }

        @Override
        public void refresh() {
            active.refresh();
        }

        @Override
        public void refreshUrgently() {
            active.refreshUrgently();
        }

        @Override
        public String sourceName() {
            return active.sourceName();
        }

        @Override
        public synchronized void close() {
            closed = true;
            active.close();
        }
    }
}
