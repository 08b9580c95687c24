package io.github.mooring.internal.kubernetes;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mooring's own Kubernetes clients (built from a configuration or the environment, never the application's): one per
 * API configuration per JVM, shared by every user of that configuration (the discovery watches, the healer's Lease) and
 * closed by the last to give it back. A fabric8 client is a JDK HttpClient with its selector thread, connection pool
 * and executor, plus Jackson's introspection: the users of one JVM pay them once.
 * <p>
 * The clients watch over plain HTTP, not fabric8's default WebSocket: on Java 17 a closed WebSocket watch keeps the
 * JDK HttpClient, its selector thread and everything the watch's listener reaches (the whole MooringClient) alive
 * until the server ends the close handshake, which may be never; a plain HTTP watch is gone when its stream is
 * cancelled ({@code SharedKubernetesClientIT}). Their threads say whose they are ({@link MooringHttpClients}).
 */
public final class OwnKubernetesClients {

    private static final Logger log = LoggerFactory.getLogger(OwnKubernetesClients.class);

    /** The clients by API configuration, with how many handles use each; guarded by itself. */
    private static final Map<ConfigKey, Shared> OPEN = new HashMap<>();

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private OwnKubernetesClients() {}

    /**
     * A handle on the client for {@code config} (the environment's when null): the one already open for an equal
     * configuration, else a new one. {@link Handle#close()} gives it back; the last to give it back closes it.
     */
    public static Handle acquire(Config config) {
        Config effective = config != null ? config : Config.autoConfigure(null);
        ConfigKey key = ConfigKey.of(effective);
        synchronized (OPEN) {
            Shared shared = OPEN.computeIfAbsent(key, k -> open(effective));
            shared.users++;
            return new Handle(key, shared);
        }
    }

    /** How many of Mooring's own clients are open in this JVM. */
    public static int openClients() {
        synchronized (OPEN) {
            return OPEN.size();
        }
    }

    /**
     * The selector threads of the JDK HttpClients under the clients open now (one each, named by the JDK), for a test
     * or a thread dump to tell Mooring's from others'.
     */
    public static List<String> selectorThreads() {
        synchronized (OPEN) {
            return OPEN.values().stream().map(s -> s.threads.selectorThread()).toList();
        }
    }

    private static Shared open(Config config) {
        MooringHttpClients threads = new MooringHttpClients();
        KubernetesClient client = new KubernetesClientBuilder()
                .withHttpClientFactory(threads)
                .withConfig(new ConfigBuilder(config).withOnlyHttpWatches(true).build())
                .build();
        log.debug(
                "opened Mooring's Kubernetes client for {} (threads {} and {}-*)",
                client.getConfiguration().getMasterUrl(),
                threads.selectorThread(),
                threads.workerPrefix());
        return new Shared(client, threads);
    }

    /** One user's hold on a shared client: {@link #close()} gives it back, once. */
    public static final class Handle implements AutoCloseable {
        private final ConfigKey key;
        private final Shared shared;
        private final AtomicBoolean released = new AtomicBoolean();

        private Handle(ConfigKey key, Shared shared) {
            this.key = key;
            this.shared = shared;
        }

        public KubernetesClient client() {
            return shared.client;
        }

        /** Another hold on the same client, given back by its own {@link #close()}. */
        public Handle another() {
            synchronized (OPEN) {
                if (released.get() || OPEN.get(key) != shared) {
                    throw new IllegalStateException("Mooring's Kubernetes client for "
                            + shared.client.getConfiguration().getMasterUrl() + " is closed");
                }
                shared.users++;
                return new Handle(key, shared);
            }
        }

        @Override
        public void close() {
            if (!released.compareAndSet(false, true)) {
                return;
            }
            boolean last;
            synchronized (OPEN) {
                last = --shared.users == 0;
                if (last) {
                    OPEN.remove(key, shared);
                }
            }
            if (last) {
                shared.client.close();
            }
        }
    }

    /** A client and the number of handles on it. */
    private static final class Shared {
        final KubernetesClient client;
        final MooringHttpClients threads;
        int users;

        Shared(KubernetesClient client, MooringHttpClients threads) {
            this.client = client;
            this.threads = threads;
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
}
