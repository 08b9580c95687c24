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
 * Makes sure no redis-server the kit started, as a process or in a Docker container, outlives the JVM that started it.
 * <ul>
 * <li>a normal exit, or an interrupted one that still runs shutdown hooks: a hook kills every live process and
 * removes every container;</li>
 * <li>a JVM killed with SIGKILL: a small watchdog shell process, started once per JVM, waits for the JVM's pid
 * to disappear, kills the pids listed in this JVM's pid file and, where the JVM used Docker, removes every
 * container labelled with the JVM's pid ({@code docker rm -f}, with the Docker CLI), and removes the IPv6 addresses
 * the JVM added to {@code lo} for its pods ({@code ip -6 addr del}).</li>
 * </ul>
 */
final class ProcessReaper {

    private static final Logger log = LoggerFactory.getLogger(ProcessReaper.class);
    private static final ProcessReaper INSTANCE = new ProcessReaper();

    private final Set<Process> live = new LinkedHashSet<>();
    /** Docker containers (typed by their interface, so that this class loads without Testcontainers). */
    private final Set<PodContainer> containers = new LinkedHashSet<>();
    /** IPv6 addresses added to {@code lo} for pods and not removed yet: the watchdog removes them. */
    private final Set<String> loopbackAddresses = new LinkedHashSet<>();
    /** The Docker host the JVM's containers run on, once it started one: the watchdog removes them there. */
    private String dockerHost;

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

    /** An address was added to {@code lo}: removed by the watchdog should the JVM die without removing it. */
    synchronized void registerLoopback(String ip) {
        startWatchdogOnce();
        if (loopbackAddresses.add(ip)) {
            writePidFile();
        }
    }

    synchronized void unregisterLoopback(String ip) {
        if (loopbackAddresses.remove(ip)) {
            writePidFile();
        }
    }

    /** Called before a container is created: from then on, the watchdog looks for this JVM's containers. */
    synchronized void registerDockerHost(String host) {
        startWatchdogOnce();
        if (!host.equals(dockerHost)) {
            dockerHost = host;
            writePidFile();
        }
    }

    synchronized void register(PodContainer container) {
        containers.add(container);
    }

    synchronized void unregister(PodContainer container) {
        containers.remove(container);
    }

    synchronized List<Long> livePids() {
        return live.stream().filter(Process::isAlive).map(Process::pid).collect(Collectors.toList());
    }

    /** {@code docker://<id>} of every container not removed yet. */
    synchronized List<String> liveContainerIds() {
        return containers.stream().map(PodContainer::id).collect(Collectors.toList());
    }

    private void killAll() {
        List<Process> processes;
        List<PodContainer> docker;
        synchronized (this) {
            processes = new ArrayList<>(live);
            live.clear();
            docker = new ArrayList<>(containers);
        }
        for (PodContainer container : docker) {
            try {
                container.kill();
            } catch (RuntimeException e) {
                // the watchdog removes it by its label
            }
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
            // Kills only processes that still look like redis-server, so a pid recycled by the OS is left alone;
            // removes only containers labelled with this JVM's pid. The line "docker <host>" names the Docker host,
            // each
            // line "lo <ip>" an address added to lo.
            String script = "jvm=$1; file=$2; label=$3\n"
                    + "while kill -0 \"$jvm\" 2>/dev/null; do sleep 1; done\n"
                    + "if [ -f \"$file\" ]; then\n"
                    + "  host=\n"
                    + "  while read -r p h; do\n"
                    + "    if [ \"$p\" = docker ]; then host=$h; continue; fi\n"
                    + "    if [ \"$p\" = lo ]; then ip -6 addr del \"$h/128\" dev lo 2>/dev/null; continue; fi\n"
                    + "    ps -p \"$p\" -o command= 2>/dev/null | grep -q redis && kill -9 \"$p\" 2>/dev/null\n"
                    + "  done < \"$file\"\n"
                    + "  if [ -n \"$host\" ]; then\n"
                    + "    ids=$(DOCKER_HOST=$host docker ps -aq --filter \"label=$label=$jvm\" 2>/dev/null)\n"
                    + "    [ -n \"$ids\" ] && DOCKER_HOST=$host docker rm -f $ids >/dev/null 2>&1\n"
                    + "  fi\n"
                    + "  rm -f \"$file\"\n"
                    + "fi\n";
            new ProcessBuilder(
                            "sh",
                            "-c",
                            script,
                            "mooring-testkit-watchdog",
                            Long.toString(jvm),
                            pidFile.toString(),
                            DockerContainer.JVM_LABEL)
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
        String pids = live.stream().map(p -> Long.toString(p.pid())).collect(Collectors.joining("\n", "", "\n"))
                + (dockerHost == null ? "" : "docker " + dockerHost + "\n")
                + loopbackAddresses.stream().map(ip -> "lo " + ip + "\n").collect(Collectors.joining());
        try {
            Path temp = pidFile.resolveSibling(pidFile.getFileName() + ".tmp");
            Files.writeString(temp, pids, StandardCharsets.US_ASCII);
            Files.move(temp, pidFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + pidFile, e);
        }
    }
}
