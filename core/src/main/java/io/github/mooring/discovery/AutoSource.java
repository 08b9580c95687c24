package io.github.mooring.discovery;

import io.github.mooring.internal.Require;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default source: the Kubernetes API where this process finds one, cluster DNS otherwise.
 * <ul>
 * <li>In a pod (or with a client or configuration given to its {@link KubernetesSource}): the API, as the pod's
 * service account. If RBAC does not let it list the Service's EndpointSlices (or Endpoints), or the API server
 * cannot be reached, it uses DNS instead, after one WARN line naming the problem (for RBAC, the Role rule that is
 * missing). If the permission is revoked later, it moves to DNS then, keeping the last known endpoints meanwhile.</li>
 * <li>Outside a pod (a laptop, a CI job): the API server of the current kubeconfig context ({@code KUBECONFIG},
 * {@code ~/.kube/config}) or of {@code KUBERNETES_MASTER}, as kubectl would use it; the same checks and the same
 * fallback to DNS apply. With neither, DNS at once.</li>
 * </ul>
 * Where it uses DNS because of one of these, a DNS failure says so: outside a cluster, cluster DNS names do not
 * resolve, and the error then says which source or DNS settings to change.
 */
public final class AutoSource implements EndpointSource {

    private static final Logger log = LoggerFactory.getLogger(AutoSource.class);
    /** What to change when DNS, the fallback, does not find the Service: in Java, and in the starter's properties. */
    static final String DNS_FALLBACK_ADVICE = "to discover through the Kubernetes API instead, give the process a"
            + " kubeconfig (KUBECONFIG or ~/.kube/config) or choose the kubernetes source (MooringOptions.source;"
            + " Spring Boot: mooring.source=kubernetes); to stay with DNS, ask the cluster's DNS server (DnsSource"
            + " nameServers and clusterDomain; Spring Boot: mooring.dns.name-servers, mooring.dns.cluster-domain);"
            + " without Kubernetes, list the nodes (the static source; Spring Boot: mooring.source=static,"
            + " mooring.static-nodes)";

    private final KubernetesSource kubernetes;
    private final DnsSource dns;

    private AutoSource(KubernetesSource kubernetes, DnsSource dns) {
        this.kubernetes = kubernetes;
        this.dns = dns;
    }

    /** Kubernetes with default settings, falling back to DNS with default settings. */
    public static AutoSource defaults() {
        return new AutoSource(
                KubernetesSource.builder().build(), DnsSource.builder().build());
    }

    /** Tries {@code kubernetes} first, falls back to {@code dns}. */
    public static AutoSource of(KubernetesSource kubernetes, DnsSource dns) {
        return new AutoSource(Require.nonNull(kubernetes, "kubernetes"), Require.nonNull(dns, "dns"));
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
        return KubernetesEnvironment.inCluster();
    }

    @Override
    public EndpointWatch watch(ServiceRef service, EndpointListener listener) {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(listener, "listener");
        KubernetesApi api;
        if (kubernetes.client() != null || kubernetes.config() != null) {
            api = kubernetes.client() != null
                    ? KubernetesApi.shared(kubernetes.client())
                    : KubernetesApi.owned(kubernetes.config());
        } else if (KubernetesEnvironment.inCluster()) {
            api = KubernetesApi.owned(null);
        } else {
            Optional<KubernetesEnvironment.Found> found;
            try {
                found = KubernetesEnvironment.outsideCluster();
            } catch (RuntimeException unreadable) {
                String why = "the kubeconfig could not be read (" + KubernetesApi.rootMessage(unreadable) + ")";
                log.warn("Not in a Kubernetes pod and {}: discovering {} through DNS", why, service);
                return dnsWatch(service, listener, why);
            }
            if (found.isEmpty()) {
                String why = "this process is not in a Kubernetes pod (no service account token at "
                        + KubernetesEnvironment.SERVICE_ACCOUNT_TOKEN + ") and found "
                        + KubernetesEnvironment.notFound();
                log.info("Discovering {} through DNS: {}", service, why);
                return dnsWatch(service, listener, why);
            }
            api = KubernetesApi.owned(found.get().config());
            log.info(
                    "Not in a Kubernetes pod: discovering {} through the Kubernetes API at {} ({})",
                    service,
                    api.masterUrl(),
                    found.get().origin());
        }
        Optional<DiscoveryException> problem = check(api, service);
        if (problem.isPresent()) {
            api.close();
            log.warn(
                    "Kubernetes API not usable, discovering {} through DNS instead: {}",
                    service,
                    problem.get().getMessage());
            listener.onError(problem.get());
            return dnsWatch(
                    service,
                    listener,
                    "the Kubernetes API could not be used (" + problem.get().getMessage() + ")");
        }
        return new AutoWatch(api, service, listener);
    }

    /** The DNS watch, whose failures also say why DNS is in use and what to change. */
    private EndpointWatch dnsWatch(ServiceRef service, EndpointListener listener, String whyDns) {
        return dns.watch(service, new EndpointListener() {
            @Override
            public void onEndpoints(EndpointSnapshot snapshot) {
                listener.onEndpoints(snapshot);
            }

            @Override
            public void onError(DiscoveryException error) {
                listener.onError(new DiscoveryException(
                        error.reason(),
                        error.source(),
                        error.getMessage() + ". The auto source uses DNS because " + whyDns + ": "
                                + DNS_FALLBACK_ADVICE,
                        error.getCause()));
            }
        });
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
            log.warn(
                    "Kubernetes API access lost, discovering {} through DNS from now on: {}",
                    service,
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
