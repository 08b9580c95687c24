package io.github.mooring.benchmarks;

import io.github.mooring.testkit.RedisStatefulSet;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * HAProxy in front of a replication group, routing to the pod whose health check finds {@code role:master}, checked
 * every second, as the redis-ha Helm chart configures it (its {@code bk_redis_master} backend: {@code tcp-check send
 * info\ replication}, {@code expect string role:master}, {@code check inter 1s fall 1 rise 1}, its default timeouts,
 * no {@code on-marked-down shutdown-sessions}). The chart names each pod by a stable per-pod address; here each server
 * is the pod's stable DNS name, re-resolved every second from the cluster DNS ({@code resolvers}), so a replaced pod's
 * new IP is picked up. The chart's extra rule that also asks Sentinels to agree is left out: it needs each pod's IP
 * written into the config at start, which a replaced pod invalidates.
 */
final class Haproxy implements AutoCloseable {

    private final Process process;
    private final Map<String, Integer> ports;
    private final String version;

    private Haproxy(Process process, Map<String, Integer> ports, String version) {
        this.process = process;
        this.ports = ports;
        this.version = version;
    }

    /** {@code haproxy} on the PATH, if any. */
    static Optional<Path> binary() {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, "haproxy");
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** Starts one HAProxy process with a frontend per group (name to set), each on a free loopback port. */
    static Haproxy start(Path binary, Path workDir, InetSocketAddress dns, Map<String, RedisStatefulSet> groups) {
        Map<String, Integer> ports = new LinkedHashMap<>();
        for (String name : groups.keySet()) {
            ports.put(name, freePort());
        }
        List<String> config = new ArrayList<>(List.of(
                "global",
                "  maxconn 1024",
                "",
                "defaults REDIS",
                "  mode tcp",
                "  timeout connect 4s",
                "  timeout server 330s",
                "  timeout client 330s",
                "  timeout check 2s",
                "",
                "resolvers cluster",
                "  nameserver dns " + dns.getHostString() + ":" + dns.getPort(),
                "  resolve_retries 3",
                "  timeout resolve 1s",
                "  timeout retry 1s",
                "  hold valid 10s",
                ""));
        for (Map.Entry<String, RedisStatefulSet> group : groups.entrySet()) {
            String name = group.getKey();
            RedisStatefulSet set = group.getValue();
            config.addAll(List.of(
                    "frontend ft_" + name,
                    "  bind 127.0.0.1:" + ports.get(name),
                    "  use_backend bk_" + name,
                    "",
                    "backend bk_" + name,
                    "  mode tcp",
                    "  option tcp-check",
                    "  tcp-check connect",
                    "  tcp-check send PING\\r\\n",
                    "  tcp-check expect string +PONG",
                    "  tcp-check send info\\ replication\\r\\n",
                    "  tcp-check expect string role:master",
                    "  tcp-check send QUIT\\r\\n",
                    "  tcp-check expect string +OK"));
            for (int i = 0; i < set.pods().size(); i++) {
                config.add("  server R" + i + " " + set.podDnsName(i) + ":" + set.port()
                        + " resolvers cluster resolve-prefer ipv4 init-addr none check inter 1s fall 1 rise 1");
            }
            config.add("");
        }
        try {
            Files.createDirectories(workDir);
            Path file = workDir.resolve("haproxy.cfg");
            Files.write(file, config, StandardCharsets.UTF_8);
            Process check = new ProcessBuilder(binary.toString(), "-c", "-q", "-f", file.toString())
                    .redirectErrorStream(true)
                    .start();
            String checkOutput = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!check.waitFor(10, TimeUnit.SECONDS) || check.exitValue() != 0) {
                throw new IllegalStateException("haproxy rejected " + file + ":\n" + checkOutput);
            }
            Process process = new ProcessBuilder(binary.toString(), "-db", "-f", file.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(workDir.resolve("haproxy.log").toFile())
                    .start();
            Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
            Haproxy haproxy = new Haproxy(process, ports, version(binary));
            for (int port : ports.values()) {
                haproxy.awaitListening(port, Duration.ofSeconds(10));
            }
            return haproxy;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** {@code HAProxy version 2.6.12-1+deb12u4 ...} reduced to its number. */
    static String version(Path binary) {
        try {
            Process process = new ProcessBuilder(binary.toString(), "-v")
                    .redirectErrorStream(true)
                    .start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            process.waitFor(10, TimeUnit.SECONDS);
            String first = out.lines().findFirst().orElse("");
            String[] words = first.split("\\s+");
            return words.length >= 3 ? words[2] : first;
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    int port(String name) {
        return ports.get(name);
    }

    String version() {
        return version;
    }

    private void awaitListening(int port, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("haproxy exited with " + process.exitValue());
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("haproxy does not listen on 127.0.0.1:" + port, e);
                }
                Benchmark.pause(Duration.ofMillis(50));
            }
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
