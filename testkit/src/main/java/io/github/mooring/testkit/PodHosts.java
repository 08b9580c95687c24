package io.github.mooring.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/**
 * The pods' host names as cluster DNS would answer them ({@code redis-1.redis.<ns>.svc.cluster.local}), for
 * redis-server and Sentinel processes, which look names up through the system's resolver: a hosts file of the
 * namespace's own (this machine's {@code /etc/hosts} plus one line per pod), which a process started {@link #wrap
 * wrapped} sees as {@code /etc/hosts} in a private mount namespace. Nothing outside those processes changes: not the
 * machine's {@code /etc/hosts}, not the test's JVM (which therefore cannot resolve the names: what Mooring makes of them
 * it must make without a resolver). The file is rewritten in place, so the bind mounts see every change; it lives in the
 * namespace's work directory and goes with it.
 */
final class PodHosts {

    private static final String HOSTNAMES_REQUIRED_ENV = "MOORING_TESTKIT_HOSTNAMES_REQUIRED";

    private final Path file;
    private final List<String> base;
    private final Map<String, String> ips = new LinkedHashMap<>();

    PodHosts(Path file) {
        this.file = file;
        try {
            this.base = Files.readAllLines(Path.of("/etc/hosts"));
            write();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + file, e);
        }
    }

    /** Whether this machine can give a process a private {@code /etc/hosts} (Linux, root, {@code unshare}). */
    static String unavailableReason() {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            return "not Linux";
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            return "a private mount namespace needs root";
        }
        if (!Files.isExecutable(Path.of("/usr/bin/unshare"))) {
            return "no /usr/bin/unshare";
        }
        return null;
    }

    /**
     * Aborts the calling test (JUnit reports it skipped, with the reason) when {@code unavailableReason} is not null,
     * or fails it where {@value RedisStatefulSet#HOSTNAMES_REQUIRED_PROPERTY} is set.
     */
    static void requireAvailable(String unavailableReason) {
        if (unavailableReason == null) {
            return;
        }
        String message = "pods cannot announce host names here: " + unavailableReason;
        String required =
                System.getProperty(RedisStatefulSet.HOSTNAMES_REQUIRED_PROPERTY, System.getenv(HOSTNAMES_REQUIRED_ENV));
        if (Boolean.parseBoolean(required)) {
            throw new IllegalStateException(message + " (" + RedisStatefulSet.HOSTNAMES_REQUIRED_PROPERTY + " is set)");
        }
        Assumptions.abort(message);
    }

    /** Points {@code name} at {@code ip} (a pod's new IP replaces its old one). */
    synchronized void put(String name, String ip) {
        if (!ip.equals(ips.put(name, ip))) {
            write();
        }
    }

    /** {@code command} run with this file as its {@code /etc/hosts}: the process keeps the command's PID (exec). */
    List<String> wrap(List<String> command) {
        List<String> wrapped = new ArrayList<>(List.of(
                "/usr/bin/unshare",
                "--mount",
                "/bin/sh",
                "-c",
                "mount --bind \"$0\" /etc/hosts && exec \"$@\"",
                file.toAbsolutePath().toString()));
        wrapped.addAll(command);
        return wrapped;
    }

    private void write() {
        List<String> lines = new ArrayList<>(base);
        lines.add("# pods of the simulated namespace");
        ips.forEach((name, ip) -> lines.add(ip + " " + name));
        try {
            // In place (same inode): a bind mount keeps showing the file it was made from.
            Files.write(
                    file,
                    lines,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
