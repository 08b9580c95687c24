package io.github.mooring.discovery;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.net.ConnectException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A Kubernetes client with who owns it, and the translation of its failures into actionable messages.
 * <p>
 * Mooring's own clients (built from a configuration or the environment, never the application's) are one per API
 * configuration per JVM: every watch of that configuration shares it, and the last one to close closes it. A fabric8
 * client is a JDK HttpClient with its selector thread, connection pool and executor, plus Jackson's introspection:
 * the clients of one JVM now pay them once ({@code SharedKubernetesClientIT}). Mooring's own clients watch over plain
 * HTTP ({@link #newClient}); a client the application supplies keeps its own settings.
 */
final class KubernetesApi implements AutoCloseable {

    static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

    /** An API resource the source reads, with the Role rule that grants reading it. */
    enum Resource {
        ENDPOINT_SLICES("endpointslices.discovery.k8s.io", "discovery.k8s.io", "endpointslices"),
        ENDPOINTS("endpoints", "", "endpoints");

        final String qualified;
        final String group;
        final String plural;

        Resource(String qualified, String group, String plural) {
            this.qualified = qualified;
            this.group = group;
            this.plural = plural;
        }

        String roleRule() {
            return "{apiGroups: [\"" + group + "\"], resources: [\"" + plural + "\"], verbs: [\"list\", \"watch\"]}";
        }
    }

    /** Mooring's own clients by API configuration, with how many watches use each; guarded by itself. */
    private static final Map<ConfigKey, OwnClient> OWN_CLIENTS = new HashMap<>();

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private final KubernetesClient client;
    private final ConfigKey own; // null for the application's client, which Mooring never closes
    private final AtomicBoolean released = new AtomicBoolean();

    private KubernetesApi(KubernetesClient client, ConfigKey own) {
        this.client = client;
        this.own = own;
    }

    /** The application's client: used, never closed. */
    static KubernetesApi shared(KubernetesClient client) {
        return new KubernetesApi(client, null);
    }

    /**
     * Mooring's own client for {@code config} (the environment's when null): the one already open for an equal
     * configuration, else a new one. {@link #close()} gives it back; the last to give it back closes it.
     */
    static KubernetesApi owned(Config config) {
        Config effective = config != null ? config : Config.autoConfigure(null);
        ConfigKey key = ConfigKey.of(effective);
        synchronized (OWN_CLIENTS) {
            OwnClient own = OWN_CLIENTS.computeIfAbsent(key, k -> new OwnClient(newClient(effective)));
            own.users++;
            return new KubernetesApi(own.client, key);
        }
    }

    /** Another handle on the same client, given back by its own {@link #close()}. */
    KubernetesApi another() {
        if (own == null) {
            return shared(client);
        }
        synchronized (OWN_CLIENTS) {
            OwnClient shared = OWN_CLIENTS.get(own);
            if (shared == null || released.get()) {
                throw new IllegalStateException("Mooring's Kubernetes client for " + masterUrl() + " is closed");
            }
            shared.users++;
        }
        return new KubernetesApi(client, own);
    }

    /**
     * Watches over plain HTTP (a streamed GET, as kubectl and client-go watch), not fabric8's default WebSocket: on
     * Java 17 a closed WebSocket watch keeps the JDK HttpClient, its selector thread and all the watch's listener
     * reaches (the whole MooringClient) alive until the server ends the close handshake, which may be never; a plain
     * HTTP watch is gone when its stream is cancelled ({@code SharedKubernetesClientIT}). The application's own client
     * is used as it was configured.
     */
    private static KubernetesClient newClient(Config config) {
        return new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder(config).withOnlyHttpWatches(true).build())
                .build();
    }

    /** How many of Mooring's own clients are open in this JVM (for tests). */
    static int openClients() {
        synchronized (OWN_CLIENTS) {
            return OWN_CLIENTS.size();
        }
    }

    /** A shared client and the number of watches using it. */
    private static final class OwnClient {
        final KubernetesClient client;
        int users;

        OwnClient(KubernetesClient client) {
            this.client = client;
        }
    }

    /**
     * What makes two configurations one API configuration: every property fabric8 serializes (server, credentials,
     * TLS, proxies, timeouts, context), and the token and auth providers by identity, which it does not serialize.
     * A configuration that cannot be serialized is its own.
     */
    private record ConfigKey(String properties, Object tokenProvider, Object authProvider, Object identity) {
        static ConfigKey of(Config config) {
            try {
                return new ConfigKey(
                        SERIALIZATION.asJson(config), config.getOauthTokenProvider(), config.getAuthProvider(), null);
            } catch (RuntimeException notSerializable) {
                return new ConfigKey(null, null, null, new IdentityKey(config));
            }
        }
    }

    /** Equal only to itself. */
    private static final class IdentityKey {
        private final Object of;

        IdentityKey(Object of) {
            this.of = of;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof IdentityKey key && key.of == of;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(of);
        }
    }

    KubernetesClient client() {
        return client;
    }

    String masterUrl() {
        return client.getConfiguration().getMasterUrl();
    }

    /** Lists once what the informer will watch: the way to learn, synchronously, whether it can work at all. */
    int list(Resource resource, ServiceRef service) {
        List<?> items = resource == Resource.ENDPOINT_SLICES
                ? client.discovery()
                        .v1()
                        .endpointSlices()
                        .inNamespace(service.namespace())
                        .withLabel(SERVICE_NAME_LABEL, service.name())
                        .list()
                        .getItems()
                : client.endpoints()
                        .inNamespace(service.namespace())
                        .withField("metadata.name", service.name())
                        .list()
                        .getItems();
        return items.size();
    }

    /** Translates a client failure into a {@link DiscoveryException} that says what to fix. */
    DiscoveryException translate(Throwable failure, Resource resource, ServiceRef service) {
        KubernetesClientException k8s = find(failure, KubernetesClientException.class);
        int code = k8s == null ? 0 : k8s.getCode();
        if (code == 403) {
            return new DiscoveryException(
                    DiscoveryException.Reason.FORBIDDEN,
                    KubernetesSource.NAME,
                    "RBAC forbids listing or watching " + resource.qualified + " in namespace '" + service.namespace()
                            + "' (needed to discover " + service + "). Grant the application's service account a Role"
                            + " rule " + resource.roleRule() + " and bind it. API server said: " + statusMessage(k8s),
                    failure);
        }
        if (code == 401) {
            return new DiscoveryException(
                    DiscoveryException.Reason.FORBIDDEN,
                    KubernetesSource.NAME,
                    "the Kubernetes API server at " + masterUrl() + " rejected the credentials (401 Unauthorized):"
                            + " check the service account token",
                    failure);
        }
        if (code == 404) {
            return new DiscoveryException(
                    DiscoveryException.Reason.FAILED,
                    KubernetesSource.NAME,
                    "the Kubernetes API server at " + masterUrl() + " does not serve " + resource.qualified + " (404)",
                    failure);
        }
        // No HTTP status (fabric8 reports -1 when the request never got an answer) and an I/O failure underneath.
        if (code <= 0 && (find(failure, ConnectException.class) != null || find(failure, IOException.class) != null)) {
            return new DiscoveryException(
                    DiscoveryException.Reason.UNREACHABLE,
                    KubernetesSource.NAME,
                    "cannot reach the Kubernetes API server at " + masterUrl() + " to discover " + service + ": "
                            + rootMessage(failure),
                    failure);
        }
        return new DiscoveryException(
                DiscoveryException.Reason.FAILED,
                KubernetesSource.NAME,
                "discovering " + service + " through the Kubernetes API failed: " + rootMessage(failure),
                failure);
    }

    static boolean isNotFound(Throwable failure) {
        KubernetesClientException k8s = find(failure, KubernetesClientException.class);
        return k8s != null && k8s.getCode() == 404;
    }

    private static String statusMessage(KubernetesClientException e) {
        return e.getStatus() != null && e.getStatus().getMessage() != null
                ? e.getStatus().getMessage()
                : e.getMessage();
    }

    static String rootMessage(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() != null
                ? root.getClass().getSimpleName() + ": " + root.getMessage()
                : root.getClass().getSimpleName();
    }

    static <T extends Throwable> T find(Throwable failure, Class<T> type) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    /** Gives back Mooring's own client (once; the last user closes it); leaves the application's alone. */
    @Override
    public void close() {
        if (own == null || !released.compareAndSet(false, true)) {
            return;
        }
        KubernetesClient last = null;
        synchronized (OWN_CLIENTS) {
            OwnClient shared = OWN_CLIENTS.get(own);
            if (shared != null && --shared.users == 0) {
                OWN_CLIENTS.remove(own);
                last = shared.client;
            }
        }
        if (last != null) {
            last.close();
        }
    }
}
