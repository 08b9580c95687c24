package io.github.mooring.testkit;

import io.github.mooring.testkit.RedisPod.Deletion;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A Redis Cluster as the charts and operators deploy it on Kubernetes: one StatefulSet of pods in cluster mode behind
 * a headless Service (its EndpointSlices, Endpoints and DNS records published like any {@link RedisStatefulSet}'s),
 * each pod announcing its own IP ({@code cluster-announce-ip}) and keeping {@code nodes.conf} on its volume. By default
 * 3 masters with one replica each: pods 0–2 serve the slots, pod {@code 3 + m} replicates master {@code m}.
 *
 * <pre>{@code
 * RedisCluster cluster = ns.redisCluster("redis").start();
 * cluster.pod(0).replace(Deletion.KILL, Duration.ofMillis(500));   // same node ID, new IP
 * cluster.awaitHealthy(Duration.ofSeconds(10));
 * }</pre>
 * What Kubernetes does to a cluster is on the pods: {@link RedisPod#replace} (a new IP, the volume and so the node
 * ID kept), {@link RedisPod#replaceWithoutVolume} (a new, empty node), {@link RedisPod#restartContainer} (same IP);
 * here: {@link #failover(RedisPod)} and {@link #replaceAll(Deletion, Duration)}, every pod at once with new IPs,
 * after which the nodes list each other at IPs that no longer exist and the cluster does not re-form by itself.
 */
public final class RedisCluster {

    /** Hash slots of a Redis Cluster. */
    public static final int SLOTS = ClusterSpec.SLOTS;

    private final RedisStatefulSet set;
    private final ClusterSpec spec;

    private RedisCluster(RedisStatefulSet set, ClusterSpec spec) {
        this.set = set;
        this.spec = spec;
    }

    /** The StatefulSet and Service under the cluster (endpoints, DNS names, readiness). */
    public RedisStatefulSet statefulSet() {
        return set;
    }

    /** The StatefulSet's and the Service's name. */
    public String name() {
        return set.name();
    }

    /** The port every pod serves clients on (the cluster bus is this + 10000). */
    public int port() {
        return set.port();
    }

    /** The credentials clients need ({@link Builder#credentials}), or null when the pods need none. */
    public Credentials credentials() {
        return set.credentials();
    }

    /** {@code <name>.<ns>.svc.cluster.local}: what an application is configured with. */
    public String serviceDnsName() {
        return set.serviceDnsName();
    }

    /** The masters the cluster started with. */
    public int masterCount() {
        return spec.masters();
    }

    /** The replicas each master started with. */
    public int replicasPerMaster() {
        return spec.replicasPerMaster();
    }

    /** {@code cluster-node-timeout}: how long a master is unreachable before its replica is promoted. */
    public Duration nodeTimeout() {
        return spec.nodeTimeout();
    }

    public List<RedisPod> pods() {
        return set.pods();
    }

    public RedisPod pod(int ordinal) {
        return set.pod(ordinal);
    }

    /** {@code CLUSTER MYID} of the pod's current container. */
    public String nodeId(RedisPod pod) {
        return ClusterBootstrap.nodeId(pod);
    }

    /** {@code CLUSTER NODES} as {@code pod} sees the cluster. */
    public List<ClusterNode> nodesSeenBy(RedisPod pod) {
        return ClusterBootstrap.nodes(pod);
    }

    /** The running pods that see themselves as masters serving slots, by ordinal. */
    public List<RedisPod> masters() {
        List<RedisPod> masters = new ArrayList<>();
        for (RedisPod pod : runningPods()) {
            ClusterNode self = self(pod);
            if (self != null && self.master() && !self.slots().isEmpty()) {
                masters.add(pod);
            }
        }
        return masters;
    }

    /** The running pod that sees itself as the master serving {@code slot}, if one does. */
    public Optional<RedisPod> masterOf(int slot) {
        if (slot < 0 || slot >= SLOTS) {
            throw new IllegalArgumentException("slot must be 0.." + (SLOTS - 1) + ", was " + slot);
        }
        for (RedisPod pod : runningPods()) {
            ClusterNode self = self(pod);
            if (self != null && self.master() && self.serves(slot)) {
                return Optional.of(pod);
            }
        }
        return Optional.empty();
    }

    /** The running pods that see themselves as replicas of {@code master}'s node ID. */
    public List<RedisPod> replicasOf(RedisPod master) {
        String id = nodeId(master);
        List<RedisPod> replicas = new ArrayList<>();
        for (RedisPod pod : runningPods()) {
            ClusterNode self = self(pod);
            if (self != null && id.equals(self.masterId())) {
                replicas.add(pod);
            }
        }
        return replicas;
    }

    /**
     * {@code CLUSTER FAILOVER} on {@code replica} (a planned failover: its master pauses its clients until the replica
     * has its whole stream), and returns once the replica reports itself master.
     */
    public void failover(RedisPod replica) {
        Object reply = replica.command("CLUSTER", "FAILOVER");
        if (!"OK".equals(reply)) {
            throw new IllegalStateException(replica.name() + " refused CLUSTER FAILOVER: " + reply);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!"master".equals(replica.role())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(replica.name() + " was not promoted within 30 s of CLUSTER FAILOVER");
            }
            RedisProcess.pause(Duration.ofMillis(5));
        }
    }

    /**
     * Deletes every pod at once (a node pool upgrade, a namespace restored, a power cut) and lets the StatefulSet
     * controller recreate each {@code recreateAfter} later, with new IPs and their volumes: each node comes back as
     * itself and looks for its peers at their old IPs. Returns once every pod is deleted.
     */
    public void replaceAll(Deletion deletion, Duration recreateAfter) {
        Objects.requireNonNull(deletion, "deletion");
        List<Thread> deleting = new ArrayList<>();
        List<RuntimeException> failures = new ArrayList<>();
        for (RedisPod pod : pods()) {
            Thread thread = new Thread(
                    () -> {
                        try {
                            pod.replace(deletion, recreateAfter);
                        } catch (RuntimeException e) {
                            synchronized (failures) {
                                failures.add(e);
                            }
                        }
                    },
                    "mooring-testkit-delete-" + pod.name());
            thread.start();
            deleting.add(thread);
        }
        for (Thread thread : deleting) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while deleting the pods", e);
            }
        }
        if (!failures.isEmpty()) {
            IllegalStateException failure = new IllegalStateException("not every pod of " + name() + " was deleted");
            failures.forEach(failure::addSuppressed);
            throw failure;
        }
    }

    /**
     * What keeps the cluster from being healthy, or empty when nothing does. Healthy: every pod runs, every node
     * reports {@code cluster_state:ok}, lists every pod's node ID at the pod's current IP and no other node, flags none
     * as failing, and every replica's link is up.
     */
    public Optional<String> problem() {
        return ClusterBootstrap.problem(pods());
    }

    /** Waits until {@link #problem()} is empty; fails naming the last problem. */
    public RedisCluster awaitHealthy(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Optional<String> last = problem();
        while (last.isPresent()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name() + " not healthy within " + timeout + ": " + last.get());
            }
            RedisProcess.pause(Duration.ofMillis(20));
            last = problem();
        }
        return this;
    }

    private List<RedisPod> runningPods() {
        return pods().stream()
                .filter(pod -> pod.phase() == RedisPod.Phase.RUNNING && !pod.isFrozen())
                .toList();
    }

    private static ClusterNode self(RedisPod pod) {
        try {
            return ClusterBootstrap.nodes(pod).stream()
                    .filter(ClusterNode::myself)
                    .findFirst()
                    .orElse(null);
        } catch (RuntimeException e) {
            return null; // not answering: serves nothing anyone can use
        }
    }

    @Override
    public String toString() {
        return "RedisCluster[" + name() + ", " + pods() + "]";
    }

    /** Builds and starts a {@link RedisCluster}. */
    public static final class Builder {
        private final RedisStatefulSet.Builder set;
        private int masters = 3;
        private int replicasPerMaster = 1;
        private Duration nodeTimeout = Duration.ofSeconds(5);

        Builder(SimulatedNamespace namespace, String name) {
            this.set = new RedisStatefulSet.Builder(namespace, name).persistence(true);
        }

        /** Masters serving the slots, in equal ranges (default 3). */
        public Builder masters(int masters) {
            if (masters < 1 || masters > SLOTS) {
                throw new IllegalArgumentException("masters must be 1.." + SLOTS + ", was " + masters);
            }
            this.masters = masters;
            return this;
        }

        /** Replicas of each master (default 1). */
        public Builder replicasPerMaster(int replicas) {
            if (replicas < 0) {
                throw new IllegalArgumentException("replicas per master must be at least 0, was " + replicas);
            }
            this.replicasPerMaster = replicas;
            return this;
        }

        /** {@code cluster-node-timeout} (default 5 s). */
        public Builder nodeTimeout(Duration timeout) {
            if (timeout == null || timeout.toMillis() < 1) {
                throw new IllegalArgumentException("node timeout must be at least 1 ms, was " + timeout);
            }
            this.nodeTimeout = timeout;
            return this;
        }

        /**
         * Whether the data is on the volume too (AOF, fsynced before each reply), default on: a master replaced with
         * its volume comes back with its data. Off, the volume holds only {@code nodes.conf}.
         */
        public Builder persistence(boolean persistence) {
            set.persistence(persistence);
            return this;
        }

        /** The port every pod serves clients on (default 6379; the cluster bus is this + 10000). */
        public Builder port(int port) {
            if (port > 65535 - 10000) {
                throw new IllegalArgumentException(
                        "port must be at most 55535 (the cluster bus is port + 10000), was " + port);
            }
            set.port(port);
            return this;
        }

        /** The Service port's name (default {@code redis}). */
        public Builder portName(String portName) {
            set.portName(portName);
            return this;
        }

        /** What runs the pods' containers (see {@link RedisStatefulSet.Builder#runtime}). */
        public Builder runtime(PodRuntime runtime) {
            set.runtime(runtime);
            return this;
        }

        /**
         * Password ({@code requirepass}, and {@code masterauth} for the replicas) or ACL user (the default user off,
         * {@code masteruser}) every client and replica needs, as {@link RedisStatefulSet.Builder#credentials}; the
         * testkit's own commands authenticate with it. Default none. More users: {@link #config} lines such as
         * {@code user app on >secret ~* &* +@all}.
         */
        public Builder credentials(Credentials credentials) {
            set.credentials(credentials);
            return this;
        }

        /** An extra {@code redis.conf} line for every pod. */
        public Builder config(String line) {
            set.config(line);
            return this;
        }

        /** Creates the Service and the pods, forms the cluster, and returns once it is healthy and every pod ready. */
        public RedisCluster start() {
            ClusterSpec spec = new ClusterSpec(masters, replicasPerMaster, nodeTimeout);
            RedisStatefulSet started = set.cluster(spec).start();
            return new RedisCluster(started, spec);
        }
    }
}
