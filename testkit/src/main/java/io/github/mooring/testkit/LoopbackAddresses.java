package io.github.mooring.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Hands out loopback addresses (127.b.c.d) for pods and Sentinels, like a cluster's pod network hands out
 * pod IPs: never the same one twice within a JVM. Each JVM starts in its own randomly chosen /16 so that
 * concurrent test JVMs do not collide, and every address is checked to be free on the port it will serve.
 */
final class LoopbackAddresses {

    private static final int FIRST_OCTET_B = 16;
    private static final int LAST_OCTET_B = 250;
    private static final Object LOCK = new Object();
    private static int b = FIRST_OCTET_B + ThreadLocalRandom.current().nextInt(LAST_OCTET_B - FIRST_OCTET_B + 1);
    private static int next = 1; // c * 256 + d, d in 1..254

    private LoopbackAddresses() {}

    /** The next unused loopback address on which {@code port} can be bound. */
    static String allocate(int port) {
        synchronized (LOCK) {
            for (int attempts = 0; attempts < 10_000; attempts++) {
                int c = next / 256;
                int d = next % 256;
                next++;
                if (d == 0 || d == 255) {
                    continue;
                }
                if (c > 255) {
                    b = b >= LAST_OCTET_B ? FIRST_OCTET_B : b + 1;
                    next = 1;
                    continue;
                }
                String ip = "127." + b + "." + c + "." + d;
                if (canBind(ip, port)) {
                    return ip;
                }
            }
            throw new IllegalStateException("no free loopback address found for port " + port);
        }
    }

    private static boolean canBind(String ip, int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(InetAddress.getByName(ip), port));
            return true;
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            return false;
        }
    }
}
