package io.github.mooring.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.mooring.testkit.RedisPod.Deletion;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The "before" pictures: what goes wrong for a plain Lettuce application (no Mooring) when Redis replication runs
 * on Kubernetes. Each test shows one real-world failure and passes as long as the failure happens; Mooring's own
 * tests run the same scenarios and expect them not to hurt.
 */
@ExtendWith(SimulatedNamespaceExtension.class)
class KubernetesBreaksRedisIT {

    private static final Duration READY = Duration.ofSeconds(30);

    private final LettuceClients lettuce = new LettuceClients();
    private DnsProbe dns;

    @AfterEach
    void close() {
        lettuce.close();
        if (dns != null) {
            dns.close();
        }
    }

    /**
     * 1. A client holds the master pod's IP (resolved once at startup, or from an environment variable). The pod is
     * killed and rescheduled with a new IP: Lettuce's watchdog reconnects to the old IP forever, so every command
     * fails although a healthy master is back under the same pod name.
     */
    @Test
    void clientConnectedToTheMasterPodIpStaysBrokenAfterThePodIsReplaced(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").replicas(3).start();
        RedisPod master = redis.pod(0);
        String oldIp = master.ip();
        StatefulRedisConnection<String, String> connection = lettuce.connect(master, null);
        assertThat(connection.sync().set("before", "1")).isEqualTo("OK");

        master.replace(Deletion.KILL, Duration.ofSeconds(1));
        master.awaitReady(READY);
        assertThat(master.ip()).isNotEqualTo(oldIp);
        assertThat(master.role()).isEqualTo("master");
        // The new pod serves: a client made now, with the new IP, writes.
        assertThat(lettuce.connect(master, null).sync().set("probe", "1")).isEqualTo("OK");

        // The application's client never recovers: every attempt fails, for as long as we look.
        Always.holdsFor(
                Duration.ofSeconds(3),
                Duration.ofMillis(250),
                "writes through the old connection fail",
                () -> assertThatThrownBy(() -> connection.sync().set("during", "1"))
                        .isInstanceOf(RedisException.class));
        assertThat(connection.isOpen()).isFalse();
    }

    /**
     * 2. Replicas started with {@code replicaof <pod-0 IP>} keep following the dead IP after pod 0 is replaced: the
     * group has no replication at all until someone deletes the replica pods by hand.
     */
    @Test
    void replicasKeepFollowingTheOldMasterIpAfterTheMasterPodIsReplaced(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").replicas(3).start();
        RedisPod master = redis.pod(0);
        String oldIp = master.ip();

        master.replace(Deletion.KILL, Duration.ofSeconds(1));
        master.awaitReady(READY);
        String newIp = master.ip();
        assertThat(master.command("SET", "after-replacement", "1")).isEqualTo("OK");

        Always.holdsFor(Duration.ofSeconds(3), Duration.ofMillis(250), "replicas follow the old IP", () -> {
            for (RedisPod replica : List.of(redis.pod(1), redis.pod(2))) {
                assertThat(replica.info("replication"))
                        .containsEntry("role", "slave")
                        .containsEntry("master_host", oldIp)
                        .containsEntry("master_link_status", "down");
                assertThat(replica.command("GET", "after-replacement")).isNull();
            }
        });
        assertThat(newIp).isNotEqualTo(oldIp);
        assertThat(master.info("replication")).containsEntry("role", "master").containsEntry("connected_slaves", "0");
    }

    /**
     * 3. The application connects through the Service name, as it would through a ClusterIP Service or a headless
     * Service's DNS name: its connections land on every ready pod, replicas included, and the writes that go to a
     * replica fail with {@code READONLY}.
     */
    @Test
    void writesThroughTheServiceNameLandOnReplicasAndFailWithReadonly(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").replicas(3).start();
        dns = new DnsProbe(ns.dns().address());
        List<String> ips = dns.resolveAll(redis.serviceDnsName());
        assertThat(ips)
                .containsExactlyInAnyOrderElementsOf(
                        redis.pods().stream().map(RedisPod::ip).toList());

        // One connection per resolved address, used round-robin, as a Service spreads new connections.
        List<String> connectionIps = new ArrayList<>();
        List<StatefulRedisConnection<String, String>> connections = new ArrayList<>();
        for (String ip : ips) {
            connections.add(lettuce.client(ip, redis.port(), null).connect());
            connectionIps.add(ip);
        }
        int succeeded = 0;
        int readOnly = 0;
        Set<String> writtenOn = new HashSet<>();
        Set<String> refusedOn = new HashSet<>();
        List<String> otherErrors = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            int pick = i % connections.size();
            try {
                connections.get(pick).sync().set("key-" + i, "value");
                succeeded++;
                writtenOn.add(connectionIps.get(pick));
            } catch (RedisCommandExecutionException e) {
                if (String.valueOf(e.getMessage()).startsWith("READONLY You can't write against a read only replica")) {
                    readOnly++;
                    refusedOn.add(connectionIps.get(pick));
                } else {
                    otherErrors.add(e.toString());
                }
            }
        }

