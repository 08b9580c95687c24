package io.github.mooring.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Predicate;

/**
 * A StatefulSet of Redis pods ({@code redis-0 .. redis-N-1}) behind a headless Service of the same name, with a
 * named port, as the popular charts deploy it: pod 0 starts as master, the others as replicas of pod 0's IP at
 * the moment they start. Persistence ("a PV") is on or off for the whole set.
 * <p>
 * Created with {@link SimulatedNamespace#redis(String)}; closed with its namespace.
 */
public final class RedisStatefulSet {

    /**
     * Set to {@code true} (CI on a machine that can; or the environment variable
     * {@code MOORING_TESTKIT_HOSTNAMES_REQUIRED=true}) to fail, not skip, tests whose pods cannot
     * {@linkplain Builder#announceHostnames() announce host names}.
     */
    public static final String HOSTNAMES_REQUIRED_PROPERTY = "mooring.testkit.hostnames.required";

    private final SimulatedNamespace namespace;
    private final String name;
    private final String portName;
    private final int port;
    private final boolean persistence;
    private final Credentials credentials;
    private final List<String> extraConfig;
    private final boolean tlsEnabled;
    private final boolean announceHostnames;
    private final PodRuntime runtime;
    private final List<IpFamily> ipFamilies;
    private final List<String> allocatedIps = new ArrayList<>(); // every pod IP ever given, released at close
    private final ClusterSpec cluster;
    private TlsMaterial tls;
    private final Path workDir;
    private final ApiObjects api;
    private final EndpointController controller;
    private final List<RedisPod> pods = new ArrayList<>();
    private volatile boolean closed;

    private RedisStatefulSet(Builder builder) {
        this.namespace = builder.namespace;
        this.name = builder.name;
        this.portName = builder.portName;
        this.port = builder.port;
        this.persistence = builder.persistence;
        this.credentials = builder.credentials;
        this.extraConfig = List.copyOf(builder.extraConfig);
        this.tlsEnabled = builder.tls;
        this.announceHostnames = builder.announceHostnames;
        this.runtime = builder.runtime != null ? builder.runtime : namespace.podRuntime();
        this.ipFamilies = builder.ipFamilies;
        this.cluster = builder.cluster;
        this.workDir = namespace.workDir().resolve(name);
        this.api = new ApiObjects(namespace.api().controllerClient(), namespace.name(), name, portName, port);
        this.controller = new EndpointController(
                this, builder.readinessPeriod, builder.readinessTimeout, builder.failureThreshold);
        for (int i = 0; i < builder.replicas; i++) {
            pods.add(new RedisPod(this, i));
        }
    }

