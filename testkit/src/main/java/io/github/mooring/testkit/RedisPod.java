package io.github.mooring.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * One pod of a {@link RedisStatefulSet}: a stable name ({@code redis-0}) whose current incarnation is a real
 * {@code redis-server}, a process or a Docker container (see {@link PodRuntime}), bound to its own loopback IP on the
 * Service's port.
 * <p>
 * Kubernetes brings a pod back in two ways, and both are here: {@link #restartContainer(Duration) a container
 * restart in place} (same pod, same IP, the container restarts after a delay) and {@link #replace(Deletion, Duration)
 * a pod replacement} (the pod is deleted and the StatefulSet controller creates a new one with the same name and a
 * new IP). Like the startup scripts of common Redis charts, pod 0 always starts as master and every other pod
 * starts as a replica of the IP pod 0 has at that moment: this is what breaks replication on Kubernetes.
 */
public final class RedisPod {

    /** Where a pod is in its life. */
    public enum Phase {
        /** Created, its container not started yet (a replacement pod during the controller's delay has no phase: it does not exist). */
        PENDING,
        /** The container runs (it may be frozen). */
        RUNNING,
        /** The container died and the kubelet has not restarted it yet. */
        CRASHED,
        /** Deleted gracefully: SIGTERM sent, endpoint marked terminating. */
        TERMINATING,
        /** Deleted; the StatefulSet controller has not created the replacement yet. */
        DELETED
    }

    /** How a pod is deleted when it is {@linkplain #replace replaced}. */
    public enum Deletion {
        /** {@code kubectl delete pod}: endpoint marked terminating first, then SIGTERM, SIGKILL after the grace period. */
        GRACEFUL,
        /** The node died or {@code --grace-period=0 --force}: SIGKILL, no goodbye. */
        KILL
    }

    private static final Duration GRACE_PERIOD = Duration.ofSeconds(10);

    private final RedisStatefulSet set;
    private final int ordinal;
    private final String name;

    // Guarded by this.
    private Phase phase = Phase.PENDING;
    private String ip;
    private List<String> ips = List.of(); // one per family of the set, primary (ip) first
    private String uid;
    private int generation;
    private int restarts;
    private PodContainer container;
    private String lastKnownIp;
    private long runningSinceNanos;
    private volatile boolean ready;
    private volatile boolean readinessFails; // failReadiness(): the kit's readiness probe fails
    private volatile long readySinceNanos;

    RedisPod(RedisStatefulSet set, int ordinal) {
        this.set = set;
        this.ordinal = ordinal;
        this.name = set.name() + "-" + ordinal;
    }

    /** The pod's name, stable across replacements: {@code redis-0}. */
    public String name() {
        return name;
    }

    /** The pod's ordinal in its StatefulSet. */
    public int ordinal() {
        return ordinal;
    }

    /** The current incarnation's IP; a replacement gets a new one, a container restart keeps it. Null while deleted. */
    public synchronized String ip() {
        return ip;
    }

    /**
     * The current incarnation's IPs, one per {@linkplain RedisStatefulSet.Builder#ipFamilies IP family} of its set,
     * the primary ({@link #ip()}) first, as a Pod's {@code status.podIPs}; empty while deleted.
     */
    public synchronized List<String> ips() {
        return ips;
    }

    /** The port Redis listens on (the Service's target port). */
    public int port() {
        return set.port();
    }

    /** {@code ip:port} of the current incarnation ({@code [fd6d:…]:6379} for IPv6). */
    public synchronized String address() {
        return ip == null ? null : LoopbackAddresses.hostPort(ip, set.port());
    }

    /** The Pod object's UID: changes on every replacement. */
    public synchronized String uid() {
        return uid;
    }

    /** How many pod objects with this name have existed (1 for the first). */
    public synchronized int generation() {
        return generation;
    }

    /** Container restarts of the current pod object (as {@code kubectl get pod} shows them). */
    public synchronized int restarts() {
        return restarts;
    }

    public synchronized Phase phase() {
        return phase;
    }

    /**
     * {@link System#nanoTime()} when the current container started answering commands (0 while it has none): the
     * moment a new master could first accept writes.
     */
    public synchronized long runningSinceNanos() {
        return container == null ? 0 : runningSinceNanos;
    }

