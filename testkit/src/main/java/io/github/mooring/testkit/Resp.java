package io.github.mooring.testkit;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A minimal blocking RESP2 client: the kit's readiness probe and its pod operations must not depend
 * on the client library under test, so they speak the protocol themselves.
 */
final class Resp implements AutoCloseable {

    /** An error reply ({@code -ERR ...}). */
    record Error(String message) {
        @Override
        public String toString() {
            return message;
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private Resp(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** How to reach a server: its credentials, and TLS (null for plain TCP). */
    record Access(Credentials credentials, SSLContext tls) {
        static final Access NONE = new Access(null, null);
    }

    static Resp connect(String host, int port, Duration timeout, Access access) throws IOException {
        Credentials credentials = access.credentials();
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
            socket.setSoTimeout((int) timeout.toMillis());
            if (access.tls() != null) {
                SSLSocket tls = (SSLSocket) access.tls().getSocketFactory().createSocket(socket, host, port, true);
                tls.setSoTimeout((int) timeout.toMillis());
                tls.startHandshake();
                socket = tls;
            }
            Resp resp = new Resp(socket);
            if (credentials != null) {
                Object reply = credentials.user() == null
                        ? resp.call("AUTH", credentials.password())
                        : resp.call("AUTH", credentials.user(), credentials.password());
                if (reply instanceof Error error) {
                    throw new IOException("AUTH failed at " + host + ":" + port + ": " + error.message());
                }
            }
            return resp;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** Connects, sends one command, reads its reply and closes. */
    static Object once(String host, int port, Duration timeout, Access access, String... command) throws IOException {
        try (Resp resp = connect(host, port, timeout, access)) {
            return resp.call(command);
        }
    }

    Object call(String... command) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        writeAscii(buf, "*" + command.length + "\r\n");
        for (String arg : command) {
            byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
            writeAscii(buf, "$" + bytes.length + "\r\n");
            buf.write(bytes);
            writeAscii(buf, "\r\n");
        }
        out.write(buf.toByteArray());
        out.flush();
        return read();
    }

    private Object read() throws IOException {
        int type = in.read();
        if (type < 0) {
            throw new EOFException("connection closed by " + socket.getRemoteSocketAddress());
        }
        String line = readLine();
        switch (type) {
            case '+':
                return line;
            case '-':
                return new Error(line);
            case ':':
                return Long.parseLong(line);
            case '$': {
                int length = Integer.parseInt(line);
                if (length < 0) {
                    return null;
                }
                byte[] data = in.readNBytes(length);
                if (data.length < length) {
                    throw new EOFException("truncated bulk reply");
                }
                readLine();
                return new String(data, StandardCharsets.UTF_8);
            }
            case '*': {
                int count = Integer.parseInt(line);
                if (count < 0) {
                    return null;
                }
                List<Object> items = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    items.add(read());
                }
                return items;
            }
            default:
                throw new IOException("unexpected RESP type '" + (char) type + "'");
        }
    }

    private String readLine() throws IOException {
        StringBuilder line = new StringBuilder();
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new EOFException("connection closed mid-reply");
            }
            if (c == '\r') {
                in.read(); // '\n'
                return line.toString();
            }
            line.append((char) c);
        }
    }

    private static void writeAscii(ByteArrayOutputStream buf, String s) {
        buf.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
