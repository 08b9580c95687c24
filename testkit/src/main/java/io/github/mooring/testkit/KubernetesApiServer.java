package io.github.mooring.testkit;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The namespace's Kubernetes API server: fabric8's mock server in CRUD mode (real HTTP, real watch streams,
 * label selectors), behind a TCP proxy, with RBAC for the application's identity. Watches come over WebSocket (fabric8's
 * default) or over plain HTTP, as kubectl, client-go and fabric8's {@code onlyHttpWatches} watch: a chunked stream that
 * resumes from a {@code resourceVersion}, with bookmarks ({@link #bookmarkInterval}) and {@code 410 Gone} for a
 * version older than the server's history, as a real API server serves them.
 * <p>
 * Applications reach it with {@link #config()} (or {@link #newClient()}), as the service account
 * {@code system:serviceaccount:<namespace>:<name>} would. The kit's own controllers write through a separate
 * identity that RBAC rules never restrict and connection faults never touch, as the real control plane keeps
 * its state through an API server restart.
 */
public final class KubernetesApiServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(KubernetesApiServer.class);

    // The mock server logs every request at INFO through java.util.logging; a test needs none of it. JUL holds
    // loggers weakly, so the configured one is kept here.
    private static final java.util.logging.Logger MOCK_SERVER_LOG = quietMockServerLog();

    private final String namespace;
    private final String serviceAccount;
    private final String applicationToken = "app-" + UUID.randomUUID();
    private final GuardedDispatcher dispatcher;
    private final KubernetesMockServer server;
    private final ApiFront front;
    private final TcpProxy proxy;
    private final KubernetesClient controllerClient;

    private KubernetesApiServer(String namespace, String serviceAccount) {
        this.namespace = namespace;
        this.serviceAccount = serviceAccount;
        String controllerToken = "controller-" + UUID.randomUUID();
        this.dispatcher =
                new GuardedDispatcher(controllerToken, "system:serviceaccount:" + namespace + ":" + serviceAccount);
        this.server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        InetSocketAddress mock = new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getPort());
        ApiFront httpFront = null;
        try {
            httpFront = new ApiFront(server.getPort(), dispatcher);
            this.front = httpFront;
            TcpProxy.Route webSockets = new TcpProxy.Route(mock, true);
            TcpProxy.Route plainHttp = new TcpProxy.Route(httpFront.address(), false);
            this.proxy = new TcpProxy(head -> TcpProxy.isWebSocketUpgrade(head) ? webSockets : plainHttp);
            this.controllerClient = new KubernetesClientBuilder()
                    .withConfig(configFor("http://127.0.0.1:" + server.getPort(), controllerToken))
                    .build();
        } catch (RuntimeException e) {
            if (httpFront != null) {
                httpFront.close();
            }
            server.destroy();
            throw e;
        }
    }

    static KubernetesApiServer start(String namespace, String serviceAccount) {
        return new KubernetesApiServer(namespace, serviceAccount);
    }

    /** The URL applications use ({@code http://127.0.0.1:<port>}, through the proxy). */
    public String url() {
        return "http://127.0.0.1:" + proxy.port();
    }

    /** The service account applications act as, e.g. {@code system:serviceaccount:test-1:default}. */
    public String serviceAccountUser() {
        return "system:serviceaccount:" + namespace + ":" + serviceAccount;
    }

    /**
     * A client configuration for the application, as in-cluster auto-configuration would build it: this server's
     * URL, the service account's token and the namespace.
     */
    public Config config() {
        return configFor(url(), applicationToken);
    }

    /**
     * Writes a kubeconfig for the application's service account to {@code file}: one context, named after the
     * namespace and current, with this server's URL, the token and the namespace. It is what a developer's
     * {@code ~/.kube/config} is to a real cluster: point {@code KUBECONFIG} (or the {@code kubeconfig} system
     * property) at it, and kubectl-style auto-configuration, fabric8's included, reaches this server.
     *
     * @return {@code file}
     */
    public Path writeKubeconfig(Path file) {
        String yaml = String.join(
                "\n",
                "apiVersion: v1",
                "kind: Config",
                "clusters:",
                "- name: " + namespace,
                "  cluster:",
                "    server: " + url(),
                "users:",
                "- name: " + serviceAccount,
                "  user:",
                "    token: " + applicationToken,
                "contexts:",
                "- name: " + namespace,
                "  context:",
                "    cluster: " + namespace,
                "    user: " + serviceAccount,
                "    namespace: " + namespace,
                "current-context: " + namespace,
                "");
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, yaml, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write a kubeconfig to " + file, e);
        }
        return file;
    }

    /** A new client built from {@link #config()}; the caller closes it. */
    public KubernetesClient newClient() {
        return new KubernetesClientBuilder().withConfig(config()).build();
    }

    /** The kit's own client (controllers, test setup): never restricted by RBAC nor cut off by faults. */
    KubernetesClient controllerClient() {
        return controllerClient;
    }

    /**
     * Denies the application's service account these verbs on a resource, as a Role without them would:
     * {@code forbid("endpointslices.discovery.k8s.io", "list", "watch")}, {@code forbid("endpoints", "list")}.
     * Requests get {@code 403 Forbidden} with the API server's message.
     */
    public void forbid(String resource, String... verbs) {
        String[] parsed = parseResource(resource);
        for (String verb : verbs) {
            dispatcher.forbid(parsed[1], parsed[0], verb);
        }
    }

    /** Undoes {@link #forbid}. */
    public void permit(String resource, String... verbs) {
        String[] parsed = parseResource(resource);
        for (String verb : verbs) {
            dispatcher.permit(parsed[1], parsed[0], verb);
        }
    }

    /**
     * Makes the server fail the application's requests with this verb on a resource with an HTTP {@code status}
     * (e.g. {@code 503}: an API server overloaded or restarting behind its load balancer), until {@link #recover}.
     */
    public void fail(String resource, int status, String... verbs) {
        String[] parsed = parseResource(resource);
        for (String verb : verbs) {
            dispatcher.fail(parsed[1], parsed[0], verb, status);
        }
    }

    /** Undoes {@link #fail}. */
    public void recover(String resource, String... verbs) {
        String[] parsed = parseResource(resource);
        for (String verb : verbs) {
            dispatcher.recover(parsed[1], parsed[0], verb);
        }
    }

    /** Makes the server answer 404 for an API group, as a cluster that does not serve it (e.g. {@code discovery.k8s.io}). */
    public void unserve(String apiGroup) {
        dispatcher.unserve(Objects.requireNonNull(apiGroup));
    }

    /** Undoes {@link #unserve}. */
    public void serve(String apiGroup) {
        dispatcher.serve(apiGroup);
    }

    /** How many requests the application made with this verb on this resource ({@code "list", "endpointslices.discovery.k8s.io"}). */
    public long requestCount(String verb, String resource) {
        String[] parsed = parseResource(resource);
        return dispatcher.count(verb, parsed[1], parsed[0]);
    }

    /**
     * How often a plain-HTTP watch that asked for bookmarks ({@code allowWatchBookmarks}, as fabric8's informer does)
     * gets one; a real API server sends one about every minute, the default here.
     */
    public void bookmarkInterval(Duration interval) {
        if (interval == null || interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("bookmarkInterval must be positive, was " + interval);
        }
        dispatcher.httpWatches().bookmarkInterval(interval);
    }

    /** How many plain-HTTP watches are open now (WebSocket watches are not counted). */
    public int openHttpWatches() {
        return dispatcher.httpWatches().open();
    }

    /** Closes every open connection, watch streams included, as a load balancer or API server failover does. */
    public void dropConnections() {
        proxy.dropConnections();
    }

    /** Makes the server unreachable (connection refused) until {@link #start()}; stored objects are kept. */
    public void stop() {
        proxy.stop();
    }

    /** Makes a {@linkplain #stop() stopped} server reachable again on the same URL. */
    public void start() {
        proxy.start();
    }

    /** Whether applications can reach the server. */
    public boolean isUp() {
        return proxy.isUp();
    }

    @Override
    public void close() {
        proxy.close();
        front.close();
        controllerClient.close();
        try {
            server.destroy();
        } catch (IllegalStateException e) {
            if (!(e.getCause() instanceof TimeoutException)) {
                throw e;
            }
            // fabric8's mock server (8.0) closes a watch by awaiting, on its only Vert.x event loop, an executor that
            // may itself wait for that loop: after a client closed a watch just before, destroy() can give up waiting
            // for Vert.x (fabric8 #7857, fixed after 8.0). Nothing reaches the server any more (the proxy is closed);
            // Vert.x finishes closing once the listener's one-minute wait ends. Not a failure of the test that closes
            // the namespace.
            log.debug("{}: fabric8's mock server is still closing ({})", this, e.getMessage());
        }
    }

    private Config configFor(String url, String token) {
        return new ConfigBuilder(Config.empty())
                .withMasterUrl(url)
                .withNamespace(namespace)
                .withOauthToken(token)
                .withTrustCerts(true)
                .withRequestRetryBackoffLimit(0)
                .build();
    }

    private static java.util.logging.Logger quietMockServerLog() {
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");
        logger.setLevel(Level.WARNING);
        return logger;
    }

    /** {@code "endpointslices.discovery.k8s.io"} becomes {@code [endpointslices, discovery.k8s.io]}; core resources have group "". */
    private static String[] parseResource(String resource) {
        int dot = resource.indexOf('.');
        return dot < 0
                ? new String[] {resource, ""}
                : new String[] {resource.substring(0, dot), resource.substring(dot + 1)};
    }

    @Override
    public String toString() {
        return "KubernetesApiServer[" + url() + ", namespace=" + namespace + "]";
    }
}