    /** Whether the kit's readiness probe saw this pod ready on its last round. */
    public boolean isReady() {
        return ready;
    }

    /** Whether the container is stopped by {@link #freeze()}. */
    public synchronized boolean isFrozen() {
        return container != null && container.isFrozen();
    }

    /** The host's process id of the running container's {@code redis-server}, for tests that check cleanup. */
    public synchronized long pid() {
        return running().pid();
    }

    /**
     * The running container's ID as Kubernetes shows it in the pod's status: {@code docker://<id>} for a container,
     * {@code process://<pid>} for a process. A restart or a replacement changes it.
     */
    public synchronized String containerId() {
        return running().id();
    }

    /** What runs this pod's containers. */
    public PodRuntime runtime() {
        return set.runtime();
    }

    /** The container's log file. */
    public synchronized Path logFile() {
        return set.workDir().resolve(name + "-g" + generation + ".log");
    }

    // ---------------------------------------------------------------- operations

    /**
     * Kills the container (SIGKILL) and lets the kubelet start it again after {@code delay}: same pod, same IP,
     * same volume. Without persistence the restarted Redis is empty. Returns at once. As the kubelet does, the
     * restart is a new container (a new process, or a new Docker container) in the same pod.
     */
    public void restartContainer(Duration delay) {
        requireNonNegative(delay);
        int gen;
        synchronized (this) {
            requirePhase(Phase.RUNNING, "restart its container");
            container.kill();
            container = null;
            phase = Phase.CRASHED;
            ready = false;
            gen = generation;
        }
        set.controller().reconcileNow();
        set.scheduler().schedule(() -> restartIfStill(gen), delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Kills the container (SIGKILL) and leaves it dead until {@link #startContainer()} (a crash loop, a node problem). */
    public void stopContainer() {
        synchronized (this) {
            requirePhase(Phase.RUNNING, "stop its container");
            container.kill();
            container = null;
            phase = Phase.CRASHED;
            ready = false;
        }
        set.controller().reconcileNow();
    }

    /** Starts a container stopped by {@link #stopContainer()} (same IP). */
    public void startContainer() {
        synchronized (this) {
            requirePhase(Phase.CRASHED, "start its container");
            restarts++;
            startContainerLocked();
        }
        set.controller().reconcileNow();
    }

    /**
     * Deletes this pod and lets the StatefulSet controller create its replacement (same name, new IP, new UID)
     * {@code recreateAfter} later. With {@link Deletion#GRACEFUL} the endpoint is published as terminating before
     * the container gets SIGTERM. Returns once the old pod is gone; the replacement starts in the background
     * (see {@link #awaitReady(Duration)}).
     */
    public void replace(Deletion deletion, Duration recreateAfter) {
        replace(deletion, recreateAfter, true);
    }

    /**
     * As {@link #replace(Deletion, Duration)}, but the pod's volume is deleted with it (its PersistentVolumeClaim
     * deleted, or a node's local volume lost): the replacement starts empty, and a cluster node starts without its
     * {@code nodes.conf}, as a new node (a new node ID) that belongs to no cluster.
     */
    public void replaceWithoutVolume(Deletion deletion, Duration recreateAfter) {
        replace(deletion, recreateAfter, false);
    }

    private void replace(Deletion deletion, Duration recreateAfter, boolean keepVolume) {
        Objects.requireNonNull(deletion, "deletion");
        requireNonNegative(recreateAfter);
        PodContainer dying;
        int gen;
        synchronized (this) {
            if (phase != Phase.RUNNING && phase != Phase.CRASHED && phase != Phase.PENDING) {
                throw new IllegalStateException("cannot replace " + name + ": it is " + phase);
            }
            dying = container;
            gen = generation;
            if (deletion == Deletion.GRACEFUL) {
                phase = Phase.TERMINATING;
                ready = false;
            } else {
                if (dying != null) {
                    dying.kill();
                }
                container = null;
                phase = Phase.DELETED;
                ready = false;
            }
        }
        if (deletion == Deletion.GRACEFUL) {
            set.api().markPodTerminating(this);
        }
        set.controller().reconcileNow();
        if (deletion == Deletion.GRACEFUL && dying != null) {
            dying.terminate(GRACE_PERIOD);
            synchronized (this) {
                container = null;
                phase = Phase.DELETED;
            }
        }
        synchronized (this) {
            phase = Phase.DELETED;
            ip = null;
            ips = List.of();
            if (!keepVolume) {
                SimulatedNamespace.deleteRecursively(set.volume(this));
            }
        }
        set.api().deletePod(this);
        set.controller().reconcileNow();
        set.scheduler().schedule(() -> recreateIfStill(gen), recreateAfter.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * SIGSTOP ({@code docker pause} for a container): the pod keeps its IP and open sockets but answers nothing.
     */
    public void freeze() {
        synchronized (this) {
            requirePhase(Phase.RUNNING, "freeze it");
            container.freeze();
        }
    }

    /** SIGCONT ({@code docker unpause}). */
    public void thaw() {
        synchronized (this) {
            if (container != null) {
                container.thaw();
            }
        }
    }

    /** {@code REPLICAOF NO ONE}: a manual promotion. */
    public void promote() {
        expectOk(command("REPLICAOF", "NO", "ONE"), "REPLICAOF NO ONE");
    }

    /** {@code REPLICAOF <master ip> <port>}: a manual demotion, or a repair. */
    public void replicaOf(RedisPod master) {
        String masterIp = Objects.requireNonNull(master.ip(), () -> master.name() + " has no IP");
        expectOk(command("REPLICAOF", masterIp, Integer.toString(master.port())), "REPLICAOF");
    }

    /**
     * Sends one command to this pod (authenticated as the set's credentials) and returns the reply: a String,
     * Long, List, null, or an error reply as a String starting with "ERR"/"READONLY"/....
     */
    public Object command(String... command) {
        String target;
        synchronized (this) {
            target = ip;
        }
        if (target == null) {
            throw new IllegalStateException(name + " has no IP (" + phase + ")");
        }
        try {
            Object reply = Resp.once(target, port(), Duration.ofSeconds(5), set.access(), command);
            return reply instanceof Resp.Error error ? error.message() : reply;
        } catch (IOException e) {
            throw new UncheckedIOException(name + " (" + target + ") did not answer " + command[0], e);
        }
    }

    /** {@code INFO <section>} as a map of its {@code key:value} lines. */
    public Map<String, String> info(String section) {
        Object reply = command("INFO", section);
        Map<String, String> fields = new LinkedHashMap<>();
        for (String line : String.valueOf(reply).split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && !line.startsWith("#")) {
                fields.put(line.substring(0, colon), line.substring(colon + 1).trim());
            }
        }
        return fields;
    }

    /** {@code "master"} or {@code "slave"}, from {@code INFO replication}. */
    public String role() {
        return info("replication").get("role");
    }

    /** {@code DBSIZE}. */
    public long dbSize() {
        return (Long) command("DBSIZE");
    }

    /**
     * Waits until the current incarnation runs, the readiness probe sees it ready, and the endpoint controller has
     * published it as a ready endpoint (EndpointSlice, Endpoints and DNS), as Kubernetes calls a pod ready.
     */
    public RedisPod awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!(isReady() && phase() == Phase.RUNNING && publishedReady())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + " not ready within " + timeout + " (" + phase() + ")");
            }
            RedisProcess.pause(Duration.ofMillis(10));
        }
        return this;
    }

