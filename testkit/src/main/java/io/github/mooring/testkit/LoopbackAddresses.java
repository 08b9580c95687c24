package io.github.mooring.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Hands out loopback addresses for pods and Sentinels, like a cluster's pod network hands out pod IPs: never the
 * same one twice within a JVM. IPv4: 127.b.c.d, each JVM starting in its own randomly chosen /16 so that concurrent
 * test JVMs do not collide. IPv6: an address of {@code fd6d:6f6f:<random>::/64} per pod, added to {@code lo} (see
 * {@link IpFamily}) and removed by {@link #release}, at JVM exit, or by the watchdog after a SIGKILL. Every address is checked to be free on the port
 * it will serve.
 */
final class LoopbackAddresses {

    private static final int FIRST_OCTET_B = 16;
    private static final int LAST_OCTET_B = 250;
    /** A unique local prefix ("mo" "o"...): never routed beyond the machine, and /128 on lo reaches no network. */
    private static final String IPV6_PREFIX = "fd6d:6f6f:";

    private static final Object LOCK = new Object();
    private static int b = FIRST_OCTET_B + ThreadLocalRandom.current().nextInt(LAST_OCTET_B - FIRST_OCTET_B + 1);
    private static int next = 1; // c * 256 + d, d in 1..254
    // One /64 per JVM (two random groups), addresses counted up inside it.
    private static final String ipv6Subnet = IPV6_PREFIX
            + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000)) + ":"
            + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000)) + "::";
    private static long nextIpv6 = 1;
    private static final Set<String> addedIpv6 = new LinkedHashSet<>();
    private static Optional<String> ipv6Unavailable;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(LoopbackAddresses::releaseAll, "mooring-testkit-lo-cleanup"));
    }

    private LoopbackAddresses() {}

    /** The next unused IPv4 loopback address on which {@code port} can be bound. */
    static String allocate(int port) {
        return allocate(IpFamily.IPV4, port);
    }

    /** The next unused loopback address of {@code family} on which {@code port} can be bound. */
    static String allocate(IpFamily family, int port) {
        return family == IpFamily.IPV4 ? allocateIpv4(port) : allocateIpv6(port);
    }

    /** Gives back an address {@link #allocate} added to {@code lo} (IPv4 addresses need no release). */
    static void release(String ip) {
        synchronized (LOCK) {
            if (!addedIpv6.remove(ip)) {
                return;
            }
        }
        ip("del", ip);
        ProcessReaper.get().unregisterLoopback(ip);
    }

    /** Why this machine cannot give pods IPv6 loopback addresses, or empty when it can (checked once per JVM). */
    static Optional<String> ipv6UnavailableReason() {
        synchronized (LOCK) {
            if (ipv6Unavailable == null) {
                ipv6Unavailable = checkIpv6();
            }
            return ipv6Unavailable;
        }
    }

    private static Optional<String> checkIpv6() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getByName("::1"), 0));
        } catch (IOException e) {
            return Optional.of("this machine has no IPv6 loopback (binding [::1] failed: " + e.getMessage() + ")");
        }
        String probe = ipv6Subnet + "ffff";
        Optional<String> failure = ip("add", probe);
        if (failure.isPresent()) {
            return Optional.of("IPv6 pods need an address each on the lo interface, and `ip -6 addr add " + probe
                    + "/128 dev lo` failed here (it needs root or CAP_NET_ADMIN on Linux): " + failure.get());
        }
        boolean bindable = canBind(probe, 0);
        ip("del", probe);
        return bindable
                ? Optional.empty()
                : Optional.of("an IPv6 address added to lo (" + probe + ") could not be bound");
    }

    private static String allocateIpv4(int port) {
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

    private static String allocateIpv6(int port) {
        ipv6UnavailableReason().ifPresent(reason -> {
            throw new IllegalStateException(reason);
        });
        synchronized (LOCK) {
            for (int attempts = 0; attempts < 100; attempts++) {
                String ip = ipv6Subnet + Long.toHexString(nextIpv6++);
                Optional<String> failure = ip("add", ip);
                if (failure.isPresent()) {
                    continue; // another JVM's (same random /64, very unlikely): try the next
                }
                addedIpv6.add(ip);
                ProcessReaper.get().registerLoopback(ip);
                if (canBind(ip, port)) {
                    return ip;
                }
                release(ip);
            }
            throw new IllegalStateException("no free IPv6 loopback address found for port " + port);
        }
    }

    private static void releaseAll() {
        List<String> added;
        synchronized (LOCK) {
            added = new ArrayList<>(addedIpv6);
        }
        added.forEach(LoopbackAddresses::release);
    }

    /** Runs {@code ip -6 addr <verb> <ip>/128 dev lo}; empty when it succeeded, else what it printed. */
    private static Optional<String> ip(String verb, String ip) {
        List<String> command = new ArrayList<>(List.of("ip", "-6", "addr", verb, ip + "/128", "dev", "lo"));
        if (verb.equals("add")) {
            command.add("nodad"); // usable at once: no duplicate address detection
        }
        try {
            Process process =
                    new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return Optional.of("`ip` did not finish within 10 s");
            }
            return process.exitValue() == 0 ? Optional.empty() : Optional.of(output);
        } catch (IOException e) {
            return Optional.of("cannot run `ip`: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted");
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

    /** {@code ip:port}, an IPv6 address in brackets, as Kubernetes and Redis print them. */
    static String hostPort(String ip, int port) {
        return (ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + ":" + port;
    }
}
