package io.github.mooring.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure no redis-server the kit started outlives the JVM that started it.
 * <ul>
 * <li>a normal exit, or an interrupted one that still runs shutdown hooks: a hook kills every live process;</li>
 * <li>a JVM killed with SIGKILL: a small watchdog shell process, started once per JVM, waits for the JVM's pid
 * to disappear and kills the pids listed in this JVM's pid file.</li>
 * </ul>
 */
final class ProcessReaper {

    private static final Logger log = LoggerFactory.getLogger(ProcessReaper.class);
    private static final ProcessReaper INSTANCE = new ProcessReaper();

    private final Set<Process> live = new LinkedHashSet<>();
    private Path pidFile;
    private boolean watchdogStarted;

    private ProcessReaper() {
        Runtime.getRuntime().addShutdownHook(new Thread(this::killAll, "mooring-testkit-reaper"));
    }

    static ProcessReaper get() {
        return INSTANCE;
    }

    synchronized void register(Process process) {
        startWatchdogOnce();
        live.add(process);
        writePidFile();
    }

    synchronized void unregister(Process process) {
        if (live.remove(process)) {
            writePidFile();
        }
    }

    synchronized List<Long> livePids() {
        return live.stream().filter(Process::isAlive).map(Process::pid).collect(Collectors.toList());
    }

    private void killAll() {
        List<Process> processes;
        synchronized (this) {
            processes = new ArrayList<>(live);
            live.clear();
        }
        for (Process process : processes) {
            process.destroyForcibly();
        }
        for (Process process : processes) {
            try {
                process.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void startWatchdogOnce() {
        if (watchdogStarted) {
            return;
        }
        watchdogStarted = true;
        try {
            Path dir = Paths.get(System.getProperty("java.io.tmpdir"), "mooring-testkit-pids");
            Files.createDirectories(dir);
            long jvm = ProcessHandle.current().pid();
            pidFile = dir.resolve(jvm + ".pids");
            Files.write(pidFile, new byte[0]);
            // Kills only processes that still look like redis-server, so a pid recycled by the OS is left alone.
            String script = "jvm=$1; file=$2\n"
                    + "while kill -0 \"$jvm\" 2>/dev/null; do sleep 1; done\n"
                    + "if [ -f \"$file\" ]; then\n"
                    + "  while read -r p; do\n"
                    + "    ps -p \"$p\" -o command= 2>/dev/null | grep -q redis && kill -9 \"$p\" 2>/dev/null\n"
                    + "  done < \"$file\"\n"
                    + "  rm -f \"$file\"\n"
                    + "fi\n";
            new ProcessBuilder("sh", "-c", script, "mooring-testkit-watchdog", Long.toString(jvm), pidFile.toString())
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
        } catch (IOException e) {
            // The shutdown hook still covers every exit but SIGKILL.
            log.warn("cannot start the process watchdog; pods survive only a SIGKILL of this JVM: {}", e.toString());
            pidFile = null;
        }
    }

    private void writePidFile() {
        if (pidFile == null) {
            return;
        }
        String pids = live.stream().map(p -> Long.toString(p.pid())).collect(Collectors.joining("\n", "", "\n"));
        try {
            Path temp = pidFile.resolveSibling(pidFile.getFileName() + ".tmp");
            Files.writeString(temp, pids, StandardCharsets.US_ASCII);
            Files.move(temp, pidFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + pidFile, e);
        }
    }
}
