package io.github.mooring.testkit;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Volume;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.output.OutputFrame;
import org.testcontainers.utility.DockerImageName;

/**
 * A pod's container on Docker, started through Testcontainers: {@code redis-server <conf>} of the pod's image, on
 * the host's network (so it binds the pod's own loopback IP and no traffic leaves loopback), as the user who owns
 * the kit's work directory (so the host can read and delete what it writes), with the pod's directories mounted at
 * the same paths (so the config's paths hold inside). Labelled, and registered with the {@link ProcessReaper}: no
 * container outlives the JVM that started it.
 */
final class DockerContainer implements PodContainer {

    /** Every container the kit starts carries this label ({@code pod}). */
    static final String LABEL = "io.github.mooring.testkit";
    /** The pid of the JVM that started the container: what the watchdog removes when that JVM dies. */
    static final String JVM_LABEL = LABEL + ".jvm";

    static final String NAMESPACE_LABEL = LABEL + ".namespace";
    static final String POD_LABEL = LABEL + ".pod";

    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final GenericContainer<?> container;
    private final String id;
    private final long pid;
    private final Path logFile;
    private volatile boolean frozen;
    private volatile boolean gone;

    private DockerContainer(GenericContainer<?> container, long pid, Path logFile) {
        this.container = container;
        this.id = container.getContainerId();
        this.pid = pid;
        this.logFile = logFile;
    }

    /** Starts a container of {@code image} running {@code serverCommand} for {@code spec}; returns once it answers. */
    static DockerContainer start(String image, String serverCommand, ContainerSpec spec) {
        if (spec.hosts() != null) {
            throw new UnsupportedOperationException(
                    "announceHostnames runs on the process runtime only (" + spec.namespace() + "/" + spec.pod() + ")");
        }
        String user = owner(spec.configFile().getParent());
        List<Bind> binds = new ArrayList<>();
        // A bind mount, not a copy into the container: a PV is a host directory that outlives its containers.
        spec.writable().forEach(dir -> binds.add(sameInside(dir, AccessMode.rw)));
        spec.readOnly().forEach(dir -> binds.add(sameInside(dir, AccessMode.ro)));
        GenericContainer<?> container = new GenericContainer<>(DockerImageName.parse(image));
        container
                .withNetworkMode("host")
                .withLabels(Map.of(
                        LABEL,
                        "pod",
                        JVM_LABEL,
                        Long.toString(ProcessHandle.current().pid()),
                        NAMESPACE_LABEL,
                        spec.namespace(),
                        POD_LABEL,
                        spec.pod()))
                .withCommand(spec.configFile().toAbsolutePath().toString())
                .withLogConsumer(new AppendToFile(spec.logFile()))
                .withStartupAttempts(1)
                .withStartupTimeout(START_TIMEOUT)
                .withCreateContainerCmdModifier(cmd -> {
                    // The image's own entrypoint would drop to its redis user, who cannot write the host's
                    // directories: run the server directly, as the host user, like a chart's command does.
                    cmd.withName(name(spec)).withEntrypoint(serverCommand).withUser(user);
                    cmd.getHostConfig().withBinds(binds);
                });
        ProcessReaper.get().registerDockerHost(DockerEnvironment.dockerHost());
        try {
            container.start();
        } catch (RuntimeException e) {
            container.stop();
            throw new IllegalStateException(
                    "the container of " + spec.pod() + " (" + image + ") did not start: "
                            + DockerEnvironment.rootCause(e) + "; log " + spec.logFile() + ":\n"
                            + RedisProcess.tail(spec.logFile(), 20),
                    e);
        }
        long pid = container.getContainerInfo().getState().getPidLong();
        DockerContainer started = new DockerContainer(container, pid, spec.logFile());
        ProcessReaper.get().register(started);
        started.awaitAnswering(spec);
        return started;
    }

    @Override
    public String id() {
        return "docker://" + id;
    }

    @Override
    public long pid() {
        return pid;
    }

    @Override
    public boolean isAlive() {
        if (gone) {
            return false;
        }
        try {
            InspectContainerResponse.ContainerState state =
                    DockerEnvironment.client().inspectContainerCmd(id).exec().getState();
            return Boolean.TRUE.equals(state.getRunning());
        } catch (NotFoundException e) {
            return false;
        }
    }

