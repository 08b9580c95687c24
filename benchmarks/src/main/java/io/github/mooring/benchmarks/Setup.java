package io.github.mooring.benchmarks;

import io.github.mooring.testkit.RedisPod;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.Sentinels;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * One replication group (a StatefulSet of 3 pods behind a headless Service) with or without Sentinels, and the
 * contenders that run against it. Several setups live in the same simulated namespace and are disrupted at the same
 * moment; each is restored to the same starting point before every repetition: pod 0 master, pods 1 and 2 its linked
 * replicas, an empty dataset, and Sentinels (if any) monitoring pod 0 afresh.
 */
final class Setup {

    private final String key;
    private final String label;
    private final String shortLabel;
    private final RedisStatefulSet set;
    private final Sentinels sentinels;
    private final List<Slot> slots = new ArrayList<>();

    Setup(String key, String label, String shortLabel, RedisStatefulSet set, Sentinels sentinels) {
        this.key = key;
        this.label = label;
        this.shortLabel = shortLabel;
        this.set = set;
        this.sentinels = sentinels;
    }

    String key() {
        return key;
    }

    String label() {
        return label;
    }

    /** For chart labels; empty for the setup without Sentinels. */
    String shortLabel() {
        return shortLabel;
    }

    RedisStatefulSet set() {
        return set;
    }

    /** The Sentinels monitoring this group, or null. */
    Sentinels sentinels() {
        return sentinels;
    }

    List<Slot> slots() {
        return slots;
    }

    Slot add(String id, String name, Callable<Contender> factory) {
        Slot slot = new Slot(id, name, this, factory);
        slots.add(slot);
        return slot;
    }

    /** Without Sentinels nothing promotes a replica when the master's container stays down. */
    boolean takesPart(Scenario scenario) {
        return scenario != Scenario.SENTINEL_FAILOVER || sentinels != null;
    }

    // ------------------------------------------------------------------ disruption

    /** Disrupts the master (pod 0); returns {@code [start, end]} of the action in {@link System#nanoTime()}. */
    long[] disrupt(Scenario scenario) {
        RedisPod master = set.pod(0);
        long start = System.nanoTime();
        switch (scenario) {
            case POD_REPLACED -> master.replace(RedisPod.Deletion.KILL, Scenario.KUBELET_DELAY);
            case RESTART -> master.restartContainer(Scenario.KUBELET_DELAY);
            case SENTINEL_FAILOVER -> master.stopContainer();
            case MANUAL_FAILOVER -> {
                if (sentinels != null) {
                    sentinelFailover();
                } else {
                    RedisPod promoted = set.pod(1);
                    promoted.promote();
                    master.replicaOf(promoted);
                    set.pod(2).replicaOf(promoted);
                }
            }
            case FROZEN -> master.freeze();
        }
        return new long[] {start, System.nanoTime()};
    }

    /** {@code SENTINEL FAILOVER}, retried briefly while Sentinels still refresh what they know of the replicas. */
    private void sentinelFailover() {
        long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        while (true) {
            try {
                sentinels.failover();
                return;
            } catch (IllegalStateException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Benchmark.pause(Duration.ofMillis(20));
            }
        }
    }

    /** Ends a freeze. */
    void thaw() {
        for (RedisPod pod : set.pods()) {
            if (pod.isFrozen()) {
                pod.thaw();
            }
        }
    }

