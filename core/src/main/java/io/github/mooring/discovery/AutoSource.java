package io.github.mooring.discovery;

import io.github.mooring.internal.Require;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default source: the Kubernetes API where this process finds one, cluster DNS otherwise.
 * <ul>
 * <li>In a pod (or with a client or configuration given to its {@link KubernetesSource}): the API, as the pod's
 * service account. If RBAC does not let it list the Service's EndpointSlices (or Endpoints), or no API server
 * answers at start, it uses DNS instead, after one WARN line naming the problem (for RBAC, the Role rule that is
 * missing). If the permission is revoked later, it moves to DNS then, keeping the last known endpoints meanwhile.
 * A passing failure (a 5xx, a timeout, a connection reset) never moves it: the API's watch retries. While on DNS it
 * asks the API again every 30 s and moves back as soon as a list works; the topology's events say so each way
 * ({@code SourceDegraded}, {@code SourceRestored}).</li>
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

    /** How often the API is asked again while DNS stands in for it. */
    static final Duration DEFAULT_API_RETRY = Duration.ofSeconds(30);

    private final KubernetesSource kubernetes;
    private final DnsSource dns;
    private final Duration apiRetry;

    private AutoSource(KubernetesSource kubernetes, DnsSource dns, Duration apiRetry) {
        this.kubernetes = kubernetes;
        this.dns = dns;
        this.apiRetry = apiRetry;
    }

    /** The same source asking the API again every {@code interval} while on DNS (tests ask far more often). */
    AutoSource withApiRetry(Duration interval) {
        return new AutoSource(kubernetes, dns, Require.atLeastMillis(interval, 10, "apiRetry"));
    }

    /** Kubernetes with default settings, falling back to DNS with default settings. */
    public static AutoSource defaults() {
        return new AutoSource(
                KubernetesSource.builder().build(), DnsSource.builder().build(), DEFAULT_API_RETRY);
    }

    /** Tries {@code kubernetes} first, falls back to {@code dns}. */
    public static AutoSource of(KubernetesSource kubernetes, DnsSource dns) {
        return new AutoSource(
                Require.nonNull(kubernetes, "kubernetes"), Require.nonNull(dns, "dns"), DEFAULT_API_RETRY);
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
        AutoWatch watch = new AutoWatch(api, service, listener);
        try {
            watch.begin(check(api, service));
        } catch (RuntimeException e) {
            watch.close();
            throw e;
        }
        return watch;
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

    /**
     * The kubernetes watch, replaced by a DNS watch when the API says no for good ({@link AutoFallback}), and back
     * when a list works again. Each inner watch reports through a listener of its generation, so a late snapshot of a
     * watch already replaced is dropped.
     */
    private final class AutoWatch implements EndpointWatch {
        private final KubernetesApi api; // kept for the retries while on DNS; each kubernetes watch has its own handle
        private final ServiceRef service;
        private final EndpointListener listener;
        private ScheduledExecutorService retries; // while on DNS; guarded by this
        private volatile EndpointWatch active;
        private volatile int generation;
        private volatile boolean onDns;
        private volatile boolean closed;

        AutoWatch(KubernetesApi api, ServiceRef service, EndpointListener listener) {
            this.api = api;
            this.service = service;
            this.listener = listener;
        }

        /** Starts on the API, or on DNS when the check found a problem that lasts. */
        synchronized void begin(Optional<DiscoveryException> problem) {
            if (problem.isPresent()
                    && AutoFallback.judge(problem.get(), true).decision == AutoFallback.Decision.USE_DNS) {
                log.warn(
                        "Kubernetes API not usable, discovering {} through DNS instead (and asking the API again every"
                                + " {} s): {}",
                        service,
                        apiRetry.toSeconds(),
                        problem.get().getMessage());
                listener.onError(problem.get());
                useDns("the Kubernetes API could not be used (" + problem.get().getMessage() + ")");
                return;
            }
            // A hiccup (5xx, timeout, reset) is not a reason to leave the API: its watch retries by itself.
            problem.ifPresent(p -> log.info(
                    "{}: the Kubernetes API failed once ({}); staying with it, its watch retries",
                    service,
                    p.getMessage()));
            useKubernetes();
        }

        private void useKubernetes() {
            int mine = ++generation;
            onDns = false;
            active = KubernetesWatch.start(
                    api.another(),
                    service,
                    new Relay(mine) {
                        @Override
                        public void onError(DiscoveryException error) {
                            super.onError(error);
                            if (isCurrent()
                                    && AutoFallback.judge(error, false).decision == AutoFallback.Decision.USE_DNS) {
                                degrade(error);
                            }
                        }
                    },
                    true,
                    kubernetes.pacing());
        }

        private void useDns(String whyDns) {
            int mine = ++generation;
            onDns = true;
            active = dnsWatch(service, new Relay(mine), whyDns);
            retries = Executors.newSingleThreadScheduledExecutor(runnable -> {
                Thread thread = new Thread(runnable, "mooring-auto-" + service.name());
                thread.setDaemon(true);
                return thread;
            });
            retries.scheduleWithFixedDelay(
                    this::retryApi, apiRetry.toMillis(), apiRetry.toMillis(), TimeUnit.MILLISECONDS);
        }

        private synchronized void degrade(DiscoveryException error) {
            if (onDns || closed) {
                return;
            }
            log.warn(
                    "Kubernetes API access lost, discovering {} through DNS until it comes back (asked every {} s): {}",
                    service,
                    apiRetry.toSeconds(),
                    error.getMessage());
            EndpointWatch previous = active;
            // DNS snapshots name their source, so the topology shows the switch (SourceDegraded).
            useDns("the Kubernetes API stopped allowing discovery (" + error.getMessage() + ")");
            closeElsewhere(previous);
        }

        /** While on DNS: a list that works again moves discovery back to the API. */
        private void retryApi() {
            if (closed || check(api, service).isPresent()) {
                return; // still refused or away; the next retry asks again
            }
            synchronized (this) {
                if (closed || !onDns) {
                    return;
                }
                String reason = "the Kubernetes API at " + api.masterUrl() + " lets " + service + " be listed again";
                log.info("{}: discovering through the Kubernetes API again: {}", service, reason);
                EndpointWatch previous = active;
                retries.shutdown();
                retries = null;
                // Before the first snapshot of the API, so that the topology's change of source is a restoration.
                listener.onSourceRestored(KubernetesSource.NAME, reason);
                useKubernetes();
                closeElsewhere(previous);
            }
        }

        /** Closes a replaced watch on a thread of its own: the caller may be that watch's own thread. */
        private void closeElsewhere(EndpointWatch replaced) {
            Thread closer = new Thread(replaced::close, "mooring-close-" + replaced.sourceName() + "-watch");
            closer.setDaemon(true);
            closer.start();
        }

        /** Passes on what the inner watch of one generation says, while that watch is the active one. */
        private class Relay implements EndpointListener {
            private final int mine;

            Relay(int mine) {
                this.mine = mine;
            }

            boolean isCurrent() {
                return !closed && generation == mine;
            }

            @Override
            public void onEndpoints(EndpointSnapshot snapshot) {
                if (isCurrent()) {
                    listener.onEndpoints(snapshot);
                }
            }

            @Override
            public void onError(DiscoveryException error) {
                if (isCurrent()) {
                    listener.onError(error);
                }
            }
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
        public void close() {
            EndpointWatch last;
            ScheduledExecutorService retrying;
            synchronized (this) { // not while closing: a watch thread may be waiting for this lock
                if (closed) {
                    return;
                }
                closed = true;
                last = active;
                retrying = retries;
            }
            if (retrying != null) {
                retrying.shutdownNow();
            }
            if (last != null) {
                last.close();
            }
            api.close();
        }
    }
}