    @Override
    public boolean isFrozen() {
        return frozen && !gone;
    }

    /** {@code docker kill} (SIGKILL, a paused container included), then removes the container. */
    @Override
    public void kill() {
        remove();
    }

    /** {@code docker stop}: SIGTERM, SIGKILL after the grace period (a paused container is unpaused for it). */
    @Override
    public void terminate(Duration gracePeriod) {
        if (!gone) {
            try {
                int seconds = (int) Math.max(1, (gracePeriod.toMillis() + 999) / 1000);
                DockerEnvironment.client()
                        .stopContainerCmd(id)
                        .withTimeout(seconds)
                        .exec();
            } catch (NotFoundException e) {
                // gone already
            }
            frozen = false;
        }
        remove();
    }

    /** {@code docker pause}: the cgroup freezer stops every process of the container. */
    @Override
    public void freeze() {
        DockerEnvironment.client().pauseContainerCmd(id).exec();
        frozen = true;
    }

    /** {@code docker unpause}. */
    @Override
    public void thaw() {
        if (frozen && !gone) {
            DockerEnvironment.client().unpauseContainerCmd(id).exec();
        }
        frozen = false;
    }

    /** Kills and removes the container (idempotent): what the pod, the namespace and the reaper's hook call. */
    void remove() {
        synchronized (this) {
            if (gone) {
                return;
            }
            gone = true;
            frozen = false;
        }
        try {
            container.stop();
        } finally {
            ProcessReaper.get().unregister(this);
        }
    }

    /** The Docker container's id. */
    String containerId() {
        return id;
    }

    private void awaitAnswering(ContainerSpec spec) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        IOException last = null;
        long nextAliveCheck = 0;
        while (System.nanoTime() < deadline) {
            try {
                Object reply = Resp.once(spec.ip(), spec.port(), Duration.ofMillis(500), spec.access(), "PING");
                if ("PONG".equals(reply) || String.valueOf(reply).startsWith("LOADING")) {
                    return;
                }
            } catch (IOException e) {
                last = e;
            }
            if (System.nanoTime() > nextAliveCheck) {
                if (!isAlive()) {
                    remove();
                    throw new IllegalStateException("the container of " + spec.pod() + " exited before it answered; "
                            + "log " + logFile + ":\n" + RedisProcess.tail(logFile, 20));
                }
                nextAliveCheck = System.nanoTime() + Duration.ofMillis(200).toNanos();
            }
            RedisProcess.pause(Duration.ofMillis(5));
        }
        remove();
        throw new IllegalStateException("the container of " + spec.pod() + " at " + spec.ip() + ":" + spec.port()
                + " did not answer within " + START_TIMEOUT + " (" + last + "); log " + logFile + ":\n"
                + RedisProcess.tail(logFile, 20));
    }

    /** As dockershim named a pod's containers: readable in {@code docker ps}, unique by the pod's UID. */
    private static String name(ContainerSpec spec) {
        String name =
                "mooring_redis_" + spec.pod() + "_" + spec.namespace() + "_" + spec.podUid() + "_" + spec.restart();
        return name.replaceAll("[^a-zA-Z0-9_.-]", "-");
    }

    private static Bind sameInside(Path dir, AccessMode mode) {
        String path = dir.toAbsolutePath().toString();
        return new Bind(path, new Volume(path), mode);
    }

    /** {@code uid:gid} of the directory's owner: the user the kit runs as. */
    private static String owner(Path dir) {
        try {
            return Files.getAttribute(dir, "unix:uid") + ":" + Files.getAttribute(dir, "unix:gid");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the owner of " + dir, e);
        }
    }

    @Override
    public String toString() {
        return id() + " (pid " + pid + ")";
    }

    /** {@code kubectl logs}: the container's output, appended to the pod's log file as it comes. */
    private record AppendToFile(Path file) implements Consumer<OutputFrame> {
        @Override
        public void accept(OutputFrame frame) {
            byte[] bytes = frame.getBytes();
            if (bytes == null || bytes.length == 0) {
                return;
            }
            try {
                Files.write(file, bytes, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                // the namespace's work directory is gone (closed): nothing left to log to
            }
        }
    }
}
