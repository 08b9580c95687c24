package io.github.mooring.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A simulated Kubernetes namespace for tests, made of real parts where it matters: Redis pods are real
 * {@code redis-server} processes on their own loopback IPs, the API server is fabric8's mock server in CRUD mode
 * (real HTTP and watches), cluster DNS is a real DNS server over UDP, and Sentinels are real Sentinels.
 *
 * <pre>{@code
 * try (SimulatedNamespace ns = SimulatedNamespace.start()) {
 *     RedisStatefulSet redis = ns.redis("redis").replicas(3).start();
 *     redis.pod(0).replace(Deletion.KILL, Duration.ofSeconds(1));
 * }
 * }</pre>
 * Closing the namespace stops every process it started; a JVM shutdown hook and a watchdog process do the same
 * if the JVM exits without closing it. In JUnit tests, prefer {@link SimulatedNamespaceExtension}.
 */
public final class SimulatedNamespace implements AutoCloseable {

    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final String name;
    private final Path workDir;
    private PodHosts podHosts;
    private final KubernetesApiServer api;
    private final ClusterDns dns;
    private final ScheduledExecutorService scheduler;
    private final List<RedisStatefulSet> statefulSets = new ArrayList<>();
    private final List<Sentinels> sentinels = new ArrayList<>();
    private final PodRuntime podRuntime;
    private volatile boolean keepWorkDir;
    private volatile boolean closed;

    private SimulatedNamespace(Builder builder) {
        this.name = builder.name != null
                ? builder.name
                : "test-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet();
        this.podRuntime = builder.podRuntime;
        try {
            Path root = builder.workRoot != null
                    ? builder.workRoot
                    : Paths.get(System.getProperty("java.io.tmpdir"), "mooring-testkit");
            Files.createDirectories(root);
            this.workDir = Files.createTempDirectory(root, name + "-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the namespace's work directory", e);
        }
        this.scheduler = Executors.newScheduledThreadPool(2, r -> {
            Thread thread = new Thread(r, "mooring-testkit-" + name);
            thread.setDaemon(true);
            return thread;
        });
        ClusterDns startedDns = null;
        try {
            startedDns = ClusterDns.start(builder.dnsTtl);
            startedDns.cache(builder.dnsCache);
            this.api = KubernetesApiServer.start(name, builder.serviceAccount);
        } catch (RuntimeException e) {
            if (startedDns != null) {
                startedDns.close();
            }
            scheduler.shutdownNow();
            throw e;
        }
        this.dns = startedDns;
    }

