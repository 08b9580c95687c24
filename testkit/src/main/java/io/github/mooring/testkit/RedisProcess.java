package io.github.mooring.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** One running {@code redis-server} (a pod's container on the process runtime, or a Sentinel). */
final class RedisProcess implements PodContainer {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

    private final Process process;
    private final String host;
    private final int port;
    private final Path logFile;
    private volatile boolean frozen;

    private RedisProcess(Process process, String host, int port, Path logFile) {
        this.process = process;
        this.host = host;
        this.port = port;
        this.logFile = logFile;
    }

    /** Starts a pod's container as a process. */
    static RedisProcess start(ContainerSpec spec) {
        return start(spec.hosts(), spec.configFile(), spec.ip(), spec.port(), spec.logFile(), spec.access());
    }

    /**
     * Starts {@code redis-server configFile [extra args]} and returns once it answers PING
     * (or replies {@code -LOADING}: a container is "started" before its data is loaded).
     */
    static RedisProcess start(
            Path configFile, String host, int port, Path logFile, Resp.Access access, String... extraArgs) {
        return start(null, configFile, host, port, logFile, access, extraArgs);
    }

    /** As above, resolving names through {@code hosts} ({@link PodHosts}), or the machine's when null. */
    static RedisProcess start(
            PodHosts hosts,
            Path configFile,
            String host,
            int port,
            Path logFile,
            Resp.Access access,
            String... extraArgs) {
        Path binary = RedisServerBinary.get().path();
        List<String> command = new ArrayList<>(List.of(binary.toString(), configFile.toString()));
        command.addAll(List.of(extraArgs));
        if (hosts != null) {
            command = hosts.wrap(command);
        }
        Process process;
        try {
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + binary, e);
        }
        ProcessReaper.get().register(process);
        RedisProcess redis = new RedisProcess(process, host, port, logFile);
        redis.awaitStarted(access);
        return redis;
    }

    private void awaitStarted(Resp.Access access) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        IOException last = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                ProcessReaper.get().unregister(process);
                throw new IllegalStateException("redis-server for " + host + ":" + port + " exited with code "
                        + process.exitValue() + "; log " + logFile + ":\n" + tail(logFile, 20));
            }
            try {
                Object reply = Resp.once(host, port, Duration.ofMillis(500), access, "PING");
                if ("PONG".equals(reply) || String.valueOf(reply).startsWith("LOADING")) {
                    return;
                }
            } catch (IOException e) {
                last = e;
            }
            pause(Duration.ofMillis(5));
        }
        kill();
        throw new IllegalStateException("redis-server at " + host + ":" + port + " did not answer within "
                + START_TIMEOUT + " (" + last + "); log " + logFile + ":\n" + tail(logFile, 20));
    }

    @Override
    public String id() {
        return "process://" + process.pid();
    }

    @Override
    public long pid() {
        return process.pid();
    }

    @Override
    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public boolean isFrozen() {
        return frozen && process.isAlive();
    }

    /** SIGKILL: the container dies with no chance to save or say goodbye. */
    @Override
    public void kill() {
        process.destroyForcibly();
        awaitExit(Duration.ofSeconds(10));
    }

    /** SIGTERM, as the kubelet sends on a graceful delete; SIGKILL after the grace period. */
    @Override
    public void terminate(Duration gracePeriod) {
        process.destroy();
        if (frozen) {
            signal("CONT"); // a stopped process only acts on SIGTERM once it runs again
            frozen = false;
        }
        if (!awaitExit(gracePeriod)) {
            kill();
        }
    }

    /** SIGSTOP: the process keeps its sockets open but answers nothing (a frozen node, a GC pause, a hung VM). */
    @Override
    public void freeze() {
        signal("STOP");
        frozen = true;
    }

    /** SIGCONT. */
    @Override
    public void thaw() {
        signal("CONT");
        frozen = false;
    }

    private void signal(String name) {
        if (!process.isAlive()) {
            return;
        }
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
                    .redirectErrorStream(true)
                    .start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while sending SIG" + name, e);
        }
    }

    private boolean awaitExit(Duration timeout) {
        try {
            boolean exited = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (exited) {
                ProcessReaper.get().unregister(process);
            }
            return exited;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            return false;
        }
    }

    static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
