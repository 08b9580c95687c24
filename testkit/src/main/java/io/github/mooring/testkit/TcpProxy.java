package io.github.mooring.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy on a fixed loopback port in front of the mock API server. It gives the kit the faults a real
 * API server has that the mock cannot produce by itself: every connection (watch streams included) dropped at
 * once, and the server unreachable (connection refused) for a while, as during a restart.
 */
final class TcpProxy implements AutoCloseable {

    private final InetSocketAddress backend;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    /** The clients' sides, and those of them dropped while their server side stays open. */
    private final Set<Socket> clients = ConcurrentHashMap.newKeySet();

    private final Set<Socket> dropped = ConcurrentHashMap.newKeySet();
    private final int port;
    private volatile ServerSocket listener;
    private Thread acceptor; // guarded by this

    TcpProxy(InetSocketAddress backend) {
        this.backend = backend;
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
     * the difference: its connection is gone either way.
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
                            connect(client);
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

    private void connect(Socket client) {
        Socket upstream = new Socket();
        try {
            upstream.setTcpNoDelay(true);
            client.setTcpNoDelay(true);
            upstream.connect(backend, 5_000);
        } catch (IOException e) {
            closeQuietly(client);
            closeQuietly(upstream);
            return;
        }
        sockets.add(client);
        sockets.add(upstream);
        clients.add(client);
        pump(client, upstream, client);
        pump(upstream, client, client);
    }

    private void pump(Socket from, Socket to, Socket client) {
        Thread thread = new Thread(
                () -> {
                    byte[] buffer = new byte[16 * 1024];
                    // Not try-with-resources: closing a socket's stream closes the socket, and the server's side
                    // of a dropped client must stay open.
                    try {
                        InputStream in = from.getInputStream();
                        OutputStream out = to.getOutputStream();
                        int n;
                        while ((n = in.read(buffer)) >= 0) {
                            out.write(buffer, 0, n);
                            out.flush();
                        }
                    } catch (SocketException e) {
                        // closed by dropConnections() or by a peer
                    } catch (IOException e) {
                        // the other side went away
                    } finally {
                        if (!dropped.contains(client)) {
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
