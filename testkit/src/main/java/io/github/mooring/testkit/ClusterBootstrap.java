package io.github.mooring.testkit;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * Forms a cluster of freshly started pods, as {@code redis-cli --cluster create} does, and says what keeps a running
 * one from being healthy.
 */
final class ClusterBootstrap {

    private static final Duration FORM_TIMEOUT = Duration.ofSeconds(30);
    private static final int STREAM_KEY_ATTEMPTS = 1000;

    private ClusterBootstrap() {}

    /**
     * Distinct config epochs before the nodes meet (two masters with the same epoch would first have to settle a
     * collision), slot ranges to the masters, every node meets pod 0, then replicas follow their masters by node ID.
     */
    static void form(RedisStatefulSet set) {
        ClusterSpec spec = set.cluster();
        List<RedisPod> pods = set.pods();
        long deadline = System.nanoTime() + FORM_TIMEOUT.toNanos();
        Map<RedisPod, Map<String, String>> settings = new HashMap<>();
        for (RedisPod pod : pods) {
            settings.put(pod, fastGossip(pod));
            expectOk(pod, "CLUSTER", "SET-CONFIG-EPOCH", Integer.toString(pod.ordinal() + 1));
        }
        for (int m = 0; m < spec.masters(); m++) {
            List<String> command = new ArrayList<>(List.of("CLUSTER", "ADDSLOTS"));
            for (int slot = spec.firstSlot(m); slot <= spec.lastSlot(m); slot++) {
                command.add(Integer.toString(slot));
            }
            expectOk(pods.get(m), command.toArray(String[]::new));
        }
        // Every node meets every other itself: no waiting for gossip to introduce them.
        for (int i = 1; i < pods.size(); i++) {
            for (RedisPod other : pods.subList(0, i)) {
                expectOk(pods.get(i), "CLUSTER", "MEET", other.ip(), Integer.toString(other.port()));
            }
        }
        await(deadline, () -> everyNodeKnowsEveryOther(pods));
        for (RedisPod pod : pods) {
            int master = spec.initialMasterOf(pod.ordinal());
            if (master >= 0) {
                expectOk(pod, "CLUSTER", "REPLICATE", nodeId(pods.get(master)));
            }
        }
        await(deadline, () -> problem(pods));
        for (RedisPod pod : pods) {
            for (Map.Entry<String, String> setting : settings.get(pod).entrySet()) {
                expectOk(pod, "CONFIG", "SET", setting.getKey(), setting.getValue());
            }
        }
    }

    /**
     * A node tells the others of a new role (a replica after {@code CLUSTER REPLICATE}) only in its pings, and pings a
     * node at the latest when its last pong is {@code cluster-node-timeout / 2} old: 2.5 s with the default 5 s, and
     * masters that still take the replica for a master would refuse it their votes. While the cluster forms, the
     * timeout is 300 ms and replicas do not fail over (so a slow pod cannot start an election); returns the settings
     * to restore.
     */
    private static Map<String, String> fastGossip(RedisPod pod) {
        Map<String, String> configured = new HashMap<>();
        for (String name : List.of("cluster-node-timeout", "cluster-replica-no-failover")) {
            Object reply = pod.command("CONFIG", "GET", name);
            if (!(reply instanceof List<?> pair) || pair.size() != 2) {
                throw new IllegalStateException(pod.name() + " answered CONFIG GET " + name + " with " + reply);
            }
            configured.put(name, String.valueOf(pair.get(1)));
        }
        expectOk(pod, "CONFIG", "SET", "cluster-node-timeout", "300");
        expectOk(pod, "CONFIG", "SET", "cluster-replica-no-failover", "yes");
        return configured;
    }

