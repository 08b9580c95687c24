package io.github.mooring.discovery;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.mooring.internal.Require;
import java.util.Objects;

/**
 * Discovers a Service's pods through the Kubernetes API: an informer (list + watch) on the {@code discovery.k8s.io/v1}
 * EndpointSlices labelled {@code kubernetes.io/service-name=<service>}, falling back to the core {@code v1} Endpoints
 * object where EndpointSlices are not served. Ready endpoints are candidates; terminating ones are dropped the moment
 * the API server says so. Watch errors, closed watches, {@code 410 Gone} and API server restarts are recovered by
 * relisting, and the last known endpoints stay in force meanwhile.
 * <p>
 * The service account needs this Role rule (and nothing more):
 * <pre>
 * - apiGroups: ["discovery.k8s.io"]
 *   resources: ["endpointslices"]
 *   verbs: ["list", "watch"]
 * - apiGroups: [""]
 *   resources: ["endpoints"]       # only for clusters without EndpointSlices, and for telling
 *   verbs: ["list", "watch"]       # "Service not found" from "no endpoints"
 * </pre>
 */
public final class KubernetesSource implements EndpointSource {

    /** The name this source reports. */
    public static final String NAME = "kubernetes";

    private final KubernetesClient client;
    private final Config config;
    private final boolean endpointsFallback;
    private final KubernetesWatch.Pacing pacing;

    private KubernetesSource(Builder builder) {
        this.client = builder.client;
        this.config = builder.config;
        this.endpointsFallback = builder.endpointsFallback;
        this.pacing = builder.pacing;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public EndpointWatch watch(ServiceRef service, EndpointListener listener) {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(listener, "listener");
        KubernetesApi api = client != null ? KubernetesApi.shared(client) : KubernetesApi.owned(config);
        return KubernetesWatch.start(api, service, listener, endpointsFallback, pacing);
    }

    /** The client given to the builder, or null when the source builds its own. */
    public KubernetesClient client() {
        return client;
    }

    KubernetesWatch.Pacing pacing() {
        return pacing;
    }

    /** The configuration given to the builder, or null. */
    public Config config() {
        return config;
    }

    @Override
    public String toString() {
        return "KubernetesSource["
                + (client != null ? "client supplied" : config != null ? "config supplied" : "in-cluster configuration")
                + (endpointsFallback ? ", endpoints fallback" : "") + "]";
    }

    /** Settings of a {@link KubernetesSource}. */
    public static final class Builder {
        private KubernetesClient client;
        private Config config;
        private boolean endpointsFallback = true;
        private KubernetesWatch.Pacing pacing = KubernetesWatch.Pacing.DEFAULT;

        private Builder() {}

        /** How often the watch is checked against a list; tests check it far more often than production does. */
        Builder pacing(KubernetesWatch.Pacing pacing) {
            this.pacing = Require.nonNull(pacing, "pacing");
            return this;
        }

        /**
         * Uses this client (e.g. a Spring bean); Mooring never closes it and keeps its settings. By default Mooring
         * builds its own from the environment (the pod's service account in a cluster, else the kubeconfig), watches
         * over plain HTTP and closes it when done.
         * <p>
         * fabric8 watches over WebSocket unless {@code Config.onlyHttpWatches} is set. On Java 17 a closed WebSocket
         * watch keeps its JDK HttpClient and everything its listener reaches (the MooringClient) until the API server
         * completes the close handshake: an application that opens and closes Mooring clients over and over on such a
         * client should set {@code onlyHttpWatches(true)} on it (Java 25 was not affected when measured).
         */
        public Builder client(KubernetesClient client) {
            this.client = Require.nonNull(client, "client");
            return this;
        }

        /** Builds Mooring's own client from this configuration instead of the environment. */
        public Builder config(Config config) {
            this.config = Require.nonNull(config, "config");
            return this;
        }

        /** Whether to read the core v1 Endpoints where EndpointSlices are not served (default true). */
        public Builder endpointsFallback(boolean endpointsFallback) {
            this.endpointsFallback = endpointsFallback;
            return this;
        }

        public KubernetesSource build() {
            if (client != null && config != null) {
                throw Require.notBoth("client", "config");
            }
            return new KubernetesSource(this);
        }
    }
}