    /** Whether the last published endpoints list the current incarnation's IP as ready. */
    private boolean publishedReady() {
        String current = ip();
        EndpointChange last = set.controller().lastPublished();
        return current != null && last != null && last.readyIps().contains(current);
    }

    // ---------------------------------------------------------------- lifecycle (package-private)

    /** Creates the pod object (new IP, new UID) and starts its container. */
    synchronized void create() {
        generation++;
        restarts = 0;
        ips = set.allocateIps();
        ip = ips.get(0);
        lastKnownIp = ip;
        uid = UUID.randomUUID().toString();
        phase = Phase.PENDING;
        // The API server assigns the UID (the mock server ignores the one sent): keep the one it stored, so that
        // the Pod object and the EndpointSlice's targetRef agree.
        String assigned = set.api().createPod(this);
        if (assigned != null) {
            uid = assigned;
        }
        startContainerLocked();
    }

    /** Stops everything for good (namespace teardown). */
    synchronized void destroy() {
        if (container != null) {
            container.kill();
            container = null;
        }
        phase = Phase.DELETED;
        ready = false;
    }

    /** Records what the readiness probe saw of {@code container} (from {@link #probedContainer()}), if it is still the current one. */
    synchronized void probed(Object probed, boolean nowReady) {
        if (probed != container) {
            return;
        }
        if (nowReady && !ready) {
            readySinceNanos = System.nanoTime();
        }
        ready = nowReady;
    }

