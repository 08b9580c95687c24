package io.github.mooring.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A TCP proxy on a fixed loopback port in front of the mock API server. It gives the kit the faults a real
 * API server has that the mock cannot produce by itself: every connection (watch streams included) dropped at
 * once, and the server unreachable (connection refused) for a while, as during a restart.
 * <p>
 * Each request goes to the backend its head chooses ({@link Route}): WebSocket upgrades to the mock server, plain HTTP
 * to the {@link ApiFront} that streams HTTP watches.
 */
final class TcpProxy implements AutoCloseable {

    /**
     * Where a connection goes, and whether the backend's side of a dropped connection must stay open (and be drained)
     * until {@link #stop()}, which fabric8's mock server needs (see {@link #dropConnections()}).
     */
    record Route(InetSocketAddress backend, boolean keepOpenWhenDropped) {}

    private static final int MAX_HEAD = 64 * 1024;

    private final Function<String, Route> router;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    /** The clients' sides, and those of them dropped while their server side stays open. */
    private final Set<Socket> clients = ConcurrentHashMap.newKeySet();

    private final Set<Socket> dropped = ConcurrentHashMap.newKeySet();
    private final int port;
    private volatile ServerSocket listener;
    private Thread acceptor; // guarded by this

    /** @param router the route for a request, from its head (request line and headers) */
    TcpProxy(Function<String, Route> router) {
        this.router = router;
        this.listener = bind(0);
        this.port = listener.getLocalPort();
        this.acceptor = startAccepting(listener);
    }

    int port() {
        return port;
    }

    synchronized boolean isUp() {
        return listener != null;
    }

    /**
     * Closes every client's connection; new ones are accepted as before. The server's side of each stays open, read
     * and discarded, until {@link #stop()}: fabric8's mock server (8.0) blocks its only event loop for up to a minute
     * when a watch's connection closes while it sends that watch an event (its listener awaits, on the loop, a sender
     * that needs the loop; fabric8 #7857), and every later request of the test would time out. A client cannot tell
     * the difference: its connection is gone either way. Connections to a backend without that fault are closed at once.
     */
    void dropConnections() {
        for (Socket client : clients) {
            dropped.add(client);
            closeQuietly(client);
        }
    }

    /** Closes every connection, both sides. */
    private void closeConnections() {
        for (Socket socket : sockets) {
            closeQuietly(socket);
        }
    }