    /**
     * Whether the group is in a state worth ending an observation on: without Sentinels always; with Sentinels, once
     * the master they name answers as master and every replica they know of that is up answers as a replica.
     */
    boolean settled() {
        if (sentinels == null) {
            return true;
        }
        Optional<String> address = sentinels.masterAddress();
        if (address.isEmpty()) {
            return false;
        }
        String masterIp = address.get().substring(0, address.get().lastIndexOf(':'));
        Optional<RedisPod> master = podWithIp(masterIp);
        if (master.isEmpty() || !"master".equals(roleOrNull(master.get()))) {
            return false;
        }
        for (String replicaIp : sentinelReplicaIps()) {
            Optional<RedisPod> pod = podWithIp(replicaIp);
            if (pod.isPresent() && !pod.get().isFrozen()) {
                String role = roleOrNull(pod.get());
                if ("master".equals(role)) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * The node whose dataset counts at the end of a repetition: where Sentinels run, the master they name (their
     * clients and the replicas follow it); otherwise the only master, or in a split brain the one with most replicas.
     */
    Optional<RedisPod> authority() {
        if (sentinels != null) {
            Optional<String> address = sentinels.masterAddress();
            if (address.isPresent()) {
                String ip = address.get().substring(0, address.get().lastIndexOf(':'));
                Optional<RedisPod> pod = podWithIp(ip);
                if (pod.isPresent() && "master".equals(roleOrNull(pod.get()))) {
                    return pod;
                }
            }
        }
        List<RedisPod> masters = set.masters();
        return masters.stream().max(Comparator.comparingLong(Setup::connectedReplicas));
    }

    // ------------------------------------------------------------------ restore

    /**
     * Restores the starting point: every container running and unfrozen, pod 0 master with an empty dataset, pods 1
     * and 2 linked replicas of it; Sentinels forget the group and monitor pod 0 afresh (which also clears their
     * "no new failover for 2 x failover-timeout" guard) unless nothing happened that they could have acted on.
     */
    void restore(Scenario previous) {
        boolean resetSentinels = sentinels != null && sentinelsNeedReset(previous);
        if (resetSentinels) {
            forEachSentinel("SENTINEL", "REMOVE", sentinels.masterName());
        }
        for (RedisPod pod : set.pods()) {
            if (pod.isFrozen()) {
                pod.thaw();
            }
            if (pod.phase() == RedisPod.Phase.CRASHED) {
                pod.startContainer();
            }
        }
        set.awaitAllReady(Duration.ofSeconds(30));
        RedisPod master = set.pod(0);
        if (!"master".equals(roleOrNull(master))) {
            master.promote();
        }
        master.command("FLUSHALL");
        for (RedisPod pod : set.pods()) {
            if (pod == master) {
                continue;
            }
            Map<String, String> replication = pod.info("replication");
            if (!"slave".equals(replication.get("role")) || !master.ip().equals(replication.get("master_host"))) {
                pod.replicaOf(master);
            }
        }
        set.awaitReplicationLinked(Duration.ofSeconds(30));
        awaitEmpty(Duration.ofSeconds(10));
        if (set.persistence()) {
            compactAppendOnlyFiles(Duration.ofSeconds(20));
        }
        if (resetSentinels) {
            String name = sentinels.masterName();
            forEachSentinel("SENTINEL", "MONITOR", name, master.ip(), Integer.toString(set.port()), "2");
            forEachSentinel(
                    "SENTINEL",
                    "SET",
                    name,
                    "down-after-milliseconds",
                    Long.toString(sentinels.downAfter().toMillis()),
                    "failover-timeout",
                    "10000",
                    "parallel-syncs",
                    "1");
            awaitSentinelsAgree(master, Duration.ofSeconds(20));
        }
        set.awaitAllReady(Duration.ofSeconds(30));
    }

    private boolean sentinelsNeedReset(Scenario previous) {
        Optional<String> address = sentinels.masterAddress();
        String pod0 = set.pod(0).ip();
        boolean onPod0 = pod0 != null && address.isPresent() && address.get().equals(pod0 + ":" + set.port());
        // A container restart shorter than down-after leaves Sentinels untouched; everything else may have started
        // (or voted for) a failover.
        return !onPod0
                || previous != null
                        && (previous != Scenario.RESTART
                                || sentinels.downAfter().compareTo(Duration.ofSeconds(2)) <= 0);
    }

    /**
     * {@code FLUSHALL} leaves every write of earlier repetitions in the append-only file, and a restarted container
     * replays all of it: rewrite it on every pod so that each repetition's restart loads the same (empty) data.
     */
    private void compactAppendOnlyFiles(Duration timeout) {
        for (RedisPod pod : set.pods()) {
            pod.command("BGREWRITEAOF"); // "already in progress" is as good
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        for (RedisPod pod : set.pods()) {
            while (true) {
                Map<String, String> persistence = pod.info("persistence");
                if ("0".equals(persistence.get("aof_rewrite_in_progress"))
                        && "0".equals(persistence.get("aof_rewrite_scheduled"))) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(pod.name() + " did not finish its AOF rewrite: " + persistence);
                }
                Benchmark.pause(Duration.ofMillis(20));
            }
        }
    }

    private void awaitEmpty(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (RedisPod pod : set.pods()) {
            while (pod.dbSize() > 0) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(pod.name() + " still has keys after FLUSHALL on the master");
                }
                Benchmark.pause(Duration.ofMillis(10));
            }
        }
    }

    private void awaitSentinelsAgree(RedisPod master, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int replicas = set.pods().size() - 1;
        int others = sentinels.ips().size() - 1;
        for (int i = 0; i < sentinels.ips().size(); i++) {
            while (true) {
                Map<String, String> state = sentinelMasterState(i);
                if (master.ip().equals(state.get("ip"))
                        && "master".equals(state.get("flags"))
                        && parse(state.get("num-slaves")) >= replicas
                        && parse(state.get("num-other-sentinels")) >= others) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Sentinel " + i + " of " + key + " did not settle on " + master.ip()
                            + " within " + timeout + ": " + state);
                }
                Benchmark.pause(Duration.ofMillis(50));
            }
        }
    }

    private Map<String, String> sentinelMasterState(int index) {
        Object reply = sentinels.command(index, "SENTINEL", "MASTER", sentinels.masterName());
        Map<String, String> state = new HashMap<>();
        if (reply instanceof List<?> list) {
            for (int i = 0; i + 1 < list.size(); i += 2) {
                state.put(String.valueOf(list.get(i)), String.valueOf(list.get(i + 1)));
            }
        }
        return state;
    }

    private List<String> sentinelReplicaIps() {
        List<String> ips = new ArrayList<>();
        try {
            Object reply = sentinels.command(0, "SENTINEL", "REPLICAS", sentinels.masterName());
            if (reply instanceof List<?> replicas) {
                for (Object replica : replicas) {
                    if (replica instanceof List<?> fields) {
                        for (int i = 0; i + 1 < fields.size(); i += 2) {
                            if ("ip".equals(fields.get(i))) {
                                ips.add(String.valueOf(fields.get(i + 1)));
                            }
                        }
                    }
                }
            }
        } catch (RuntimeException e) {
            // Sentinel 0 busy or down: no replicas known
        }
        return ips;
    }

    private void forEachSentinel(String... command) {
        for (int i = 0; i < sentinels.ips().size(); i++) {
            Object reply = sentinels.command(i, command);
            if (!"OK".equals(reply) && !String.valueOf(reply).contains("No such master")) {
                throw new IllegalStateException(
                        String.join(" ", command) + " on Sentinel " + i + " of " + key + ": " + reply);
            }
        }
    }

    Optional<RedisPod> podWithIp(String ip) {
        return set.pods().stream().filter(pod -> Objects.equals(ip, pod.ip())).findFirst();
    }

    static String roleOrNull(RedisPod pod) {
        if (pod.phase() != RedisPod.Phase.RUNNING || pod.isFrozen()) {
            return null;
        }
        try {
            return pod.role();
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static long connectedReplicas(RedisPod pod) {
        try {
            return parse(pod.info("replication").get("connected_slaves"));
        } catch (RuntimeException e) {
            return -1;
        }
    }

    private static long parse(String number) {
        try {
            return number == null ? 0 : Long.parseLong(number.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    @Override
    public String toString() {
        return key;
    }
}
