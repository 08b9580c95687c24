package io.github.mooring.testkit;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the {@code redis-server} binary the pods run: an explicit override, else {@code redis-server} on
 * the PATH when it is at least 6.2, else the binary shipped inside {@code com.github.codemonstur:embedded-redis}
 * (extracted once into a cache directory shared by every JVM). The override {@code embedded} picks the latter even
 * when the PATH has one: CI runs the failover suites on both (Debian's 7.0 and the embedded 6.2).
 */
final class RedisServerBinary {

    /**
     * System property (or environment variable {@code MOORING_REDIS_SERVER}) naming a binary to use, or
     * {@value #EMBEDDED} for the one inside embedded-redis.
     */
    static final String OVERRIDE_PROPERTY = "mooring.testkit.redis-server";

    static final String EMBEDDED = "embedded";

    private static final Pattern VERSION = Pattern.compile("v=(\\d+)\\.(\\d+)\\.(\\d+)");
    private static volatile RedisServerBinary instance;

    private final Path path;
    private final String version;

    private RedisServerBinary(Path path, String version) {
        this.path = path;
        this.version = version;
    }

    static RedisServerBinary get() {
        RedisServerBinary result = instance;
        if (result == null) {
            synchronized (RedisServerBinary.class) {
                result = instance;
                if (result == null) {
                    result = locate();
                    instance = result;
                }
            }
        }
        return result;
    }

    Path path() {
        return path;
    }

    String version() {
        return version;
    }

    private static RedisServerBinary locate() {
        String override = System.getProperty(OVERRIDE_PROPERTY, System.getenv("MOORING_REDIS_SERVER"));
        if (EMBEDDED.equals(override)) {
            Path extracted = extractEmbedded();
            return new RedisServerBinary(
                    extracted,
                    versionOf(extracted)
                            .orElseThrow(() -> new IllegalStateException("the redis-server binary extracted to "
                                    + extracted + " does not run on this machine")));
        }
        if (override != null && !override.isBlank()) {
            Path path = Paths.get(override);
            String version = versionOf(path)
                    .orElseThrow(() -> new IllegalStateException(
                            OVERRIDE_PROPERTY + "=" + override + " is not a runnable redis-server"));
            return new RedisServerBinary(path, version);
        }
        Optional<Path> onPath = findOnPath("redis-server");
        if (onPath.isPresent()) {
            Optional<String> version = versionOf(onPath.get());
            if (version.isPresent() && atLeast(version.get(), 6, 2)) {
                return new RedisServerBinary(onPath.get(), version.get());
            }
        }
        Path extracted = extractEmbedded();
        String version = versionOf(extracted)
                .orElseThrow(() -> new IllegalStateException(
                        "the redis-server binary extracted to " + extracted + " does not run on this machine"));
        return new RedisServerBinary(extracted, version);
    }

    private static Optional<Path> findOnPath(String name) {
        String pathEnv = System.getenv("PATH");
        if (pathEnv == null) {
            return Optional.empty();
        }
        for (String dir : pathEnv.split(File.pathSeparator)) {
            Path candidate = Paths.get(dir, name);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    static Optional<String> versionOf(Path binary) {
        try {
            Process process = new ProcessBuilder(binary.toString(), "--version")
                    .redirectErrorStream(true)
                    .start();
            String output;
            try (InputStream in = process.getInputStream()) {
                output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return Optional.empty();
            }
            Matcher m = VERSION.matcher(output);
            return m.find() ? Optional.of(m.group(1) + "." + m.group(2) + "." + m.group(3)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    static boolean atLeast(String version, int major, int minor) {
        String[] parts = version.split("\\.");
        int ma = Integer.parseInt(parts[0]);
        int mi = Integer.parseInt(parts[1]);
        return ma > major || (ma == major && mi >= minor);
    }

    private static Path extractEmbedded() {
        String resource = embeddedResourceName();
        Path cacheDir = Paths.get(System.getProperty("user.home"), ".cache", "mooring-testkit");
        Path target = cacheDir.resolve(resource);
        if (Files.isExecutable(target)) {
            return target;
        }
        try (InputStream in = RedisServerBinary.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(
                        "no redis-server on the PATH (>= 6.2) and " + resource
                                + " is not on the classpath: add com.github.codemonstur:embedded-redis or install redis-server");
            }
            Files.createDirectories(cacheDir);
            Path temp = Files.createTempFile(cacheDir, resource, ".part");
            Files.copy(in, temp, StandardCopyOption.REPLACE_EXISTING);
            if (!temp.toFile().setExecutable(true)) {
                throw new IOException("cannot make " + temp + " executable");
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract " + resource + " to " + cacheDir, e);
        }
    }

    private static String embeddedResourceName() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        boolean arm = arch.contains("aarch64") || arch.contains("arm64");
        if (os.contains("linux")) {
            return arm ? "redis-server-6.2.7-linux-arm64" : "redis-server-6.2.6-v5-linux-amd64";
        }
        if (os.contains("mac")) {
            return arm ? "redis-server-6.2.6-v5-darwin-arm64" : "redis-server-6.2.6-v5-darwin-amd64";
        }
        throw new IllegalStateException("the testkit runs redis-server processes on Linux or macOS, not on " + os);
    }

    @Override
    public String toString() {
        return "redis-server " + version + " (" + path + ")";
    }
}
