package io.github.mooring.internal.kubernetes;

import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientImpl;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * fabric8's JDK HTTP client factory for one of Mooring's own clients, with threads that say whose they are: the JDK
 * HttpClient's executor runs on {@code mooring-kubernetes-<id>-<n>} daemon threads (fabric8's default names
 * them after its factory, whoever the client is), which end when idle, never shut down at close (see
 * {@link #closeHttpClient}); and the JDK's selector thread, which no setting names, is known by the name the JDK gives it,
 * {@code HttpClient-<id>-SelectorManager}, where {@code <id>} ends the JDK client's {@code toString()} (the JDK's own
 * tests rely on that form). {@code SharedKubernetesClientIT} fails if either name is not what it says.
 */
final class MooringHttpClients extends JdkHttpClientFactory {

    private static final Pattern JDK_CLIENT_ID = Pattern.compile("\\((\\d+)\\)$");

    private final AtomicInteger workers = new AtomicInteger();
    private final ExecutorService executor = Executors.newCachedThreadPool(this::worker);
    private volatile String id = "new";

    /** The JDK's selector thread of the client built, or of a client not built yet. */
    String selectorThread() {
        return "HttpClient-" + id + "-SelectorManager";
    }

    String workerPrefix() {
        return "mooring-kubernetes-" + id;
    }

    private Thread worker(Runnable task) {
        Thread thread = new Thread(task, workerPrefix() + "-" + workers.incrementAndGet());
        thread.setDaemon(true);
        return thread;
    }

    @Override
    protected HttpClient.Builder createNewHttpClientBuilder() {
        return new Recording(HttpClient.newBuilder().executor(executor));
    }

    @Override
    protected void closeHttpClient(JdkHttpClientImpl client) {
        // Not shut down, unlike fabric8's own executor. Seen: a watch whose response came after the close (the
        // informer stopped while its watch request was in flight) is closed by a callback on this executor (fabric8
        // 8.0's Reflector.stopWatcher); shut down, that callback never ran, the stream stayed open and held the JDK
        // client's selector thread and the MooringClient (1 of 40 clients opened and closed at once; 0 of 80 without
        // the shutdown). Idle threads end after 60 s, as the JDK's default executor's do.
    }

    private void built(HttpClient client) {
        Matcher matcher = JDK_CLIENT_ID.matcher(client.toString());
        if (matcher.find()) {
            id = matcher.group(1);
        }
    }

    /** The JDK builder, learning the id of the client it builds. */
    private final class Recording implements HttpClient.Builder {
        private final HttpClient.Builder builder;

        Recording(HttpClient.Builder builder) {
            this.builder = builder;
        }

        @Override
        public HttpClient build() {
            HttpClient client = builder.build();
            built(client);
            return client;
        }

        @Override
        public HttpClient.Builder cookieHandler(CookieHandler handler) {
            builder.cookieHandler(handler);
            return this;
        }

        @Override
        public HttpClient.Builder connectTimeout(Duration duration) {
            builder.connectTimeout(duration);
            return this;
        }

        @Override
        public HttpClient.Builder sslContext(SSLContext context) {
            builder.sslContext(context);
            return this;
        }

        @Override
        public HttpClient.Builder sslParameters(SSLParameters parameters) {
            builder.sslParameters(parameters);
            return this;
        }

        @Override
        public HttpClient.Builder executor(Executor replacement) {
            builder.executor(replacement);
            return this;
        }

        @Override
        public HttpClient.Builder followRedirects(HttpClient.Redirect policy) {
            builder.followRedirects(policy);
            return this;
        }

        @Override
        public HttpClient.Builder version(HttpClient.Version version) {
            builder.version(version);
            return this;
        }

        @Override
        public HttpClient.Builder priority(int priority) {
            builder.priority(priority);
            return this;
        }

        @Override
        public HttpClient.Builder proxy(ProxySelector selector) {
            builder.proxy(selector);
            return this;
        }

        @Override
        public HttpClient.Builder authenticator(Authenticator authenticator) {
            builder.authenticator(authenticator);
            return this;
        }
    }
}