    /** Stops listening (clients get "connection refused") and drops every connection. */
    synchronized void stop() {
        if (listener != null) {
            closeQuietly(listener);
            listener = null;
            // A thread blocked in accept() keeps the kernel's listening socket alive, and the kernel keeps completing
            // handshakes, until that thread has left accept(): wait for it, or a client connecting right after
            // stop() returns is still served.
            try {
                acceptor.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            acceptor = null;
        }
        closeConnections();
    }

    /** Listens again on the same port. */
    synchronized void start() {
        if (listener == null) {
            listener = bind(port);
            acceptor = startAccepting(listener);
        }
    }

    @Override
    public void close() {
        stop();
    }

    private static ServerSocket bind(int port) {
        try {
            ServerSocket socket = new ServerSocket();
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return socket;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on 127.0.0.1:" + port, e);
        }
    }

    private Thread startAccepting(ServerSocket server) {
        Thread thread = new Thread(
                () -> {
                    while (!server.isClosed()) {
                        try {
                            Socket client = server.accept();
                            if (server.isClosed()) {
                                closeQuietly(client); // accepted while stop() was closing the listener
                                return;
                            }
                            Thread connector = new Thread(() -> connect(client), "mooring-testkit-apiserver-route");
                            connector.setDaemon(true);
                            connector.start();
                        } catch (IOException e) {
                            return; // listener closed
                        }
                    }
                },
                "mooring-testkit-apiserver-proxy");
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    /**
     * Serves one client connection. HTTP/1.1 clients reuse a connection for several requests (and the JDK's WebSocket
     * reuses a pooled one for its upgrade), so each request is routed by its own head: a new backend connection per
     * request, written head and body, its response pumped back. The JDK client never pipelines, so the previous
     * response is complete when the next request comes. A WebSocket upgrade (or a request body of unknown length)
     * turns the rest of the connection into a plain two-way pump.
     */
    private void connect(Socket client) {
        sockets.add(client); // so that stop() closes it while a head is read
        clients.add(client);
        Socket upstream = null;
        try {
            client.setTcpNoDelay(true);
            InputStream in = client.getInputStream();
            while (true) {
                byte[] head = readHead(in);
                if (head == null) {
                    break; // the client closed its connection between requests
                }
                String text = new String(head, StandardCharsets.ISO_8859_1);
                Route route = router.apply(text);
                if (upstream != null) {
                    retired.add(upstream); // idle: its response is complete
                    closeQuietly(upstream);
                    sockets.remove(upstream);
                }
                upstream = new Socket();
                upstream.setTcpNoDelay(true);
                upstream.connect(route.backend(), 5_000);
                sockets.add(upstream);
                if (!isUp()) {
                    break; // stopped meanwhile
                }
                upstream.getOutputStream().write(head);
                long length = contentLength(text);
                if (length < 0 || isWebSocketUpgrade(text)) {
                    upstream.getOutputStream().flush();
                    pump(client, upstream, client, route.keepOpenWhenDropped());
                    pump(upstream, client, client, route.keepOpenWhenDropped());
                    return;
                }
                copy(in, upstream.getOutputStream(), length);
                upstream.getOutputStream().flush();
                respond(upstream, client);
            }
        } catch (IOException e) {
            // the client or the backend went away, or dropConnections()/stop() closed them
        }
        if (upstream != null) {
            closeQuietly(upstream);
            sockets.remove(upstream);
        }
        closeQuietly(client);
        sockets.remove(client);
        clients.remove(client);
        dropped.remove(client);
    }

    /** Backend connections replaced by the client's next request: their end must not close the client. */
    private final Set<Socket> retired = ConcurrentHashMap.newKeySet();

    /** Pumps one backend connection's responses to the client; its end closes the client unless it was retired. */
    private void respond(Socket upstream, Socket client) {
        Thread thread = new Thread(
                () -> {
                    try {
                        forward(upstream, client);
                    } catch (IOException e) {
                        // either side went away
                    } finally {
                        if (!retired.remove(upstream)) {
                            closeQuietly(client); // the backend ended the connection: so does the client's
                        }
                        closeQuietly(upstream);
                        sockets.remove(upstream);
                    }
                },
                "mooring-testkit-apiserver-pump");
        thread.setDaemon(true);
        thread.start();
    }

    /** The request's {@code Content-Length} (0 without a body), or -1 for a body of unknown length (chunked). */
    static long contentLength(String head) {
        long length = 0;
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String name = line.substring(0, colon).trim();
            String value = line.substring(colon + 1).trim();
            if (name.equalsIgnoreCase("transfer-encoding")) {
                return -1;
            }
            if (name.equalsIgnoreCase("content-length")) {
                length = Long.parseLong(value);
            }
        }
        return length;
    }

    /** Copies exactly {@code length} bytes (a request body), never reading into the next request. */
    private static void copy(InputStream in, OutputStream out, long length) throws IOException {
        byte[] buffer = new byte[16 * 1024];
        long left = length;
        while (left > 0) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) {
                throw new IOException("the client closed its connection within a request body");
            }
            out.write(buffer, 0, n);
            left -= n;
        }
    }

    /** Reads up to the end of a request's headers; null if the client closed the connection before a request. */
    private static byte[] readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0; // of CR LF CR LF
        while (true) {
            if (head.size() >= MAX_HEAD) {
                throw new IOException("a request head longer than " + MAX_HEAD + " bytes");
            }
            int b = in.read();
            if (b < 0) {
                if (head.size() == 0) {
                    return null;
                }
                throw new IOException("the client closed its connection within a request head");
            }
            head.write(b);
            matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
            if (matched == 4) {
                return head.toByteArray();
            }
        }
    }

    /** Whether a request head asks for a WebSocket ({@code Upgrade: websocket}). */
    static boolean isWebSocketUpgrade(String head) {
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0
                    && line.substring(0, colon).trim().equalsIgnoreCase("upgrade")
                    && line.substring(colon + 1).trim().toLowerCase(Locale.ROOT).contains("websocket")) {
                return true;
            }
        }
        return false;
    }

    private void pump(Socket from, Socket to, Socket client, boolean keepOpenWhenDropped) {
        Thread thread = new Thread(
                () -> {
                    try {
                        forward(from, to);
                    } catch (SocketException e) {
                        // closed by dropConnections() or by a peer
                    } catch (IOException e) {
                        // the other side went away
                    } finally {
                        if (!keepOpenWhenDropped || !dropped.contains(client)) {
                            dropped.remove(client);
                            closeQuietly(from);
                            closeQuietly(to);
                            sockets.remove(from);
                            sockets.remove(to);
                            clients.remove(client);
                        } else if (from != client) {
                            // The server's side of a dropped client: read until the server or stop() closes it.
                            drain(from);
                            closeQuietly(from);
                            sockets.remove(from);
                            sockets.remove(client);
                            clients.remove(client);
                            dropped.remove(client);
                        }
                        // else: the dropped client's own pump; the server's side is left to the other pump
                    }
                },
                "mooring-testkit-apiserver-pump");
        thread.setDaemon(true);
        thread.start();
    }

    /** Copies until {@code from} ends. Not try-with-resources: closing a socket's stream closes the socket. */
    private static void forward(Socket from, Socket to) throws IOException {
        byte[] buffer = new byte[16 * 1024];
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        int n;
        while ((n = in.read(buffer)) >= 0) {
            out.write(buffer, 0, n);
            out.flush();
        }
    }

    private static void drain(Socket socket) {
        byte[] buffer = new byte[16 * 1024];
        try {
            InputStream in = socket.getInputStream();
            while (in.read(buffer) >= 0) {
                // discarded
            }
        } catch (IOException e) {
            // closed by stop(), or by the server
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception ignored) {
            // best effort
        }
    }
}
