package io.github.mooring.testkit;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.PullResponseItem;
import java.io.Closeable;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.ImageNameSubstitutor;

/**
 * Whether container pods can run here: Docker on Linux that Testcontainers reaches, and the image present or
 * pullable. Each answer is found once per JVM (per image for the image), as Testcontainers caches its client.
 */
final class DockerEnvironment {

    /** How long one pull of a missing image may take before the image counts as unavailable. */
    private static final long PULL_TIMEOUT_MINUTES = 10;

    private static final Map<String, Optional<String>> IMAGES = new ConcurrentHashMap<>();
    private static Optional<String> daemon;

    private DockerEnvironment() {}

    /** Why containers of {@code image} cannot run here, or empty when they can. */
    static Optional<String> unavailableReason(String image) {
        Optional<String> noDaemon = daemonUnavailableReason();
        if (noDaemon.isPresent()) {
            return noDaemon;
        }
        return IMAGES.computeIfAbsent(image, DockerEnvironment::imageUnavailableReason);
    }

    /** The client Testcontainers configured (Docker host, API version, registry credentials). */
    static DockerClient client() {
        return DockerClientFactory.instance().client();
    }

    /** The Docker host Testcontainers talks to, as the {@code docker} CLI takes it in {@code DOCKER_HOST}. */
    static String dockerHost() {
        return DockerClientFactory.instance()
                .getTransportConfig()
                .getDockerHost()
                .toString();
    }

    private static synchronized Optional<String> daemonUnavailableReason() {
        if (daemon == null) {
            daemon = checkDaemon();
        }
        return daemon;
    }

    private static Optional<String> checkDaemon() {
        String os = System.getProperty("os.name");
        if (!os.toLowerCase(Locale.ROOT).contains("linux")) {
            return Optional.of("container pods share the host's network (--network host) to bind their own loopback "
                    + "addresses, which only Docker on Linux offers; this is " + os);
        }
        Optional<String> nothing = nothingLooksLikeDocker();
        if (nothing.isPresent()) {
            return nothing;
        }
        try {
            client();
            return Optional.empty();
        } catch (RuntimeException e) {
            boolean ryuk = !Boolean.parseBoolean(System.getenv("TESTCONTAINERS_RYUK_DISABLED"));
            return Optional.of("Testcontainers found no working Docker environment: " + rootCause(e)
                    + (ryuk
                            ? " (where no registry is reachable, Testcontainers' Ryuk image cannot be pulled: set "
                                    + "TESTCONTAINERS_RYUK_DISABLED=true for the test JVM; the kit removes its containers "
                                    + "itself)"
                            : ""));
        }
    }

    /**
     * A quick answer where there is plainly no Docker (no {@code DOCKER_HOST}, no Docker host configured for
     * Testcontainers, no socket where a daemon puts one), so that such machines skip quietly instead of through
     * Testcontainers' error log; anything that may be Docker is left to Testcontainers to judge.
     */
    private static Optional<String> nothingLooksLikeDocker() {
        Path home = Paths.get(System.getProperty("user.home"));
        Properties testcontainers = new Properties();
        try (Reader in = Files.newBufferedReader(home.resolve(".testcontainers.properties"))) {
            testcontainers.load(in);
        } catch (IOException e) {
            // none: nothing configured there
        }
        return nothingLooksLikeDocker(
                System.getenv(), System.getProperty("docker.host"), testcontainers, home, Files::exists);
    }

    /**
     * The judgement above, from what it reads: {@code ~/.testcontainers.properties} counts only where it names a
     * Docker host ({@code docker.host}, {@code tc.host}); Testcontainers writes the strategy it found there itself.
     */
    static Optional<String> nothingLooksLikeDocker(
            Map<String, String> env,
            String dockerHostProperty,
            Properties testcontainers,
            Path home,
            Predicate<Path> exists) {
        if (env.get("DOCKER_HOST") != null
                || dockerHostProperty != null
                || env.get("TESTCONTAINERS_HOST") != null
                || env.get("TESTCONTAINERS_DOCKER_CLIENT_STRATEGY") != null
                || testcontainers.getProperty("docker.host") != null
                || testcontainers.getProperty("tc.host") != null) {
            return Optional.empty();
        }
        List<Path> sockets = new ArrayList<>(List.of(
                Paths.get("/var/run/docker.sock"),
                home.resolve(".docker/run/docker.sock"),
                home.resolve(".docker/desktop/docker.sock")));
        String runtimeDir = env.get("XDG_RUNTIME_DIR");
        if (runtimeDir != null) {
            sockets.add(Paths.get(runtimeDir, "docker.sock"));
        }
        if (sockets.stream().anyMatch(exists)) {
            return Optional.empty();
        }
        return Optional.of("no Docker daemon: DOCKER_HOST is not set and there is no socket at " + sockets);
    }

    private static Optional<String> imageUnavailableReason(String image) {
        // As GenericContainer will: with the configured substitution (a registry mirror, a prefix) applied.
        DockerImageName name = ImageNameSubstitutor.instance().apply(DockerImageName.parse(image));
        DockerClient client = client();
        try {
            client.inspectImageCmd(name.asCanonicalNameString()).exec();
            return Optional.empty();
        } catch (NotFoundException e) {
            // not here: pull it once, as the tests would
        }
        try (Pull pull = client.pullImageCmd(name.getUnversionedPart())
                .withTag(name.getVersionPart())
                .exec(new Pull())) {
            // One attempt: Testcontainers would retry a failing pull for two minutes in every test.
            if (!pull.done.await(PULL_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                return Optional.of("image " + name + " is not on the Docker host and did not pull within "
                        + PULL_TIMEOUT_MINUTES + " minutes");
            }
            if (pull.error != null) {
                throw pull.error;
            }
            client.inspectImageCmd(name.asCanonicalNameString()).exec();
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted while pulling " + name);
        } catch (RuntimeException | IOException e) {
            return Optional.of("image " + name + " is not on the Docker host and cannot be pulled (" + rootCause(e)
                    + "): pull or build it before the tests");
        }
    }

    /**
     * The outcome of one pull. docker-java's own callbacks log a failed pull at ERROR; here it is the reason the
     * tests are skipped, and reported as that.
     */
    private static final class Pull implements ResultCallback<PullResponseItem> {
        final CountDownLatch done = new CountDownLatch(1);
        volatile RuntimeException error;
        private volatile Closeable stream;

        @Override
        public void onStart(Closeable stream) {
            this.stream = stream;
        }

        @Override
        public void onNext(PullResponseItem item) {
            if (item.getErrorDetail() != null) {
                error = new IllegalStateException(item.getErrorDetail().getMessage());
            }
        }

        @Override
        public void onError(Throwable failure) {
            error = failure instanceof RuntimeException runtime ? runtime : new IllegalStateException(failure);
            done.countDown();
        }

        @Override
        public void onComplete() {
            done.countDown();
        }

        @Override
        public void close() throws IOException {
            done.countDown();
            Closeable open = stream;
            if (open != null) {
                open.close();
            }
        }
    }

    static String rootCause(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        String message = String.valueOf(cause.getMessage()).strip();
        return cause == e ? message : e.getMessage() + ": " + message;
    }
}