    long readySinceNanos() {
        return readySinceNanos;
    }

    /** What the endpoint controller publishes for this pod, or null when it has no endpoint. */
    synchronized EndpointState endpointState() {
        if (ip == null || phase == Phase.DELETED) {
            return null;
        }
        boolean terminating = phase == Phase.TERMINATING;
        boolean serving = ready && phase != Phase.CRASHED;
        return new EndpointState(name, ip, uid, serving && !terminating, serving, terminating);
    }

    /** What the endpoint controller publishes for this pod in each family's EndpointSlice (the primary's first). */
    synchronized List<EndpointState> endpointStatesByFamily() {
        EndpointState primary = endpointState();
        if (primary == null) {
            return List.of();
        }
        List<EndpointState> states = new ArrayList<>();
        for (String familyIp : ips) {
            states.add(
                    new EndpointState(name, familyIp, uid, primary.ready(), primary.serving(), primary.terminating()));
        }
        return states;
    }

    /**
     * Makes the kit's readiness probe fail for this pod while Redis keeps serving, as a probe that times out under
     * load does: after the failure threshold the pod is not ready, its EndpointSlice entry says so and its DNS records
     * are removed. Until {@link #passReadiness()}.
     */
    public void failReadiness() {
        readinessFails = true;
    }

    /** Undoes {@link #failReadiness()}: the next probe rounds see the pod as it is. */
    public void passReadiness() {
        readinessFails = false;
    }

    /** Whether {@link #failReadiness()} is in force. */
    boolean readinessFails() {
        return readinessFails;
    }

    /** The container a probe round is about to check (null when none): its result applies to that one only. */
    synchronized Object probedContainer() {
        return container;
    }

    /** The address the probe checks, or null when there is no container to probe. */
    synchronized String probeTarget() {
        return container != null && (phase == Phase.RUNNING || phase == Phase.TERMINATING) ? ip : null;
    }

    private void restartIfStill(int gen) {
        synchronized (this) {
            if (generation != gen || phase != Phase.CRASHED || set.isClosed()) {
                return;
            }
            restarts++;
            startContainerLocked();
        }
        set.controller().reconcileNow();
    }

    private void recreateIfStill(int gen) {
        synchronized (this) {
            if (generation != gen || phase != Phase.DELETED || set.isClosed()) {
                return;
            }
            create();
        }
        set.controller().reconcileNow();
    }