    /** A namespace with default settings. */
    public static SimulatedNamespace start() {
        return builder().start();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The namespace's name (unique within the JVM). */
    public String name() {
        return name;
    }

    /** The API server (with RBAC and fault controls). */
    public KubernetesApiServer api() {
        return api;
    }

    /** The cluster DNS server. */
    public ClusterDns dns() {
        return dns;
    }

    /** Where pods keep their configs, data and logs. */
    public Path workDir() {
        return workDir;
    }

    /** The pods' host names for the processes of sets that announce them (created on first use). */
    synchronized PodHosts podHosts() {
        if (podHosts == null) {
            podHosts = new PodHosts(workDir.resolve("hosts"));
        }
        return podHosts;
    }

    /** What runs the pods of StatefulSets that choose no {@linkplain RedisStatefulSet.Builder#runtime runtime}. */
    public PodRuntime podRuntime() {
        return podRuntime;
    }

    /** Starts describing a Redis StatefulSet with its headless Service named {@code name}. */
    public RedisStatefulSet.Builder redis(String name) {
        requireOpen();
        return new RedisStatefulSet.Builder(this, name);
    }

    /**
     * Starts describing a Redis Cluster: a StatefulSet of pods in cluster mode with its headless Service named
     * {@code name}.
     */
    public RedisCluster.Builder redisCluster(String name) {
        requireOpen();
        return new RedisCluster.Builder(this, name);
    }

    /** Starts describing Sentinels that monitor {@code set}. */
    public Sentinels.Builder sentinels(RedisStatefulSet set) {
        requireOpen();
        return new Sentinels.Builder(this, set);
    }

    /** The StatefulSets created so far. */
    public synchronized List<RedisStatefulSet> statefulSets() {
        return List.copyOf(statefulSets);
    }

    /** Pids of every live process this namespace started (pods and Sentinels). */
    public synchronized List<Long> livePids() {
        List<Long> pids = new ArrayList<>();
        for (RedisStatefulSet set : statefulSets) {
            for (RedisPod pod : set.pods()) {
                try {
                    pids.add(pod.pid());
                } catch (IllegalStateException e) {
                    // no container right now
                }
            }
        }
        for (Sentinels group : sentinels) {
            pids.addAll(group.pids());
        }
        return pids;
    }

    /** Keeps the work directory (logs, data) after {@link #close()}, e.g. when a test failed. */
    public void keepWorkDir() {
        this.keepWorkDir = true;
    }

    /** A human-readable picture of the namespace: pods, IPs, roles, readiness, endpoints. */
    public String describe() {
        StringBuilder out = new StringBuilder("namespace ").append(name).append('\n');
        out.append("  api server ")
                .append(api.url())
                .append(", cluster DNS ")
                .append(dns.address())
                .append(" (ttl ")
                .append(dns.ttl().toSeconds())
                .append("s)\n");
        for (RedisStatefulSet set : statefulSets()) {
            out.append("  service ")
                    .append(set.name())
                    .append(" (headless, port ")
                    .append(set.portName())
                    .append(' ')
                    .append(set.port())
                    .append(", ")
                    .append(set.persistence() ? "persistent" : "no persistence")
                    .append(", pods as ")
                    .append(set.runtime())
                    .append(")\n");
            for (RedisPod pod : set.pods()) {
                String role;
                try {
                    role = pod.phase() == RedisPod.Phase.RUNNING && !pod.isFrozen() ? describeRole(pod) : "-";
                } catch (RuntimeException e) {
                    role = "unreachable";
                }
                out.append(String.format(
                        "    %-10s %-16s %-9s %-6s %s%n",
                        pod.name(),
                        pod.ips().isEmpty() ? null : String.join(" ", pod.ips()),
                        pod.phase(),
                        pod.isReady() ? "ready" : "-",
                        role));
            }
            out.append("    endpoints (ready): ")
                    .append(set.endpoints().readyIps())
                    .append('\n');
            out.append("    dns ")
                    .append(set.serviceDnsName())
                    .append(" -> ")
                    .append(dns.addresses(set.serviceDnsName()))
                    .append('\n');
        }
        for (Sentinels group : sentinels()) {
            out.append("  sentinels ")
                    .append(group.addresses())
                    .append(" see master ")
                    .append(group.masterAddress().orElse("?"))
                    .append('\n');
        }
        return out.toString();
    }

    private static String describeRole(RedisPod pod) {
        var info = pod.info("replication");
        if ("master".equals(info.get("role"))) {
            return "master, " + info.get("connected_slaves") + " replica(s), keys " + pod.dbSize();
        }
        return "replica of " + info.get("master_host") + ":" + info.get("master_port") + ", link "
                + info.get("master_link_status") + ", keys " + pod.dbSize();
    }

    /** Stops every Sentinel and pod, the DNS and API servers, and deletes the work directory. */
    @Override
    public void close() {
        List<RedisStatefulSet> sets;
        List<Sentinels> groups;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            sets = new ArrayList<>(statefulSets);
            groups = new ArrayList<>(sentinels);
        }
        RuntimeException failure = null;
        for (Sentinels group : groups) {
            failure = attempt(group::close, failure);
        }
        for (RedisStatefulSet set : sets) {
            failure = attempt(set::close, failure);
        }
        scheduler.shutdownNow();
        failure = attempt(
                () -> {
                    try {
                        scheduler.awaitTermination(5, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                failure);
        failure = attempt(api::close, failure);
        failure = attempt(dns::close, failure);
        if (!keepWorkDir) {
            failure = attempt(() -> deleteRecursively(workDir), failure);
        }
        if (failure != null) {
            throw failure;
        }
    }

    // ---------------------------------------------------------------- package-private

    synchronized void register(RedisStatefulSet set) {
        requireOpen();
        for (RedisStatefulSet existing : statefulSets) {
            if (existing.name().equals(set.name())) {
                throw new IllegalArgumentException("a StatefulSet named " + set.name() + " already exists in " + name);
            }
        }
        statefulSets.add(set);
    }

    synchronized void register(Sentinels group) {
        requireOpen();
        sentinels.add(group);
    }

    synchronized List<Sentinels> sentinels() {
        return List.copyOf(sentinels);
    }

    ScheduledExecutorService scheduler() {
        return scheduler;
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("namespace " + name + " is closed");
        }
    }

    private static RuntimeException attempt(Runnable step, RuntimeException failure) {
        try {
            step.run();
            return failure;
        } catch (RuntimeException e) {
            if (failure == null) {
                return e;
            }
            failure.addSuppressed(e);
            return failure;
        }
    }

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }

    @Override
    public String toString() {
        return "SimulatedNamespace[" + name + "]";
    }

    /** Settings of a {@link SimulatedNamespace}. */
    public static final class Builder {
        private String name;
        private Duration dnsTtl = Duration.ofSeconds(30);
        private Duration dnsCache = Duration.ZERO;
        private String serviceAccount = "default";
        private Path workRoot;
        private PodRuntime podRuntime = PodRuntime.processes();

        private Builder() {}

        /** The namespace's name (default: unique {@code test-<pid>-<n>}). */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /** TTL of every DNS answer (default 30 s, as CoreDNS ships in Kubernetes). */
        public Builder dnsTtl(Duration ttl) {
            this.dnsTtl = Objects.requireNonNull(ttl, "ttl");
            return this;
        }

        /**
         * CoreDNS's cache in front of the namespace's DNS: answers kept for their TTL up to {@code max}, as
         * {@code cache 30} does on a real cluster (default: none; see {@link ClusterDns#cache(Duration)}).
         */
        public Builder dnsCache(Duration max) {
            this.dnsCache = Objects.requireNonNull(max, "max");
            return this;
        }

        /** The service account applications act as (default {@code default}). */
        public Builder serviceAccount(String serviceAccount) {
            this.serviceAccount = Objects.requireNonNull(serviceAccount, "serviceAccount");
            return this;
        }

        /** Where namespaces put their work directories (default {@code java.io.tmpdir/mooring-testkit}). */
        public Builder workRoot(Path workRoot) {
            this.workRoot = Objects.requireNonNull(workRoot, "workRoot");
            return this;
        }

        /**
         * What runs the pods of every StatefulSet that does not choose its own (default
         * {@link PodRuntime#processes()}): {@code PodRuntime.containers("redis:7.2")} runs a whole suite on the
         * image a team deploys.
         */
        public Builder podRuntime(PodRuntime podRuntime) {
            this.podRuntime = Objects.requireNonNull(podRuntime, "podRuntime");
            return this;
        }

        public SimulatedNamespace start() {
            return new SimulatedNamespace(this);
        }
    }
}
