package io.github.mooring.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

/** Whether processes still run, as the operating system sees it. */
final class Pids {

    private Pids() {}

    /** Whether {@code pid} is a running process (a zombie left for its new parent to reap does not run). */
    static boolean isRunning(long pid) {
        if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            return !isZombie(pid);
        }
        return false;
    }

    /** The pids of {@code pids} that still run. */
    static List<Long> running(List<Long> pids) {
        return pids.stream().filter(Pids::isRunning).toList();
    }

    /** Kills whichever of {@code pids} still runs a redis-server (cleanup after a failed test). */
    static void killRedisServers(List<Long> pids) {
        for (long pid : pids) {
            ProcessHandle.of(pid)
                    .filter(p ->
                            p.info().command().map(c -> c.contains("redis")).orElse(false))
                    .ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    private static boolean isZombie(long pid) {
        Path stat = Paths.get("/proc", Long.toString(pid), "stat");
        try {
            String line = Files.readString(stat);
            int end = line.lastIndexOf(')');
            return end > 0 && line.length() > end + 2 && line.charAt(end + 2) == 'Z';
        } catch (IOException e) {
            return false; // no /proc (macOS), or gone
        }
    }
}
