package io.github.mooring.testkit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fabric8.mockwebserver.http.MockResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The API server's HTTP front for the application's plain HTTP requests: it serves {@linkplain HttpWatches watches over
 * plain HTTP} itself (streamed as a real API server does, which fabric8's mock server cannot) and passes every other
 * request on to the mock server unchanged. WebSocket upgrades never come here: the {@link TcpProxy} routes them to the
 * mock server directly.
 */
final class ApiFront implements AutoCloseable {

    /** Headers the JDK HttpClient sets itself (or that concern only one hop). */
    private static final Set<String> HOP_HEADERS = Set.of(
            "host",
            "connection",
            "content-length",
            "transfer-encoding",
            "expect",
            "upgrade",
            "http2-settings",
            "keep-alive",
            "te",
            "trailer",
            "date");

    private final URI backend;
    private final GuardedDispatcher dispatcher;
    private final HttpServer server;
    private final ExecutorService executor;
    private final HttpClient forward;

    ApiFront(int backendPort, GuardedDispatcher dispatcher) {
        this.backend = URI.create("http://127.0.0.1:" + backendPort);
        this.dispatcher = dispatcher;
        AtomicInteger threads = new AtomicInteger();
        // A thread per exchange: a watch holds its thread for as long as it streams.
        this.executor = Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, "mooring-testkit-apiserver-http-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        this.forward = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(5))
                .executor(executor)
                .build();
        try {
            this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on 127.0.0.1 for the API server's HTTP front", e);
        }
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    InetSocketAddress address() {
        return new InetSocketAddress(
                InetAddress.getLoopbackAddress(), server.getAddress().getPort());
    }

    private void handle(HttpExchange exchange) throws IOException {
        try {
            String method = exchange.getRequestMethod();
            String pathAndQuery = exchange.getRequestURI().getRawPath()
                    + (exchange.getRequestURI().getRawQuery() == null
                            ? ""
                            : "?" + exchange.getRequestURI().getRawQuery());
            if (method.equals("GET") && isWatch(exchange.getRequestURI().getRawQuery())) {
                MockResponse refusal = dispatcher.refusal(
                        method, pathAndQuery, exchange.getRequestHeaders().getFirst("Authorization"));
                if (refusal != null) {
                    send(exchange, refusal.code(), Map.of("Content-Type", List.of("application/json")), bytes(refusal));
                } else {
                    dispatcher.httpWatches().serve(exchange);
                }
                return;
            }
            passOn(exchange, method, pathAndQuery);
        } catch (IOException | RuntimeException e) {
            exchange.close();
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exchange.close();
        }
    }

    private void passOn(HttpExchange exchange, String method, String pathAndQuery)
            throws IOException, InterruptedException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        HttpRequest.Builder request = HttpRequest.newBuilder(backend.resolve(pathAndQuery))
                .timeout(Duration.ofSeconds(30))
                .method(
                        method,
                        body.length == 0
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofByteArray(body));
        exchange.getRequestHeaders().forEach((name, values) -> {
            if (!HOP_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                values.forEach(value -> request.header(name, value));
            }
        });
        HttpResponse<byte[]> response = forward.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        send(exchange, response.statusCode(), response.headers().map(), response.body());
    }

    private static void send(HttpExchange exchange, int code, Map<String, List<String>> headers, byte[] body)
            throws IOException {
        headers.forEach((name, values) -> {
            if (!HOP_HEADERS.contains(name.toLowerCase(Locale.ROOT)) && !name.startsWith(":")) {
                exchange.getResponseHeaders().put(name, values);
            }
        });
        boolean empty = body.length == 0 || code == 204 || code == 304;
        exchange.sendResponseHeaders(code, empty ? -1 : body.length);
        if (!empty) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
        exchange.close();
    }

    private static byte[] bytes(MockResponse response) {
        return response.getBody() == null ? new byte[0] : response.getBody().getBytes();
    }

    static boolean isWatch(String rawQuery) {
        return rawQuery != null && rawQuery.matches("(.*&)?watch=(true|1)(&.*)?");
    }

    @Override
    public void close() {
        dispatcher.httpWatches().close();
        server.stop(0);
        executor.shutdownNow();
    }
}
