package io.github.mooring.testkit;

import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Assumptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What runs a pod's container, as a node's container runtime does on Kubernetes.
 * <ul>
 * <li>{@link #processes()} (the default): a {@code redis-server} process of this machine (on the PATH when at least
 * 6.2, else the one inside {@code embedded-redis}). Nothing but Java needed.</li>
 * <li>{@link #containers(String)}: a Docker container of the image a team deploys ({@code redis:7.2},
 * {@code valkey/valkey:8}, a chart's image), started through Testcontainers. Needs Docker on Linux and
 * {@code org.testcontainers:testcontainers} on the test classpath.</li>
 * </ul>
 * Both behave alike: each pod binds its own loopback IP ({@code --network host}, so no traffic leaves loopback), a
 * replacement is a new container on a new IP, a container restart a new container on the same IP, a freeze a
 * SIGSTOP or {@code docker pause}, a kill SIGKILL, a graceful delete SIGTERM and SIGKILL after the grace period,
 * and a PV a host directory mounted as the data directory.
 *
 * <pre>{@code
 * RedisStatefulSet redis = ns.redis("redis").runtime(PodRuntime.containers("redis:7.2")).start();
 * }</pre>
 *
 * Where containers cannot run (no Docker, the image neither present nor pullable), starting a StatefulSet on them
 * aborts the calling test, so JUnit reports it skipped with the reason. A skipped test proves nothing: in CI set
 * {@value #CONTAINERS_REQUIRED_PROPERTY}{@code =true} (or the environment variable
 * {@code MOORING_TESTKIT_CONTAINERS_REQUIRED=true}) and it fails instead.
 */
public final class PodRuntime {

    /** When true, a StatefulSet whose container pods cannot run fails its test instead of skipping it. */
    public static final String CONTAINERS_REQUIRED_PROPERTY = "mooring.testkit.containers.required";

    private static final String CONTAINERS_REQUIRED_ENV = "MOORING_TESTKIT_CONTAINERS_REQUIRED";
    private static final Logger log = LoggerFactory.getLogger(PodRuntime.class);
    private static final Set<String> REPORTED = ConcurrentHashMap.newKeySet();
    private static final String DEFAULT_SERVER_COMMAND = "redis-server";
    private static final PodRuntime PROCESSES = new PodRuntime(null, DEFAULT_SERVER_COMMAND);

    /** The image, or null for processes. */
    private final String image;

    private final String serverCommand;

    private PodRuntime(String image, String serverCommand) {
        this.image = image;
        this.serverCommand = serverCommand;
    }

    /** Pods as {@code redis-server} processes of this machine (the default). */
    public static PodRuntime processes() {
        return PROCESSES;
    }

    /**
     * Pods as Docker containers of {@code image}, run with the image's {@code redis-server} and the kit's
     * {@code redis.conf} (the image's entrypoint is not used); Testcontainers' configuration applies (Docker host,
     * image name substitution, registry credentials).
     *
     * @throws IllegalStateException when Testcontainers is not on the classpath
     */
    public static PodRuntime containers(String image) {
        Objects.requireNonNull(image, "image");
        if (image.isBlank() || image.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("not an image name: '" + image + "'");
        }
        if (!testcontainersPresent()) {
            throw new IllegalStateException("container pods need org.testcontainers:testcontainers (2.0.x) on the "
                    + "test classpath: add it as a test dependency to run pods as containers of " + image);
        }
        return new PodRuntime(image, DEFAULT_SERVER_COMMAND);
    }

    /**
     * The same containers, run with another server executable on the image's PATH (default {@code redis-server}),
     * e.g. {@code valkey-server} for an image that has no {@code redis-server}.
     */
    public PodRuntime withServerCommand(String executable) {
        if (image == null) {
            throw new IllegalStateException("processes run the machine's redis-server; a server command is for images");
        }
        Objects.requireNonNull(executable, "executable");
        if (executable.isBlank() || executable.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("not an executable's name: '" + executable + "'");
        }
        return new PodRuntime(image, executable);
    }

    /** The image pods run, or empty for processes. */
    public Optional<String> image() {
        return Optional.ofNullable(image);
    }

    /** The executable a container runs ({@code redis-server} unless {@linkplain #withServerCommand changed}). */
    public String serverCommand() {
        return serverCommand;
    }

    /**
     * Why pods of this runtime cannot start on this machine, or empty when they can: no Docker daemon, not Linux,
     * the image neither present nor pullable. Checked once per JVM and image.
     */
    public Optional<String> unavailableReason() {
        return image == null ? Optional.empty() : DockerEnvironment.unavailableReason(image);
    }

    // ---------------------------------------------------------------- package-private

    /** Starts one container and returns once it answers. */
    PodContainer start(ContainerSpec spec) {
        return image == null ? RedisProcess.start(spec) : DockerContainer.start(image, serverCommand, spec);
    }

    /**
     * Aborts the calling test (JUnit reports it skipped, with the reason) when pods of this runtime cannot start
     * here, or fails it where {@value #CONTAINERS_REQUIRED_PROPERTY} is set.
     */
    void requireAvailable(String what) {
        Optional<String> reason = unavailableReason();
        if (reason.isEmpty()) {
            return;
        }
        String message = what + " cannot run as containers of " + image + ": " + reason.get();
        if (containersRequired()) {
            throw new IllegalStateException(message + " (" + CONTAINERS_REQUIRED_PROPERTY
                    + " is set: container pods must run on this machine)");
        }
        if (REPORTED.add(reason.get())) {
            // Once: a skip is no pass, and the console should say why the tests on containers did not run.
            log.warn("tests with pods as containers of {} are skipped: {}", image, reason.get());
        }
        Assumptions.abort(message);
    }

    /** By name, so that this class loads without Testcontainers (an optional dependency of the kit). */
    private static boolean testcontainersPresent() {
        try {
            Class.forName("org.testcontainers.DockerClientFactory", false, PodRuntime.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    private static boolean containersRequired() {
        String value = System.getProperty(CONTAINERS_REQUIRED_PROPERTY, System.getenv(CONTAINERS_REQUIRED_ENV));
        return Boolean.parseBoolean(value);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof PodRuntime runtime
                && Objects.equals(image, runtime.image)
                && serverCommand.equals(runtime.serverCommand);
    }

    @Override
    public int hashCode() {
        return Objects.hash(image, serverCommand);
    }

    /** {@code processes} or {@code containers of <image>}: reads well in a parameterized test's name. */
    @Override
    public String toString() {
        if (image == null) {
            return "processes";
        }
        String command = serverCommand.equals(DEFAULT_SERVER_COMMAND) ? "" : " (" + serverCommand + ")";
        return "containers of " + image + command;
    }
}