    /** Creates every pod at once, as a StatefulSet with {@code podManagementPolicy: Parallel} does. */
    static void createAll(List<RedisPod> pods) {
        List<CompletableFuture<Void>> created = new ArrayList<>();
        for (RedisPod pod : pods) {
            created.add(CompletableFuture.runAsync(pod::create, runnable -> {
                Thread thread = new Thread(runnable, "mooring-testkit-create-" + pod.name());
                thread.setDaemon(true);
                thread.start();
            }));
        }
        try {
            CompletableFuture.allOf(created.toArray(CompletableFuture[]::new)).join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
    }

    /**
     * What keeps the cluster from serving every slot through every pod at its current address, or empty when
     * nothing does: a pod not running, a node whose {@code cluster_state} is not {@code ok}, a node that lists a pod
     * at a stale address, misses one, lists a node no pod is, or flags one as failing, a replica not linked.
     */
    static Optional<String> problem(List<RedisPod> pods) {
        Map<String, RedisPod> byId = new HashMap<>();
        Map<RedisPod, List<ClusterNode>> views = new HashMap<>();
        Map<String, ClusterNode> selves = new HashMap<>();
        for (RedisPod pod : pods) {
            if (pod.phase() != RedisPod.Phase.RUNNING || pod.isFrozen()) {
                return Optional.of(pod.name() + " is " + (pod.isFrozen() ? "frozen" : pod.phase()));
            }
            try {
                List<ClusterNode> view = nodes(pod);
                ClusterNode self = view.stream()
                        .filter(ClusterNode::myself)
                        .findFirst()
                        .orElseThrow(() -> new IllegalStateException("no myself line"));
                byId.put(self.id(), pod);
                selves.put(self.id(), self);
                views.put(pod, view);
            } catch (RuntimeException e) {
                return Optional.of(pod.name() + " does not answer: " + e.getMessage());
            }
        }
        for (RedisPod pod : pods) {
            try {
                Optional<String> problem = problemSeenBy(pod, views.get(pod), byId, selves);
                if (problem.isPresent()) {
                    return problem;
                }
            } catch (RuntimeException e) {
                return Optional.of(pod.name() + " does not answer: " + e.getMessage());
            }
        }
        return Optional.empty();
    }

    private static Optional<String> problemSeenBy(
            RedisPod pod, List<ClusterNode> nodes, Map<String, RedisPod> byId, Map<String, ClusterNode> selves) {
        String state = fields(String.valueOf(pod.command("CLUSTER", "INFO"))).get("cluster_state");
        if (!"ok".equals(state)) {
            return Optional.of(pod.name() + " reports cluster_state:" + state);
        }
        if (nodes.size() != byId.size()) {
            return Optional.of(
                    pod.name() + " knows " + nodes.size() + " nodes; the StatefulSet has " + byId.size() + " pods");
        }
        for (ClusterNode node : nodes) {
            RedisPod listed = byId.get(node.id());
            if (listed == null) {
                return Optional.of(pod.name() + " lists node " + node.id() + " at " + node.ip() + ", which no pod is");
            }
            if (!node.ip().equals(listed.ip())) {
                return Optional.of(pod.name() + " lists " + listed.name() + " (" + node.id() + ") at " + node.ip()
                        + ", not at its current IP " + listed.ip());
            }
            for (String flag : List.of("fail", "fail?", "handshake", "noaddr")) {
                if (node.flags().contains(flag)) {
                    return Optional.of(pod.name() + " flags " + listed.name() + " " + node.flags());
                }
            }
            // A role learnt by gossip only (pings reach every node within node-timeout / 2): until then a replica
            // asking for votes is refused by masters that still take it for a master.
            ClusterNode self = selves.get(node.id());
            if (node.master() != self.master() || !node.masterId().equals(self.masterId())) {
                return Optional.of(pod.name() + " still sees " + listed.name() + " as "
                        + (node.master() ? "a master" : "a replica of " + node.masterId()));
            }
            if (node.myself() && !node.master()) {
                String link = pod.info("replication").get("master_link_status");
                if (!"up".equals(link)) {
                    return Optional.of(pod.name() + " is a replica whose link is " + link);
                }
            }
        }
        return Optional.empty();
    }

    private static Optional<String> everyNodeKnowsEveryOther(List<RedisPod> pods) {
        for (RedisPod pod : pods) {
            List<ClusterNode> nodes = nodes(pod);
            if (nodes.size() != pods.size()) {
                return Optional.of(pod.name() + " knows " + nodes.size() + " of " + pods.size() + " nodes");
            }
            for (ClusterNode node : nodes) {
                if (node.flags().contains("handshake") || node.flags().contains("noaddr")) {
                    return Optional.of(pod.name() + " still meets " + node.ip() + " " + node.flags());
                }
            }
        }
        return Optional.empty();
    }

    /**
     * After a diskless sync a master streams to a replica only once the replica acknowledged it (see
     * {@link RedisStatefulSet#awaitReplicationLinked}). In cluster mode {@code PUBLISH} goes over the cluster bus,
     * not the replication stream, so the proof is a key written and deleted in one of the master's own slots.
     */
    static void awaitStreaming(RedisPod pod, Resp.Access access, Duration timeout, long deadline) {
        Map<String, String> info;
        try {
            info = pod.info("replication");
        } catch (RuntimeException e) {
            return;
        }
        int replicas = Integer.parseInt(info.getOrDefault("connected_slaves", "0"));
        if (!"master".equals(info.get("role")) || replicas == 0) {
            return;
        }
        Object acknowledged = null;
        while (System.nanoTime() < deadline) {
            try (Resp resp = Resp.connect(pod.ip(), pod.port(), Duration.ofSeconds(5), access)) {
                String key = ownKey(resp);
                if (key == null) {
                    return; // a master without slots takes no writes to stream
                }
                resp.call("DEL", key);
                acknowledged = resp.call("WAIT", Integer.toString(replicas), "1000");
            } catch (IOException e) {
                acknowledged = e.toString();
            }
            if (acknowledged instanceof Long count && count >= replicas) {
                return;
            }
        }
        throw new IllegalStateException(pod.name() + " did not stream writes to its " + replicas + " replica(s) within "
                + timeout + ": WAIT answered " + acknowledged);
    }

    /** Sets a key in one of the connected node's slots and returns it, or null when the node serves none. */
    private static String ownKey(Resp resp) throws IOException {
        for (int i = 0; i < STREAM_KEY_ATTEMPTS; i++) {
            String key = "__mooring_testkit__:linked:" + i;
            Object reply = resp.call("SET", key, "1");
            if ("OK".equals(reply)) {
                return key;
            }
            if (!(reply instanceof Resp.Error error) || !error.message().startsWith("MOVED")) {
                throw new IOException("SET answered " + reply);
            }
        }
        return null;
    }

    static String nodeId(RedisPod pod) {
        Object reply = pod.command("CLUSTER", "MYID");
        if (!(reply instanceof String id) || id.startsWith("ERR")) {
            throw new IllegalStateException(pod.name() + " answered CLUSTER MYID with " + reply);
        }
        return id;
    }

    static List<ClusterNode> nodes(RedisPod pod) {
        Object reply = pod.command("CLUSTER", "NODES");
        if (!(reply instanceof String text) || text.startsWith("ERR")) {
            throw new IllegalStateException(pod.name() + " answered CLUSTER NODES with " + reply);
        }
        return ClusterNode.parse(text);
    }

    static Map<String, String> fields(String info) {
        Map<String, String> fields = new HashMap<>();
        for (String line : info.split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && !line.startsWith("#")) {
                fields.put(line.substring(0, colon), line.substring(colon + 1).trim());
            }
        }
        return fields;
    }

    /** Polls {@code problem} until it is empty; fails with the last problem at the deadline. */
    static void await(long deadline, Supplier<Optional<String>> problem) {
        Optional<String> last = problem.get();
        while (last.isPresent()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the cluster did not form: " + last.get());
            }
            RedisProcess.pause(Duration.ofMillis(10));
            last = problem.get();
        }
    }

    private static void expectOk(RedisPod pod, String... command) {
        Object reply = pod.command(command);
        if (!"OK".equals(reply)) {
            throw new IllegalStateException(
                    pod.name() + " answered " + command[0] + " " + command[1] + " with " + reply);
        }
    }
}
