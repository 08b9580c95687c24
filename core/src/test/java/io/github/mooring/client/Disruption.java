package io.github.mooring.client;

import static org.awaitility.Awaitility.await;

import io.github.mooring.testkit.RedisPod;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.Sentinels;
import java.time.Duration;

/** The ways Kubernetes, Sentinel or an operator take a master away, as the writer tests apply them to pod 0. */
enum Disruption {
    /** kill -9 of the master pod; the StatefulSet recreates it with a new IP after 1 s (its PV keeps the data). */
    POD_REPLACED_WITH_NEW_IP(true, null, false),
    /** The master's container dies and restarts in place after 500 ms: same pod, same IP, same volume. */
    CONTAINER_RESTARTED_IN_PLACE(true, null, false),
    /** kubectl delete pod: endpoint terminating, SIGTERM, recreated with a new IP after 1 s. */
    GRACEFUL_POD_DELETE(true, null, false),
    /** An operator's careful failover with REPLICAOF: writes paused, replica caught up, promoted, old master demoted. */
    MANUAL_FAILOVER_BY_REPLICAOF(false, null, false),
    /**
     * An operator's hasty failover: a replica is promoted with {@code REPLICAOF NO ONE} and the old master made its
     * replica while writes flow. The old master refuses what is in flight with {@code READONLY}; what it acknowledged
     * after the promotion is lost to replication.
     */
    DEMOTED_BY_REPLICAOF_WHILE_WRITING(false, null, true),
    /** The master's container dies for good; Sentinel (down-after 1 s) promotes a replica. */
    SENTINEL_FAILOVER_AFTER_MASTER_DEATH(false, Duration.ofSeconds(1), true),
    /**
     * {@code SENTINEL FAILOVER} while writing: Sentinel promotes a replica without pausing the old master, and demotes
     * the old master afterwards.
     */
    SENTINEL_FAILOVER_COMMAND(false, Duration.ofSeconds(5), true),
    /**
     * As {@link #POD_REPLACED_WITH_NEW_IP}, where Sentinels (down-after 5 s) manage the group: the recreated pod is a
     * master with all the data that Sentinel has never heard of, and Sentinel promotes a replica seconds later. Every
     * write the new pod took would be lost then: writes wait for Sentinel's promotion instead.
     */
    SENTINELS_POD_REPLACED_WITH_NEW_IP(true, Duration.ofSeconds(5), true),
    /**
     * As {@link #CONTAINER_RESTARTED_IN_PLACE}, where Sentinels (down-after 5 s) manage the group: the pod keeps its IP,
     * Sentinel knows it again at once, and writes go back to it long before Sentinel would fail over.
     */
    SENTINELS_CONTAINER_RESTARTED_IN_PLACE(true, Duration.ofSeconds(5), false),
    /**
     * The restart race: the master's container restarts after 1 s where Sentinels run with down-after 1 s. Sentinel
     * fails over while the old master comes back at its IP, a master with its data; whatever it takes after Sentinel
     * named another is lost when Sentinel demotes it. Measured in {@code SentinelEventsIT}.
     */
    SENTINELS_1S_CONTAINER_RESTARTED(true, Duration.ofSeconds(1), true);

    /** AOF, fsynced before each reply: what a pod acknowledged survives its restart. */
    final boolean persistence;
    /** Sentinel's down-after, or null where no Sentinels run. */
    final Duration downAfter;
    /** Promotes a replica without pausing writes first: Redis's asynchronous replication may lose acknowledged writes. */
    final boolean unpaused;

    Disruption(boolean persistence, Duration downAfter, boolean unpaused) {
        this.persistence = persistence;
        this.downAfter = downAfter;
        this.unpaused = unpaused;
    }

    /** The master keeps its address: the pod comes back where it was. */
    boolean inPlace() {
        return this == CONTAINER_RESTARTED_IN_PLACE
                || this == SENTINELS_CONTAINER_RESTARTED_IN_PLACE
                || this == SENTINELS_1S_CONTAINER_RESTARTED; // Sentinel may or may not fail over
    }

    void apply(RedisStatefulSet redis, Sentinels sentinels) {
        RedisPod master = redis.pod(0);
        switch (this) {
            case POD_REPLACED_WITH_NEW_IP, SENTINELS_POD_REPLACED_WITH_NEW_IP ->
                master.replace(RedisPod.Deletion.KILL, Duration.ofSeconds(1));
            case CONTAINER_RESTARTED_IN_PLACE, SENTINELS_CONTAINER_RESTARTED_IN_PLACE ->
                master.restartContainer(Duration.ofMillis(500));
            case SENTINELS_1S_CONTAINER_RESTARTED -> master.restartContainer(Duration.ofSeconds(1));
            case GRACEFUL_POD_DELETE -> master.replace(RedisPod.Deletion.GRACEFUL, Duration.ofSeconds(1));
            case MANUAL_FAILOVER_BY_REPLICAOF -> carefulFailover(master, redis.pod(1), redis.pod(2));
            case DEMOTED_BY_REPLICAOF_WHILE_WRITING -> {
                redis.pod(1).promote();
                master.replicaOf(redis.pod(1));
                redis.pod(2).replicaOf(redis.pod(1));
            }
            case SENTINEL_FAILOVER_AFTER_MASTER_DEATH -> master.stopContainer();
            case SENTINEL_FAILOVER_COMMAND -> sentinels.failover();
        }
    }

    /** What a careful operator does: no acknowledged write may be lost, so writes pause while the replica catches up. */
    private static void carefulFailover(RedisPod master, RedisPod replica, RedisPod other) {
        master.command("CLIENT", "PAUSE", "10000", "WRITE");
        long target = Long.parseLong(master.info("replication").get("master_repl_offset"));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> Long.parseLong(replica.info("replication").get("slave_repl_offset")) >= target);
        replica.promote();
        master.replicaOf(replica);
        other.replicaOf(replica);
        master.command("CLIENT", "UNPAUSE");
    }
}