    /** Writes this start's config and starts its container on the set's runtime; called with the lock held. */
    private void startContainerLocked() {
        Path dir = set.workDir().resolve(name + "-g" + generation + "-r" + restarts);
        Path dataDir = set.hasVolumes() ? set.volume(this) : dir.resolve("data");
        try {
            Files.createDirectories(dir);
            Files.createDirectories(dataDir);
            Path config = dir.resolve("redis.conf");
            Files.write(config, configLines(dataDir));
            if (set.podHosts() != null) {
                set.podHosts().put(set.podDnsName(ordinal), ip);
            }
            List<Path> writable = set.hasVolumes() ? List.of(dir, dataDir) : List.of(dir);
            List<Path> readOnly = set.tls() == null
                    ? List.of()
                    : List.of(set.tls().caCertificate().getParent());
            container = set.runtime()
                    .start(new ContainerSpec(
                            set.namespace(),
                            name,
                            uid,
                            restarts,
                            config,
                            writable,
                            readOnly,
                            ip,
                            set.port(),
                            logFile(),
                            set.access(),
                            set.podHosts()));
            runningSinceNanos = System.nanoTime();
            ready = false; // a new container is not ready until its own probe passes
            phase = Phase.RUNNING;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + dir, e);
        } catch (RuntimeException e) {
            phase = Phase.CRASHED;
            throw e;
        }
    }

    private List<String> configLines(Path dataDir) {
        TlsMaterial tls = set.tls();
        List<String> lines = new ArrayList<>(List.of(
                "bind " + String.join(" ", ips),
                tls == null ? "port " + set.port() : "port 0",
                "protected-mode no",
                "daemonize no",
                "dir " + dataDir.toAbsolutePath(),
                // A chart with announce-hostnames announces the pod's DNS name; the Sentinels then name it so too.
                "replica-announce-ip " + (set.announcesHostnames() ? set.podDnsName(ordinal) : ip),
                // Full syncs straight over the socket, at once: keeps tests fast and leaves no RDB file behind.
                "repl-diskless-sync yes",
                "repl-diskless-sync-delay 0"));
        if (tls != null) {
            lines.addAll(List.of(
                    "tls-port " + set.port(),
                    "tls-cert-file " + tls.certificate().toAbsolutePath(),
                    "tls-key-file " + tls.privateKey().toAbsolutePath(),
                    "tls-ca-cert-file " + tls.caCertificate().toAbsolutePath(),
                    "tls-auth-clients no",
                    "tls-replication yes"));
        }
        if (set.persistence()) {
            // fsync before every reply: with "everysec", Redis may answer while a slow background fsync holds the
            // write back, and a kill -9 then loses acknowledged writes. A PV here means "acknowledged is durable".
            lines.addAll(List.of("appendonly yes", "appendfsync always", "save 60 1"));
        } else {
            lines.addAll(List.of("appendonly no", "save \"\""));
        }
        ClusterSpec cluster = set.cluster();
        if (cluster != null) {
            // nodes.conf on the volume: a pod replaced with its volume comes back as the same node (same node ID),
            // announcing its new IP; the peers it lists are where they were when it last saw them.
            lines.addAll(List.of(
                    "cluster-enabled yes",
                    "cluster-config-file " + dataDir.resolve("nodes.conf").toAbsolutePath(),
                    "cluster-announce-ip " + ip,
                    "cluster-node-timeout " + cluster.nodeTimeout().toMillis()));
        } else if (ordinal > 0) {
            // What a chart's startup script does: resolve pod 0's name now, follow that IP from then on.
            String masterIp = set.pod(0).ipOrLastKnown();
            lines.add("replicaof " + masterIp + " " + set.port());
        }
        Credentials credentials = set.credentials();
        if (credentials != null) {
            String password = quote(credentials.password());
            if (credentials.user() == null) {
                lines.add("requirepass " + password);
                lines.add("masterauth " + password);
            } else {
                lines.add("user default off");
                lines.add("user " + credentials.user() + " on >" + credentials.password() + " ~* &* +@all");
                lines.add("masteruser " + credentials.user());
                lines.add("masterauth " + password);
            }
        }
        lines.addAll(set.extraConfig());
        return lines;
    }

    /** The IP pod 0 has now or, while it is being replaced, the one it had (a stale DNS answer). */
    synchronized String ipOrLastKnown() {
        return ip != null ? ip : lastKnownIp;
    }

    private PodContainer running() {
        if (container == null) {
            throw new IllegalStateException(name + " has no running container (" + phase + ")");
        }
        return container;
    }

    private void requirePhase(Phase expected, String action) {
        if (phase != expected) {
            throw new IllegalStateException("cannot " + action + ": " + name + " is " + phase);
        }
    }

    private static void expectOk(Object reply, String command) {
        if (!"OK".equals(reply)) {
            throw new IllegalStateException(command + " failed: " + reply);
        }
    }

    private static String quote(String value) {
        return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static void requireNonNegative(Duration duration) {
        if (duration == null || duration.isNegative()) {
            throw new IllegalArgumentException("delay must be zero or positive, was " + duration);
        }
    }

    @Override
    public synchronized String toString() {
        return name + "(" + (ip == null ? "-" : ip) + ", " + phase + (ready ? ", ready" : "") + ")";
    }
}