        assertThat(otherErrors).isEmpty();
        assertThat(succeeded).isEqualTo(10);
        assertThat(readOnly).isEqualTo(20);
        assertThat(writtenOn).containsExactly(redis.pod(0).ip());
        assertThat(refusedOn)
                .containsExactlyInAnyOrder(redis.pod(1).ip(), redis.pod(2).ip());
    }

    /**
     * 4. "Safety of replication when master has persistence turned off": Kubernetes restarts the master's container
     * in place (same IP) before anyone notices; it comes back empty, its replicas resynchronise from it and wipe
     * their own copy of the data.
     */
    @Test
    void masterWithoutPersistenceRestartedInPlaceMakesItsReplicasDropTheirData(SimulatedNamespace ns) {
        RedisStatefulSet redis =
                ns.redis("redis").replicas(3).persistence(false).start();
        RedisPod master = redis.pod(0);
        List<RedisPod> replicas = List.of(redis.pod(1), redis.pod(2));
        List<String> mset = new ArrayList<>(List.of("MSET"));
        for (int i = 0; i < 100; i++) {
            mset.add("key-" + i);
            mset.add("value-" + i);
        }
        assertThat(master.command(mset.toArray(String[]::new))).isEqualTo("OK");
        long masterOffset = offset(master.info("replication"), "master_repl_offset");
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            for (RedisPod replica : replicas) {
                assertThat(offset(replica.info("replication"), "slave_repl_offset"))
                        .isGreaterThanOrEqualTo(masterOffset);
            }
        });
        for (RedisPod replica : replicas) {
            assertThat(replica.dbSize()).isEqualTo(100);
        }
        String ip = master.ip();

        master.restartContainer(Duration.ofMillis(500));
        master.awaitReady(READY);
        assertThat(master.ip()).isEqualTo(ip);
        assertThat(master.dbSize()).isZero();

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            for (RedisPod replica : replicas) {
                assertThat(replica.info("replication"))
                        .containsEntry("master_host", ip)
                        .containsEntry("master_link_status", "up");
                assertThat(replica.dbSize()).isZero();
            }
        });
    }

    /**
     * 5a. Kubernetes restarts the master's container within a second, far inside Sentinel's down-after period:
     * Sentinel never fails over. It cannot help with a restart in place (and, without persistence, case 4 follows).
     */
    @Test
    void sentinelDoesNotFailOverWhenTheMasterContainerRestartsWithinDownAfter(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").replicas(3).start();
        Sentinels sentinels =
                ns.sentinels(redis).count(3).downAfter(Duration.ofMillis(5000)).start();
        sentinels.awaitReady(Duration.ofSeconds(30));
        RedisPod master = redis.pod(0);
        String address = master.address();

        master.restartContainer(Duration.ofMillis(500));
        master.awaitReady(READY);

        Always.holdsFor(
                Duration.ofSeconds(8),
                Duration.ofMillis(250),
                "Sentinels report pod 0",
                () -> assertThat(SentinelChecks.reportedMasters(sentinels)).containsOnly(address));
        for (int i = 0; i < sentinels.ips().size(); i++) {
            // No failover ever started: the configuration epoch is still the first one.
            assertThat(SentinelChecks.master(sentinels, i)).containsEntry("config-epoch", "0");
        }
        assertThat(redis.masters()).containsExactly(master);
    }

    /**
     * 5b. The master pod is rescheduled with a new IP: after down-after, Sentinel promotes a replica; meanwhile the
     * new pod 0 has started as a master of its own (the chart's startup script makes pod 0 master) that Sentinel
     * never learns about: two masters, and clients that find pod 0 by name write to the wrong one.
     */
    @Test
    void sentinelPromotesAReplicaWhileTheReplacedMasterPodComesBackAsASecondMaster(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").replicas(3).start();
        Duration downAfter = Duration.ofMillis(5000);
        Sentinels sentinels = ns.sentinels(redis).count(3).downAfter(downAfter).start();
        sentinels.awaitReady(Duration.ofSeconds(30));
        RedisPod master = redis.pod(0);
        List<String> replicaAddresses =
                List.of(redis.pod(1).address(), redis.pod(2).address());

        long killedAt = System.nanoTime();
        master.replace(Deletion.KILL, Duration.ofSeconds(1));
        master.awaitReady(READY);
        String newIp = master.ip();

        await().atMost(Duration.ofSeconds(40))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> replicaAddresses.contains(SentinelChecks.agreedMaster(sentinels)));
        long switchedAt = System.nanoTime();
        // Sentinel cannot act before down-after has passed since the master went away.
        assertThat(Duration.ofNanos(switchedAt - killedAt)).isGreaterThanOrEqualTo(downAfter);
        String promotedIp = sentinels.masterAddress().orElseThrow().split(":")[0];
        sentinels.awaitMaster(promotedIp, Duration.ofSeconds(5));
        RedisPod promoted = redis.pods().stream()
                .filter(p -> promotedIp.equals(p.ip()))
                .findFirst()
                .orElseThrow();

        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(redis.masters()).containsExactlyInAnyOrder(master, promoted));
        assertThat(sentinels.masterAddress()).isPresent().get().asString().doesNotStartWith(newIp + ":");
        Object known = sentinels.command(0, "SENTINEL", "REPLICAS", sentinels.masterName());
        assertThat(String.valueOf(known)).doesNotContain(newIp);
    }

    private static long offset(Map<String, String> info, String field) {
        String value = info.get(field);
        assertThat(value).as(field + " in " + info).isNotNull();
        return Long.parseLong(value);
    }
}