    private void start() {
        try {
            Files.createDirectories(workDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (tlsEnabled) {
            tls = TlsMaterial.issue(
                    workDir.resolve("tls"),
                    List.of(serviceDnsName(), "*." + serviceDnsName(), name + "." + namespace.name() + ".svc", name));
        }
        api.createService();
        if (cluster == null) {
            // In order, as a StatefulSet with OrderedReady: replicas need pod 0's IP.
            for (RedisPod pod : pods) {
                pod.create();
            }
            controller.start(scheduler());
        } else {
            // Parallel, as a cluster's StatefulSet is (podManagementPolicy: Parallel): the nodes meet afterwards.
            // Probed from the start, as the kubelet probes pods that wait for their peers.
            ClusterBootstrap.createAll(pods);
            controller.start(scheduler());
            ClusterBootstrap.form(this);
        }
        awaitAllReady(Duration.ofSeconds(30));
        awaitReplicationLinked(Duration.ofSeconds(30));
    }

    /**
     * The Service's IP families ({@code spec.ipFamilies}), the primary first: {@code [IPV4]} unless the set was
     * built with {@link Builder#ipFamilies}.
     */
    public List<IpFamily> ipFamilies() {
        return ipFamilies;
    }

    /** The StatefulSet's and the Service's name. */
    public String name() {
        return name;
    }

    public String namespace() {
        return namespace.name();
    }

    /** The Service port's name ({@code redis} by default). */
    public String portName() {
        return portName;
    }

    /** The port every pod listens on (6379 by default). */
    public int port() {
        return port;
    }

    public boolean persistence() {
        return persistence;
    }

    /** What runs the pods' containers: processes of this machine, or Docker containers of an image. */
    public PodRuntime runtime() {
        return runtime;
    }

    /** The credentials clients need, or null when the pods need none. */
    public Credentials credentials() {
        return credentials;
    }

    /**
     * The CA certificate (PEM) that signed the pods' certificate, when the set uses TLS: what a client trusts. The
     * certificate names the Service ({@code redis.<ns>.svc.cluster.local} and {@code *.redis.<ns>...}), not the pod
     * IPs.
     */
    public Path caCertificate() {
        if (tls == null) {
            throw new IllegalStateException(name + " does not use TLS");
        }
        return tls.caCertificate();
    }

    /** The pods, by ordinal. */
    public List<RedisPod> pods() {
        return List.copyOf(pods);
    }

    public RedisPod pod(int ordinal) {
        return pods.get(ordinal);
    }

    /** The pod that reports {@code role:master} right now, if exactly one does. */
    public Optional<RedisPod> master() {
        List<RedisPod> masters = masters();
        return masters.size() == 1 ? Optional.of(masters.get(0)) : Optional.empty();
    }

    /** Every running pod that reports {@code role:master} (more than one is a split brain). */
    public List<RedisPod> masters() {
        List<RedisPod> masters = new ArrayList<>();
        for (RedisPod pod : pods) {
            if (pod.phase() == RedisPod.Phase.RUNNING && !pod.isFrozen()) {
                try {
                    if ("master".equals(pod.role())) {
                        masters.add(pod);
                    }
                } catch (RuntimeException e) {
                    // not answering: not a master anyone can use
                }
            }
        }
        return masters;
    }

    /** {@code redis.<ns>.svc.cluster.local}. */
    public String serviceDnsName() {
        return ClusterDns.serviceName(name, namespace.name());
    }

    /** {@code redis-0.redis.<ns>.svc.cluster.local}. */
    public String podDnsName(int ordinal) {
        return ClusterDns.podName(pods.get(ordinal).name(), name, namespace.name());
    }

    /** Every EndpointSlice update so far, oldest first. */
    public List<EndpointChange> endpointHistory() {
        return controller.history();
    }

    /** The last published endpoints. */
    public EndpointChange endpoints() {
        List<EndpointChange> history = controller.history();
        return history.isEmpty() ? new EndpointChange(0, Instant.EPOCH, List.of()) : history.get(history.size() - 1);
    }

    /** Waits until the published endpoints satisfy {@code condition}, and returns them. */
    public EndpointChange awaitEndpoints(Predicate<EndpointChange> condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (true) {
                List<EndpointChange> history = controller.history();
                EndpointChange last = endpoints();
                if (condition.test(last)) {
                    return last;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IllegalStateException("endpoints of " + name + " did not reach the expected state within "
                            + timeout + "; last: " + last.endpoints());
                }
                controller.waitForChangeAfter(history.size(), Duration.ofNanos(left));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * Waits until every running replica reports {@code master_link_status:up} (its initial sync is done) and its master
     * streams writes to it (a write reaches every replica).
     */
    public RedisStatefulSet awaitReplicationLinked(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        awaitLinksUp(timeout, deadline);
        for (RedisPod pod : pods) {
            awaitStreaming(pod, timeout, deadline);
        }
        return this;
    }

    /**
     * After a diskless sync (Redis 7's default), a master streams writes to a replica only once that replica sent its
     * first {@code REPLCONF ACK}, up to a second later, although the replica already reports its link up: a master
     * killed in that second takes every write since with it. A write that every replica acknowledges ({@code WAIT})
     * proves the stream flows. The write is a {@code PUBLISH} to a channel nobody reads, which changes no key.
     */
    private void awaitStreaming(RedisPod pod, Duration timeout, long deadline) {
        if (cluster != null) {
            ClusterBootstrap.awaitStreaming(pod, access(), timeout, deadline);
            return;
        }
        Map<String, String> info;
        try {
            info = pod.info("replication");
        } catch (RuntimeException e) {
            return; // not running: nothing to stream
        }
        int replicas = Integer.parseInt(info.getOrDefault("connected_slaves", "0"));
        if (!"master".equals(info.get("role")) || replicas == 0) {
            return;
        }
        while (true) {
            Object acknowledged;
            try (Resp resp = Resp.connect(pod.ip(), pod.port(), Duration.ofSeconds(5), access())) {
                resp.call("PUBLISH", "__mooring_testkit__:linked", "1");
                acknowledged = resp.call("WAIT", Integer.toString(replicas), "1000");
            } catch (IOException e) {
                acknowledged = e.toString();
            }
            if (acknowledged instanceof Long count && count >= replicas) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(pod.name() + " did not stream writes to its " + replicas
                        + " replica(s) within " + timeout + ": WAIT answered " + acknowledged);
            }
        }
    }

    private void awaitLinksUp(Duration timeout, long deadline) {
        for (RedisPod pod : pods) {
            while (true) {
                Map<String, String> info;
                try {
                    info = pod.info("replication");
                } catch (RuntimeException e) {
                    info = Map.of();
                }
                if ("master".equals(info.get("role")) || "up".equals(info.get("master_link_status"))) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            pod.name() + " did not link to its master within " + timeout + ": " + info);
                }
                RedisProcess.pause(Duration.ofMillis(10));
            }
        }
    }

    /** Waits until every pod runs and is ready. */
    public RedisStatefulSet awaitAllReady(Duration timeout) {
        for (RedisPod pod : pods) {
            pod.awaitReady(timeout);
        }
        return this;
    }

    // ---------------------------------------------------------------- package-private plumbing

    Path workDir() {
        return workDir;
    }

    List<String> extraConfig() {
        return extraConfig;
    }

    /** The cluster's layout when the pods run in cluster mode, or null for a replication group. */
    ClusterSpec cluster() {
        return cluster;
    }

    /** The pod's persistent volume: its data when the set has persistence, and a cluster node's nodes.conf. */
    Path volume(RedisPod pod) {
        return workDir.resolve(pod.name() + "-pv");
    }

    /** Whether each pod has a volume that outlives its containers and (unless deleted with it) the pod. */
    boolean hasVolumes() {
        return persistence || cluster != null;
    }

    TlsMaterial tls() {
        return tls;
    }

    /** Whether the pods announce their DNS names ({@link Builder#announceHostnames()}). */
    public boolean announcesHostnames() {
        return announceHostnames;
    }

    /** The pods' host names for their processes, or null where they announce IPs. */
    PodHosts podHosts() {
        return announceHostnames ? namespace.podHosts() : null;
    }

    Resp.Access access() {
        return new Resp.Access(credentials, tls == null ? null : tls.sslContext());
    }

    ApiObjects api() {
        return api;
    }

    ClusterDns dns() {
        return namespace.dns();
    }

    /** Fresh addresses for a new pod incarnation, one per family, the primary first. */
    List<String> allocateIps() {
        List<String> ips = new ArrayList<>();
        for (IpFamily family : ipFamilies) {
            ips.add(LoopbackAddresses.allocate(family, port));
        }
        synchronized (allocatedIps) {
            allocatedIps.addAll(ips);
        }
        return List.copyOf(ips);
    }

    EndpointController controller() {
        return controller;
    }

    ScheduledExecutorService scheduler() {
        return namespace.scheduler();
    }

    boolean isClosed() {
        return closed;
    }

    void close() {
        closed = true;
        controller.close();
        for (RedisPod pod : pods) {
            pod.destroy();
        }
        synchronized (allocatedIps) {
            allocatedIps.forEach(LoopbackAddresses::release);
            allocatedIps.clear();
        }
    }

    @Override
    public String toString() {
        return "RedisStatefulSet[" + name + ", " + pods + "]";
    }

    /** Builds and starts a {@link RedisStatefulSet}. */
    public static final class Builder {
        private final SimulatedNamespace namespace;
        private final String name;
        private int replicas = 3;
        private boolean persistence;
        private Credentials credentials;
        private String portName = "redis";
        private int port = 6379;
        private Duration readinessPeriod = Duration.ofMillis(200);
        private Duration readinessTimeout = Duration.ofMillis(500);
        private int failureThreshold = 1;
        private final List<String> extraConfig = new ArrayList<>();
        private boolean tls;
        private boolean announceHostnames;
        private PodRuntime runtime;
        private List<IpFamily> ipFamilies = List.of(IpFamily.IPV4);
        private ClusterSpec cluster;

        Builder(SimulatedNamespace namespace, String name) {
            this.namespace = namespace;
            this.name = requireDnsLabel(name);
        }

        /** Number of pods (default 3). */
        public Builder replicas(int replicas) {
            if (replicas < 1) {
                throw new IllegalArgumentException("replicas must be at least 1, was " + replicas);
            }
            this.replicas = replicas;
            return this;
        }

        /** Whether each pod has a persistent volume (AOF): a replaced pod restarts with its data. Default off. */
        public Builder persistence(boolean persistence) {
            this.persistence = persistence;
            return this;
        }

        /** Password ({@code requirepass}) or ACL user every client and replica needs. Default none. */
        public Builder credentials(Credentials credentials) {
            this.credentials = credentials;
            return this;
        }

        /** The Service port's name (default {@code redis}). */
        public Builder portName(String portName) {
            this.portName = requireDnsLabel(portName);
            return this;
        }

        /** The port every pod listens on (default 6379). */
        public Builder port(int port) {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port must be 1..65535, was " + port);
            }
            this.port = port;
            return this;
        }

        /** The readiness probe's period (default 200 ms). */
        public Builder readinessPeriod(Duration period) {
            this.readinessPeriod = requirePositive(period, "readiness period");
            return this;
        }

        /** The readiness probe's timeout (default 500 ms). */
        public Builder readinessTimeout(Duration timeout) {
            this.readinessTimeout = requirePositive(timeout, "readiness timeout");
            return this;
        }

        /** Consecutive probe failures before a pod is not ready (default 1). */
        public Builder readinessFailureThreshold(int threshold) {
            if (threshold < 1) {
                throw new IllegalArgumentException("failure threshold must be at least 1, was " + threshold);
            }
            this.failureThreshold = threshold;
            return this;
        }

        /**
         * Whether the pods speak TLS only, on the Service port, with a certificate for the Service's DNS names from
         * a private CA ({@link RedisStatefulSet#caCertificate()}); replication uses TLS too. Default off.
         */
        public Builder tls(boolean tls) {
            this.tls = tls;
            return this;
        }

        /**
         * The pods announce their DNS names ({@code replica-announce-ip redis-1.redis.<ns>.svc.cluster.local}), as
         * charts do for Sentinels with {@code announce-hostnames}; Sentinels of this set then resolve and announce
         * host names. The names resolve for the pods' and Sentinels' own processes only, through a hosts file of the
         * namespace's seen as their {@code /etc/hosts} (a private mount namespace: Linux, root; elsewhere the test
         * is aborted with the reason, or fails where {@value #HOSTNAMES_REQUIRED_PROPERTY} is set); not for the test's
         * JVM. Process runtime only.
         */
        public Builder announceHostnames() {
            PodHosts.requireAvailable(PodHosts.unavailableReason());
            this.announceHostnames = true;
            return this;
        }

        /**
         * What runs the pods' containers (default: the namespace's, {@link PodRuntime#processes()} unless set there).
         * Where {@linkplain PodRuntime#containers(String) containers} cannot run, {@link #start()} aborts the calling
         * test with the reason (see {@link PodRuntime}).
         */
        public Builder runtime(PodRuntime runtime) {
            this.runtime = Objects.requireNonNull(runtime, "runtime");
            return this;
        }

        /** Pods as Docker containers of {@code image}: short for {@code runtime(PodRuntime.containers(image))}. */
        public Builder image(String image) {
            return runtime(PodRuntime.containers(image));
        }

        /**
         * The Service's IP families, the primary first, as {@code spec.ipFamilies} (default {@code IPV4}):
         * {@code ipFamilies(IPV6)} for an IPv6 cluster, {@code ipFamilies(IPV4, IPV6)} (or the reverse) for a
         * dual-stack one. Each pod then has one address per family ({@link RedisPod#ips()}) and Redis listens on
         * all of them; the Service gets one EndpointSlice per family ({@code addressType} IPv4 / IPv6), the legacy
         * Endpoints object lists the primary family (as Kubernetes' controller does), and cluster DNS answers A
         * and AAAA queries. Replication and {@link RedisPod#ip()} use the primary family. Where IPv6 pods cannot run
         * ({@link IpFamily#unavailableReason()}), {@link #start()} aborts the calling test with the reason, or
         * fails it where {@value IpFamily#IPV6_REQUIRED_PROPERTY} is set.
         */
        public Builder ipFamilies(IpFamily... families) {
            List<IpFamily> list = List.of(families);
            if (list.isEmpty() || list.size() > 2 || list.stream().distinct().count() != list.size()) {
                throw new IllegalArgumentException(
                        "ipFamilies takes one family or two different ones (dual-stack), was " + list);
            }
            this.ipFamilies = list;
            return this;
        }

        /** An extra {@code redis.conf} line for every pod, e.g. {@code "min-replicas-to-write 1"}. */
        public Builder config(String line) {
            extraConfig.add(Objects.requireNonNull(line));
            return this;
        }

        /** Cluster mode with this layout ({@link RedisCluster.Builder} sets it): the pod count follows from it. */
        Builder cluster(ClusterSpec spec) {
            this.cluster = spec;
            this.replicas = spec.pods();
            return this;
        }

        /** Creates the Service and the pods, and returns once every pod is ready. */
        public RedisStatefulSet start() {
            RedisStatefulSet set = new RedisStatefulSet(this);
            set.runtime.requireAvailable("StatefulSet " + name);
            ipFamilies.forEach(family -> family.requireAvailable("StatefulSet " + name));
            namespace.register(set);
            set.start();
            return set;
        }

        private static Duration requirePositive(Duration d, String what) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be positive, was " + d);
            }
            return d;
        }

        private static String requireDnsLabel(String name) {
            if (name == null || !name.matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")) {
                throw new IllegalArgumentException("not a valid DNS label (lowercase letters, digits, '-'): " + name);
            }
            return name;
        }
    }
}
