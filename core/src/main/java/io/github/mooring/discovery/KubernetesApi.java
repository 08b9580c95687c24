package io.github.mooring.discovery;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.github.mooring.internal.kubernetes.OwnKubernetesClients;
import java.io.IOException;
import java.net.ConnectException;
import java.util.List;

/**
 * A Kubernetes client with who owns it, and the translation of its failures into actionable messages.
 * <p>
 * Mooring's own clients (built from a configuration or the environment, never the application's) are one per API
 * configuration per JVM ({@link OwnKubernetesClients}): every watch of that configuration and the healer's Lease share
 * it, and the last one to close closes it ({@code SharedKubernetesClientIT}). They watch over plain HTTP; a client the
 * application supplies keeps its own settings.
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

    private final KubernetesClient client;
    private final OwnKubernetesClients.Handle own; // null for the application's client, which Mooring never closes

    private KubernetesApi(KubernetesClient client, OwnKubernetesClients.Handle own) {
        this.client = client;
        this.own = own;
    }

    /** The application's client: used, never closed. */
    static KubernetesApi shared(KubernetesClient client) {
        return new KubernetesApi(client, null);
    }

    /**
     * Mooring's own client for {@code config} (the environment's when null): the one already open for an equal
     * configuration, else a new one ({@link OwnKubernetesClients}). {@link #close()} gives it back; the last to give it
     * back closes it.
     */
    static KubernetesApi owned(Config config) {
        OwnKubernetesClients.Handle own = OwnKubernetesClients.acquire(config);
        return new KubernetesApi(own.client(), own);
    }

    /** Another handle on the same client, given back by its own {@link #close()}. */
    KubernetesApi another() {
        return own == null ? shared(client) : new KubernetesApi(client, own.another());
    }

    /** How many of Mooring's own clients are open in this JVM (for tests). */
    static int openClients() {
        return OwnKubernetesClients.openClients();
    }

    KubernetesClient client() {
        return client;
    }

    String masterUrl() {
        return client.getConfiguration().getMasterUrl();
    }

    /** Lists once what the source will watch: the way to learn, synchronously, whether it can work at all. */
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
        if (own != null) {
            own.close();
        }
    }
}
