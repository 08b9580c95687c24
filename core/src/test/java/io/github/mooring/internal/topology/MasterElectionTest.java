package io.github.mooring.internal.topology;

import static io.github.mooring.internal.topology.Outcome.expect;
import static io.github.mooring.internal.topology.Pod.master;
import static io.github.mooring.internal.topology.Pod.refusing;
import static io.github.mooring.internal.topology.Pod.replica;
import static io.github.mooring.internal.topology.Pod.sentinel;
import static io.github.mooring.internal.topology.Pod.unknownRole;
import static io.github.mooring.internal.topology.Pod.unreachable;
import static io.github.mooring.topology.StaleReplica.Reason.FOLLOWS_NON_MASTER;
import static io.github.mooring.topology.StaleReplica.Reason.FOLLOWS_UNKNOWN_ADDRESS;
import static io.github.mooring.topology.StaleReplica.Reason.LINK_DOWN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.mooring.discovery.Endpoint;
import io.github.mooring.internal.probe.Samples;
import io.github.mooring.probe.NodeReport;
import io.github.mooring.probe.ProbeResult;
import io.github.mooring.topology.Election;
import io.github.mooring.topology.ElectionPolicy;
import io.github.mooring.topology.Node;
import io.github.mooring.topology.SplitBrain;
import io.github.mooring.topology.StaleReplica;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class MasterElectionTest {

    private static final String ZERO = NodeReport.NO_REPL_ID;

    /** A situation: the pods of one probe round, the policy, and the whole expected outcome. */
    record Scenario(
            String name,
            ElectionPolicy policy,
            List<ProbeResult> results,
            String sentinelMaster,
            String sentinelPromoting,
            Outcome expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Scenario scenario(String name, List<Pod> pods, Outcome expected) {
        return scenario(name, ElectionPolicy.defaults(), pods, expected);
    }

    static Scenario scenario(String name, ElectionPolicy policy, List<Pod> pods, Outcome expected) {
        return new Scenario(name, policy, pods.stream().map(Pod::result).toList(), null, null, expected);
    }

    /** A situation where the Sentinels name {@code sentinelMaster} ({@code ip:port}) as master. */
    static Scenario named(String name, String sentinelMaster, List<Pod> pods, Outcome expected) {
        return promoting(name, sentinelMaster, null, pods, expected);
    }

    /** Where the Sentinels name {@code sentinelMaster} and their failover is promoting {@code promoting}. */
    static Scenario promoting(String name, String sentinelMaster, String promoting, List<Pod> pods, Outcome expected) {
        return new Scenario(
                name,
                ElectionPolicy.defaults(),
                pods.stream().map(Pod::result).toList(),
                sentinelMaster,
                promoting,
                expected);
    }

    /** The master a Sentinel failover moves away from: redis-0, monitored by two Sentinels. */
    private static Pod oldMaster() {
        return master("redis-0").replId("old-history").sentinels(2);
    }

    /** A master promoted from {@link #oldMaster()} ({@code master_replid2} is its history). */
    private static Pod promotedFromOldMaster(String name) {
        return master(name).promotedFrom("old-history").sentinels(2);
    }

    static Stream<Scenario> scenarios() {
        return Stream.of(
                // 1. Exactly one candidate master
                scenario(
                        "healthy: one master, two linked replicas",
                        List.of(
                                master("redis-0"),
                                replica("redis-1").of("10.0.0.10"),
                                replica("redis-2").of("10.0.0.10")),
                        expect().master("redis-0").replicas("redis-1", "redis-2")),
                scenario(
                        "single pod: a master without replicas",
                        List.of(master("redis-0")),
                        expect().master("redis-0")),
                scenario(
                        "replicas doing their first sync, or never connected yet, are not stale",
                        List.of(
                                master("redis-0"),
                                replica("redis-1").of("10.0.0.10").syncing(3),
                                replica("redis-2").of("10.0.0.10").syncing(-1),
                                replica("redis-3").of("10.0.0.10").linkDown(-1)),
                        expect().master("redis-0").replicas("redis-1", "redis-2", "redis-3")),
                scenario(
                        "replica whose link is down longer than the policy allows is stale",
                        List.of(
                                master("redis-0"),
                                replica("redis-1").of("10.0.0.10").linkDown(12),
                                replica("redis-2").of("10.0.0.10").linkDown(9)),
                        expect().master("redis-0")
                                .replicas("redis-1", "redis-2")
                                .stale("redis-1", LINK_DOWN, "10.0.0.10:6379")),
                scenario(
                        "link down exactly as long as the threshold is stale",
                        List.of(
                                master("redis-0"),
                                replica("redis-1").of("10.0.0.10").linkDown(10)),
                        expect().master("redis-0").replicas("redis-1").stale("redis-1", LINK_DOWN, "10.0.0.10:6379")),
                scenario(
                        "full resync running longer than the threshold is stale",
                        List.of(
                                master("redis-0"),
                                replica("redis-1").of("10.0.0.10").syncing(45)),
                        expect().master("redis-0").replicas("redis-1").stale("redis-1", LINK_DOWN, "10.0.0.10:6379")),
                scenario(
                        "zero threshold: any measured link-down is stale, an unmeasured one is not",
                        new ElectionPolicy(Duration.ZERO),
                        List.of(
                                master("redis-0"),
                                        replica("redis-1").of("10.0.0.10").linkDown(0),
                                replica("redis-2").of("10.0.0.10").linkDown(-1),
                                        replica("redis-3").of("10.0.0.10")),
                        expect().master("redis-0")
                                .replicas("redis-1", "redis-2", "redis-3")
                                .stale("redis-1", LINK_DOWN, "10.0.0.10:6379")),
                scenario(
                        "lenient policy: a link down 12s is tolerated under a 30s threshold",
                        new ElectionPolicy(Duration.ofSeconds(30)),
                        List.of(
                                master("redis-0"),
                                replica("redis-1").of("10.0.0.10").linkDown(12)),
                        expect().master("redis-0").replicas("redis-1")),
                scenario(
                        "master pod replaced with new IP, replicas still follow the old IP",
                        List.of(
                                master("redis-0").at("10.0.0.20"),
                                replica("redis-1").of("10.0.0.10").linkDown(25),
                                replica("redis-2").of("10.0.0.10").linkDown(25)),
                        expect().master("redis-0")
                                .replicas("redis-1", "redis-2")
                                .stale("redis-1", FOLLOWS_UNKNOWN_ADDRESS, "10.0.0.10:6379")
                                .stale("redis-2", FOLLOWS_UNKNOWN_ADDRESS, "10.0.0.10:6379")),
                scenario(
                        "container restarted in place without persistence (empty master, replicas follow same IP)",
                        List.of(
                                master("redis-0").empty().offset(0).replId("fresh-history"),
                                replica("redis-1").of("10.0.0.10").syncing(2),
                                replica("redis-2").of("10.0.0.10").linkDown(2)),
                        expect().master("redis-0").replicas("redis-1", "redis-2")),
                scenario(
                        "replicas configured by host name are matched through the IPs it resolved to",
                        List.of(
                                master("redis-0"),
                                replica("redis-1")
                                        .of("redis-0.redis.ns.svc.cluster.local")
                                        .resolvedTo("10.0.0.10"),
                                replica("redis-2").of("redis-0.redis.ns.svc.cluster.local"),
                                replica("redis-3")
                                        .of("redis-0.redis.ns.svc.cluster.local")
                                        .resolvedTo("10.0.0.99")),
                        expect().master("redis-0")
                                .replicas("redis-1", "redis-2", "redis-3")
                                .stale("redis-2", FOLLOWS_UNKNOWN_ADDRESS, "redis-0.redis.ns.svc.cluster.local:6379")
                                .stale("redis-3", FOLLOWS_UNKNOWN_ADDRESS, "redis-0.redis.ns.svc.cluster.local:6379")),
                scenario(
                        "replica following the master's IP on another port follows an unknown address",
                        List.of(master("redis-0"), replica("redis-1").of("10.0.0.10", 6380)),
                        expect().master("redis-0")
                                .replicas("redis-1")
                                .stale("redis-1", FOLLOWS_UNKNOWN_ADDRESS, "10.0.0.10:6380")),
                scenario(
                        "replica chained behind another replica follows a non-master",
                        List.of(
                                master("redis-0"),
                                replica("redis-1").of("10.0.0.10"),
                                replica("redis-2").of("10.0.0.11")),
                        expect().master("redis-0")
                                .replicas("redis-1", "redis-2")
                                .stale("redis-2", FOLLOWS_NON_MASTER, "10.0.0.11:6379")),
                scenario(
                        "replica still following the frozen old master after Sentinel promoted another",
                        List.of(
                                unreachable("redis-0", "timed out after 500ms"),
                                master("redis-1").promotedFrom("replid-of-redis-0"),
                                replica("redis-2").of("10.0.0.10").linkDown(15)),
                        expect().master("redis-1")
                                .replicas("redis-2")
                                .stale("redis-2", FOLLOWS_NON_MASTER, "10.0.0.10:6379")
                                .unreachable("redis-0")),
                scenario(
                        "IPv6 pods: a replica writing the master's address in full form follows it",
                        List.of(
                                master("redis-0").at("fd00::a"),
                                replica("redis-1").at("fd00::b").of("fd00:0:0:0:0:0:0:a"),
                                replica("redis-2").at("fd00::c").of("fd00::99")),
                        expect().master("redis-0")
                                .replicas("redis-1", "redis-2")
                                .stale("redis-2", FOLLOWS_UNKNOWN_ADDRESS, "[fd00::99]:6379")),
                scenario(
                        "loading master beside a serving master is no candidate",
                        List.of(
                                master("redis-0").loading().offset(0),
                                master("redis-1"),
                                replica("redis-2").of("10.0.0.11")),
                        expect().master("redis-1").replicas("redis-2").unreachable("redis-0")),
                scenario(
                        "terminating master during a rolling update is not elected",
                        List.of(
                                master("redis-0").terminating(),
                                master("redis-1").promotedFrom("replid-of-redis-0"),
                                replica("redis-2").of("10.0.0.10")),
                        expect().master("redis-1")
                                .replicas("redis-2")
                                .stale("redis-2", FOLLOWS_NON_MASTER, "10.0.0.10:6379")
                                .unreachable("redis-0")),
                scenario(
                        "a Sentinel pod beside a healthy group takes no part",
                        List.of(
                                master("redis-0"),
                                replica("redis-1").of("10.0.0.10"),
                                sentinel("sentinel-0").at("10.0.0.30")),
                        expect().master("redis-0").replicas("redis-1").unreachable("sentinel-0")),

                // 2. Split brain
                scenario(
                        "Sentinel promoted redis-1 seconds before demoting redis-0",
                        List.of(
                                master("redis-0").offset(5000),
                                master("redis-1")
                                        .promotedFrom("replid-of-redis-0")
                                        .offset(4990),
                                replica("redis-2").of("10.0.0.10")),
                        expect().master("redis-1")
                                .splitBrain("succession", "redis-0")
                                .replicas("redis-2")
                                .stale("redis-2", FOLLOWS_NON_MASTER, "10.0.0.10:6379")),
                scenario(
                        "manual failover REPLICAOF NO ONE on redis-2",
                        List.of(
                                master("redis-0").offset(7000),
                                replica("redis-1").of("10.0.0.10").offset(7000),
                                master("redis-2")
                                        .promotedFrom("replid-of-redis-0")
                                        .offset(7000)),
                        expect().master("redis-2")
                                .splitBrain("succession", "redis-0")
                                .replicas("redis-1")
                                .stale("redis-1", FOLLOWS_NON_MASTER, "10.0.0.10:6379")),
                scenario(
                        "three-way chain: redis-0 -> redis-1 -> redis-2 resolves to the newest",
                        List.of(
                                master("redis-0").offset(9000),
                                master("redis-1").promotedFrom("replid-of-redis-0"),
                                master("redis-2")
                                        .promotedFrom("replid-of-redis-1")
                                        .offset(100),
                                replica("redis-3").of("10.0.0.10")),
                        expect().master("redis-2")
                                .splitBrain("succession", "redis-0", "redis-1")
                                .replicas("redis-3")
                                .stale("redis-3", FOLLOWS_NON_MASTER, "10.0.0.10:6379")),
                scenario(
                        "chain through an empty master still resolves to the newest",
                        List.of(
                                master("redis-0").offset(9000),
                                master("redis-1").empty().promotedFrom("replid-of-redis-0"),
                                master("redis-2")
                                        .promotedFrom("replid-of-redis-1")
                                        .offset(10)),
                        expect().master("redis-2").splitBrain("succession", "redis-0", "redis-1")),
                scenario(
                        "newest master of a chain is empty: the newest one holding data wins",
                        List.of(
                                master("redis-0").offset(9000),
                                master("redis-1")
                                        .promotedFrom("replid-of-redis-0")
                                        .offset(10),
                                master("redis-2").empty().promotedFrom("replid-of-redis-1")),
                        expect().master("redis-1").splitBrain("succession", "redis-0", "redis-2")),
                scenario(
                        "succession narrows three masters to two, then the offset decides",
                        List.of(
                                master("redis-0").offset(900),
                                master("redis-1")
                                        .promotedFrom("replid-of-redis-0")
                                        .offset(50),
                                master("redis-2").offset(80)),
                        expect().master("redis-2").splitBrain("replication offset", "redis-0", "redis-1")),
                scenario(
                        "never-promoted masters share replId2 of forty zeros: no succession",
                        List.of(
                                master("redis-0").replId(ZERO).offset(200),
                                master("redis-1").offset(100)),
                        expect().master("redis-0").splitBrain("replication offset", "redis-1")),
                scenario(
                        "masters without replication ids: no succession",
                        List.of(
                                master("redis-0")
                                        .replId(null)
                                        .promotedFrom(null)
                                        .offset(100),
                                master("redis-1")
                                        .replId(null)
                                        .promotedFrom(null)
                                        .offset(200)),
                        expect().master("redis-1").splitBrain("replication offset", "redis-0")),
                scenario(
                        "succession cycle (impossible in Redis) is inconclusive",
                        List.of(
                                master("redis-0").replId("a").promotedFrom("b").offset(100),
                                master("redis-1").replId("b").promotedFrom("a").offset(200)),
                        expect().master("redis-1").splitBrain("replication offset", "redis-0")),
                scenario(
                        "new empty redis-0 beside promoted redis-1",
                        List.of(
                                master("redis-0").empty().offset(0).replId("fresh-history"),
                                master("redis-1")
                                        .promotedFrom("replid-of-old-redis-0")
                                        .offset(5000),
                                replica("redis-2").of("10.0.0.11")),
                        expect().master("redis-1")
                                .splitBrain("only one holds data", "redis-0")
                                .replicas("redis-2")),
                scenario(
                        "empty master loses even when newer by succession and followed by replicas",
                        List.of(
                                master("redis-0")
                                        .empty()
                                        .promotedFrom("replid-of-redis-1")
                                        .offset(9000),
                                master("redis-1").offset(10),
                                replica("redis-2").of("10.0.0.10"),
                                replica("redis-3").of("10.0.0.10")),
                        expect().master("redis-1")
                                .splitBrain("only one holds data", "redis-0")
                                .replicas("redis-2", "redis-3")
                                .stale("redis-2", FOLLOWS_NON_MASTER, "10.0.0.10:6379")
                                .stale("redis-3", FOLLOWS_NON_MASTER, "10.0.0.10:6379")),
                scenario(
                        "data drops the empty master, the offset decides between the two with data",
                        List.of(
                                master("redis-0").empty().offset(5000),
                                master("redis-1").offset(100),
                                master("redis-2").offset(200)),
                        expect().master("redis-2").splitBrain("replication offset", "redis-0", "redis-1")),
                scenario(
                        "all masters empty: the data rule cannot tell, the pod name does",
                        List.of(
                                master("redis-1").empty().offset(0),
                                master("redis-0").empty().offset(0)),
                        expect().master("redis-0").splitBrain("tie broken by pod name", "redis-1")),
                scenario(
                        "followers decide between unrelated histories, whatever the offsets",
                        List.of(
                                master("redis-0").offset(100),
                                master("redis-1").offset(900),
                                replica("redis-2").of("10.0.0.10"),
                                replica("redis-3").of("10.0.0.10"),
                                replica("redis-4").of("10.0.0.11")),
                        expect().master("redis-0")
                                .splitBrain("followed by replicas", "redis-1")
                                .replicas("redis-2", "redis-3", "redis-4")
                                .stale("redis-4", FOLLOWS_NON_MASTER, "10.0.0.11:6379")),
                scenario(
                        "followers whose link is down do not count",
                        List.of(
                                master("redis-0"),
                                master("redis-1"),
                                replica("redis-2").of("10.0.0.10").linkDown(30),
                                replica("redis-3").of("10.0.0.10").linkDown(30),
                                replica("redis-4").of("10.0.0.11")),
                        expect().master("redis-1")
                                .splitBrain("followed by replicas", "redis-0")
                                .replicas("redis-2", "redis-3", "redis-4")
                                .stale("redis-2", FOLLOWS_NON_MASTER, "10.0.0.10:6379")
                                .stale("redis-3", FOLLOWS_NON_MASTER, "10.0.0.10:6379")),
                scenario(
                        "followers are counted through the IPs their master host name resolved to",
                        List.of(
                                master("redis-0").offset(100),
                                master("redis-1").offset(200),
                                replica("redis-2")
                                        .of("redis-0.redis.ns.svc.cluster.local")
                                        .resolvedTo("10.0.0.10")),
                        expect().master("redis-0")
                                .splitBrain("followed by replicas", "redis-1")
                                .replicas("redis-2")),
                scenario(
                        "larger replication offset wins",
                        List.of(master("redis-0").offset(100), master("redis-1").offset(200)),
                        expect().master("redis-1").splitBrain("replication offset", "redis-0")),
                scenario(
                        "equal masters: lowest pod name wins, redis-2 before redis-10",
                        List.of(master("redis-10"), master("redis-2")),
                        expect().master("redis-2").splitBrain("tie broken by pod name", "redis-10")),
                scenario(
                        "equal masters without pod names: lowest address wins, 10.0.0.9 before 10.0.0.10",
                        List.of(master(null).at("10.0.0.10"), master(null).at("10.0.0.9")),
                        expect().master("10.0.0.9:6379").splitBrain("tie broken by address", "10.0.0.10:6379")),

                // 3. Sentinels manage the group: a master no Sentinel monitors is none of theirs
                named(
                        "restart race: the old master back at its IP loses to the one Sentinel names, whatever it holds",
                        "10.0.0.11:6379",
                        List.of(
                                master("redis-0").offset(90000).sentinels(3),
                                master("redis-1").offset(100).sentinels(3),
                                replica("redis-2").of("10.0.0.10").sentinels(3)),
                        expect().master("redis-1")
                                .splitBrain(MasterElection.NAMED_BY_SENTINELS, "redis-0")
                                .replicas("redis-2")
                                .stale("redis-2", FOLLOWS_NON_MASTER, "10.0.0.10:6379")),
                named(
                        "Sentinel names redis-1, not yet master as probed: the old master is not written to",
                        "10.0.0.11:6379",
                        List.of(
                                master("redis-0").sentinels(3),
                                replica("redis-1").of("10.0.0.10").sentinels(3)),
                        expect().replicas("redis-1")
                                .unreachable("redis-0")
                                .noMaster(
                                        "no pod reports master: redis-0 (10.0.0.10:6379) master but the Sentinels name"
                                                + " 10.0.0.11:6379 as master (an old master back at its IP: writes wait for the"
                                                + " one Sentinel promoted); redis-1 (10.0.0.11:6379) replica of"
                                                + " 10.0.0.10:6379")),
                named(
                        "Sentinel still names the old master, the replica it promoted already answers master: succession",
                        "10.0.0.10:6379",
                        List.of(
                                master("redis-0").replId("old-history").sentinels(2),
                                master("redis-1")
                                        .promotedFrom("old-history")
                                        .offset(100)
                                        .sentinels(2)),
                        expect().master("redis-1").splitBrain("succession", "redis-0")),
                promoting(
                        "the old master is dead, the replica Sentinel's failover promotes answers master before they"
                                + " name it: elected",
                        "10.0.0.10:6379",
                        "10.0.0.11:6379",
                        List.of(
                                Pod.unreachable("redis-0", "connection refused"),
                                master("redis-1").promotedFrom("old-history").sentinels(2),
                                replica("redis-2").of("10.0.0.10").linkDown(3).sentinels(2)),
                        expect().master("redis-1")
                                .replicas("redis-2")
                                .unreachable("redis-0")
                                .stale("redis-2", FOLLOWS_NON_MASTER, "10.0.0.10:6379")),
                named(
                        "the old master is dead, a replica answers master, Sentinels promote none yet: not written to",
                        "10.0.0.10:6379",
                        List.of(
                                Pod.unreachable("redis-0", "connection refused"),
                                master("redis-1").promotedFrom("old-history").sentinels(2),
                                replica("redis-2").of("10.0.0.10").linkDown(3).sentinels(2)),
                        expect().replicas("redis-2")
                                .unreachable("redis-0", "redis-1")
                                .noMaster("no pod reports master: redis-0 (10.0.0.10:6379) unreachable: connection"
                                        + " refused; redis-1 (10.0.0.11:6379) master but the Sentinels name"
                                        + " 10.0.0.10:6379 as master (an old master back at its IP: writes wait for"
                                        + " the one Sentinel promoted); redis-2 (10.0.0.12:6379) replica of"
                                        + " 10.0.0.10:6379, link down 3s")),
                // 3a. A Sentinel failover in progress: what Sentinel says comes before readiness
                promoting(
                        "Sentinel's failover promotes redis-1, whose readiness flaps: the old master, still ready, loses"
                                + " to it (SentinelTlsIT in CI's boot-4.0 step moved back to redis-0 for 250 ms)",
                        "10.0.0.10:6379",
                        "10.0.0.11:6379",
                        List.of(
                                oldMaster(),
                                promotedFromOldMaster("redis-1").notReady(),
                                replica("redis-2").of("10.0.0.10").sentinels(2)),
                        expect().master("redis-1")
                                .splitBrain(MasterElection.PROMOTED_BY_SENTINELS, "redis-0")
                                .replicas("redis-2")
                                .stale("redis-2", FOLLOWS_NON_MASTER, "10.0.0.10:6379")),
                promoting(
                        "Sentinel's failover promotes redis-1, both ready: it wins by Sentinel's word, not by succession",
                        "10.0.0.10:6379",
                        "10.0.0.11:6379",
                        List.of(oldMaster().offset(90000), promotedFromOldMaster("redis-1")),
                        expect().master("redis-1").splitBrain(MasterElection.PROMOTED_BY_SENTINELS, "redis-0")),
                promoting(
                        "Sentinel's failover promotes redis-1, not ready; redis-2, promoted from the old master by no"
                                + " failover Sentinel runs, is ready: redis-1 wins over both",
                        "10.0.0.10:6379",
                        "10.0.0.11:6379",
                        List.of(
                                oldMaster(),
                                promotedFromOldMaster("redis-1").notReady(),
                                promotedFromOldMaster("redis-2")),
                        expect().master("redis-1")
                                .splitBrain(MasterElection.PROMOTED_BY_SENTINELS, "redis-0", "redis-2")),
                promoting(
                        "Sentinel's failover promotes redis-1, not master yet and not ready: the old master stays"
                                + " (writes to it wait for the failover's switch or abort)",
                        "10.0.0.10:6379",
                        "10.0.0.11:6379",
                        List.of(
                                master("redis-0").sentinels(2),
                                replica("redis-1").of("10.0.0.10").notReady().sentinels(2)),
                        expect().master("redis-0").replicas("redis-1")),
                promoting(
                        "the replica Sentinel is promoting died mid-promotion: the old master stays, the only candidate",
                        "10.0.0.10:6379",
                        "10.0.0.11:6379",
                        List.of(
                                master("redis-0").sentinels(2),
                                Pod.unreachable("redis-1", "connection refused"),
                                replica("redis-2").of("10.0.0.10").sentinels(2)),
                        expect().master("redis-0").replicas("redis-2").unreachable("redis-1")),
                promoting(
                        "the replica Sentinel is promoting answers master but is loading: no candidate, the old master"
                                + " stays",
                        "10.0.0.10:6379",
                        "10.0.0.11:6379",
                        List.of(oldMaster(), promotedFromOldMaster("redis-1").loading()),
                        expect().master("redis-0").unreachable("redis-1")),
                named(
                        "Sentinel aborted the failover (failover timeout) before the replica answered master: the old"
                                + " master stays, ready or not",
                        "10.0.0.10:6379",
                        List.of(
                                master("redis-0").notReady().sentinels(2),
                                replica("redis-1").of("10.0.0.10").sentinels(2)),
                        expect().master("redis-0").replicas("redis-1")),
                named(
                        "no failover in progress (aborted, or none heard), a replica promoted from the named master is"
                                + " not ready: readiness decides, as without Sentinel",
                        "10.0.0.10:6379",
                        List.of(oldMaster(), promotedFromOldMaster("redis-1").notReady()),
                        expect().master("redis-0").splitBrain("ready endpoint", "redis-1")),
                named(
                        "after the switch (a newer configuration epoch names redis-1), redis-1 not ready and the old"
                                + " master still ready: redis-1, the named one",
                        "10.0.0.11:6379",
                        List.of(oldMaster(), promotedFromOldMaster("redis-1").notReady()),
                        expect().master("redis-1").splitBrain(MasterElection.NAMED_BY_SENTINELS, "redis-0")),
                scenario(
                        "no Sentinel: a ready master wins over a not-ready one promoted from it, as before",
                        List.of(
                                master("redis-0").replId("old-history"),
                                master("redis-1").promotedFrom("old-history").notReady()),
                        expect().master("redis-0").splitBrain("ready endpoint", "redis-1")),
                named(
                        "Sentinel names the usual master: nothing changes",
                        "10.0.0.10:6379",
                        List.of(
                                master("redis-0").sentinels(2),
                                replica("redis-1").of("10.0.0.10").sentinels(2)),
                        expect().master("redis-0").replicas("redis-1")),
                named(
                        "Sentinel names an address no pod has (host names announced, pod deleted): not followed",
                        "redis-1.redis:6379",
                        List.of(
                                master("redis-0").sentinels(2),
                                replica("redis-1").of("10.0.0.10").sentinels(2)),
                        expect().master("redis-0").replicas("redis-1")),
                scenario(
                        "pod recreated with a new IP while Sentinels still wait to fail over: no master yet",
                        List.of(
                                master("redis-0").at("10.0.0.20").sentinels(0),
                                replica("redis-1").of("10.0.0.10").linkDown(3).sentinels(3),
                                replica("redis-2").of("10.0.0.10").linkDown(3).sentinels(3)),
                        expect().replicas("redis-1", "redis-2")
                                .unreachable("redis-0")
                                .stale("redis-1", FOLLOWS_UNKNOWN_ADDRESS, "10.0.0.10:6379")
                                .stale("redis-2", FOLLOWS_UNKNOWN_ADDRESS, "10.0.0.10:6379")
                                .noMaster("no pod reports master: redis-0 (10.0.0.20:6379) master but no Sentinel"
                                        + " monitors it while Sentinels manage this group (a pod recreated with a new"
                                        + " IP: writes wait for the Sentinels to promote a replica); redis-1"
                                        + " (10.0.0.11:6379) replica of 10.0.0.10:6379, link down 3s; redis-2"
                                        + " (10.0.0.12:6379) replica of 10.0.0.10:6379, link down 3s")),
                scenario(
                        "Sentinels promoted redis-1: it wins over the recreated redis-0 they never heard of",
                        List.of(
                                master("redis-0").at("10.0.0.20").offset(90000).sentinels(0),
                                master("redis-1")
                                        .promotedFrom("replid-of-old-redis-0")
                                        .offset(100)
                                        .sentinels(3),
                                replica("redis-2").of("10.0.0.10").linkDown(1).sentinels(3)),
                        expect().master("redis-1")
                                .splitBrain(MasterElection.MONITORED_BY_SENTINELS, "redis-0")
                                .replicas("redis-2")
                                .stale("redis-2", FOLLOWS_UNKNOWN_ADDRESS, "10.0.0.10:6379")),
                scenario(
                        "monitored masters are decided by the usual rules; unmonitored ones lose as well",
                        List.of(
                                master("redis-0").at("10.0.0.20").sentinels(0),
                                master("redis-1").offset(100).sentinels(2),
                                master("redis-2").offset(200).sentinels(2)),
                        expect().master("redis-2").splitBrain("replication offset", "redis-0", "redis-1")),
                scenario(
                        "a master whose Sentinel links are unknown (PUBSUB refused) stays a candidate",
                        List.of(
                                master("redis-0"),
                                replica("redis-1").of("10.0.0.10").sentinels(3)),
                        expect().master("redis-0").replicas("redis-1")),
                scenario(
                        "no Sentinel anywhere: a master without Sentinel links is elected as always",
                        List.of(
                                master("redis-0").at("10.0.0.20").sentinels(0),
                                replica("redis-1").of("10.0.0.10").linkDown(3).sentinels(0)),
                        expect().master("redis-0")
                                .replicas("redis-1")
                                .stale("redis-1", FOLLOWS_UNKNOWN_ADDRESS, "10.0.0.10:6379")),
                scenario(
                        "a cluster node among a replication group's pods (a misconfigured pod) takes no part",
                        List.of(
                                master("redis-0"),
                                replica("redis-1").of("10.0.0.10"),
                                master("redis-2").clusterNode()),
                        expect().master("redis-0").replicas("redis-1").unreachable("redis-2")),

                // 4. No candidate master
                scenario("no endpoints at all", List.of(), expect().noMaster("no endpoints to probe")),
                scenario(
                        "Redis Cluster: every pod a cluster node, masters of their own slots; none is this group's master",
                        List.of(
                                master("redis-0").clusterNode(),
                                master("redis-1").clusterNode(),
                                replica("redis-2").of("10.0.0.10").clusterNode()),
                        expect().unreachable("redis-0", "redis-1", "redis-2")
                                .noMaster("no pod reports master: redis-0 (10.0.0.10:6379) master of a Redis Cluster"
                                        + " (cluster_enabled:1), not of a replication group; redis-1 (10.0.0.11:6379)"
                                        + " master of a Redis Cluster (cluster_enabled:1), not of a replication group;"
                                        + " redis-2 (10.0.0.12:6379) replica of a Redis Cluster (cluster_enabled:1),"
                                        + " not of a replication group")),
                scenario(
                        "unreachable, stale replica and loading master (the example of the design)",
                        List.of(
                                unreachable("redis-0", "connection refused").at("127.0.1.1"),
                                replica("redis-1")
                                        .at("127.0.1.2")
                                        .of("127.0.1.1")
                                        .linkDown(12),
                                master("redis-2").at("127.0.1.3").loading()),
                        expect().replicas("redis-1")
                                .unreachable("redis-0", "redis-2")
                                .noMaster("no pod reports master: redis-0 (127.0.1.1:6379) unreachable: connection"
                                        + " refused; redis-1 (127.0.1.2:6379) replica of 127.0.1.1:6379, link down 12s;"
                                        + " redis-2 (127.0.1.3:6379) master but loading")),
                scenario(
                        "all replicas",
                        List.of(
                                replica("redis-0").of("10.0.0.99").linkDown(40),
                                replica("redis-1").of("10.0.0.99").linkDown(40),
                                replica("redis-2").of("10.0.0.10")),
                        expect().replicas("redis-0", "redis-1", "redis-2")
                                .stale("redis-0", FOLLOWS_UNKNOWN_ADDRESS, "10.0.0.99:6379")
                                .stale("redis-1", FOLLOWS_UNKNOWN_ADDRESS, "10.0.0.99:6379")
                                .stale("redis-2", FOLLOWS_NON_MASTER, "10.0.0.10:6379")
                                .noMaster("no pod reports master: redis-0 (10.0.0.10:6379) replica of 10.0.0.99:6379,"
                                        + " link down 40s; redis-1 (10.0.0.11:6379) replica of 10.0.0.99:6379, link"
                                        + " down 40s; redis-2 (10.0.0.12:6379) replica of 10.0.0.10:6379")),
                scenario(
                        "frozen master unreachable",
                        List.of(
                                unreachable("redis-0", "timed out after 500ms"),
                                replica("redis-1").of("10.0.0.10").linkDown(4),
                                replica("redis-2").of("10.0.0.10").linkDown(4)),
                        expect().replicas("redis-1", "redis-2")
                                .unreachable("redis-0")
                                .noMaster("no pod reports master: redis-0 (10.0.0.10:6379) unreachable: timed out"
                                        + " after 500ms; redis-1 (10.0.0.11:6379) replica of 10.0.0.10:6379, link down"
                                        + " 4s; redis-2 (10.0.0.12:6379) replica of 10.0.0.10:6379, link down 4s")),
                scenario(
                        "only master terminating: its replicas are not blamed",
                        List.of(
                                master("redis-0").terminating(),
                                replica("redis-1").of("10.0.0.10")),
                        expect().replicas("redis-1")
                                .unreachable("redis-0")
                                .noMaster("no pod reports master: redis-0 (10.0.0.10:6379) master but terminating;"
                                        + " redis-1 (10.0.0.11:6379) replica of 10.0.0.10:6379")),
                scenario(
                        "master loading while its pod terminates; replica syncing from it",
                        List.of(
                                master("redis-0").loading().terminating(),
                                replica("redis-1").of("10.0.0.10").syncing(-1)),
                        expect().replicas("redis-1")
                                .unreachable("redis-0")
                                .noMaster("no pod reports master: redis-0 (10.0.0.10:6379) master but loading and"
                                        + " terminating; redis-1 (10.0.0.11:6379) replica of 10.0.0.10:6379, link"
                                        + " down, syncing")),
                scenario(
                        "the Service selects a Sentinel instead of Redis pods",
                        List.of(sentinel("sentinel-0").at("10.0.0.30")),
                        expect().unreachable("sentinel-0")
                                .noMaster("no pod reports master: sentinel-0 (10.0.0.30:26379) is a Sentinel, not a"
                                        + " Redis server (the Service should not select Sentinel pods)")),
                scenario(
                        "a pod answering without a known role",
                        List.of(unknownRole("redis-0")),
                        expect().unreachable("redis-0")
                                .noMaster("no pod reports master: redis-0 (10.0.0.10:6379) answered without a known"
                                        + " role")),
                scenario(
                        "the master refuses the probe's credentials: it is up, listed apart, never as unreachable; its"
                                + " replicas are not blamed for following it",
                        List.of(
                                refusing("redis-0", "app"),
                                replica("redis-1").of("10.0.0.10"),
                                replica("redis-2").of("10.0.0.10")),
                        expect().replicas("redis-1", "redis-2")
                                .refusing("redis-0 user app")
                                .noMaster("no pod reports master: redis-0 (10.0.0.10:6379) refused the credentials of"
                                        + " user app: authentication refused (WRONGPASS invalid username-password pair or"
                                        + " user is disabled.): check the Redis username and password; redis-1"
                                        + " (10.0.0.11:6379) replica of 10.0.0.10:6379; redis-2 (10.0.0.12:6379)"
                                        + " replica of 10.0.0.10:6379")),
                scenario(
                        "a replica refuses the credentials: the master is elected as usual",
                        List.of(
                                master("redis-0"),
                                refusing("redis-1", "default"),
                                replica("redis-2").of("10.0.0.10")),
                        expect().master("redis-0").replicas("redis-2").refusing("redis-1 user default")),
                scenario(
                        "endpoints without pod names are listed by address, in numeric order",
                        List.of(
                                unreachable(null, "NOAUTH Authentication required")
                                        .at("10.0.0.10"),
                                unreachable(null, "connection refused").at("10.0.0.9")),
                        expect().unreachable("10.0.0.9:6379", "10.0.0.10:6379")
                                .noMaster("no pod reports master: 10.0.0.9:6379 unreachable: connection refused;"
                                        + " 10.0.0.10:6379 unreachable: NOAUTH Authentication required")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void electsAsTheSituationRequires(Scenario scenario) {
        Election election = MasterElection.elect(
                scenario.results(), scenario.policy(), scenario.sentinelMaster(), scenario.sentinelPromoting());

        assertThat(Outcome.of(election)).as(scenario.name()).isEqualTo(scenario.expected());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void electsTheSameWhateverTheInputOrder(Scenario scenario) {
        Election expected = MasterElection.elect(
                scenario.results(), scenario.policy(), scenario.sentinelMaster(), scenario.sentinelPromoting());

        for (List<ProbeResult> order : orders(scenario.results())) {
            assertThat(MasterElection.elect(
                            order, scenario.policy(), scenario.sentinelMaster(), scenario.sentinelPromoting()))
                    .as("%s, input order %s", scenario.name(), order)
                    .isEqualTo(expected);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void placesEveryEndpointExactlyOnce(Scenario scenario) {
        Election election = MasterElection.elect(
                scenario.results(), scenario.policy(), scenario.sentinelMaster(), scenario.sentinelPromoting());

        List<Object> placed = new ArrayList<>();
        election.master().ifPresent(master -> placed.add(master.endpoint()));
        election.splitBrain().ifPresent(split -> split.losers().forEach(loser -> placed.add(loser.endpoint())));
        election.replicas().forEach(replica -> placed.add(replica.endpoint()));
        election.unreachable().forEach(result -> placed.add(result.endpoint()));
        election.credentialsRejected().forEach(result -> placed.add(result.endpoint()));
        assertThat(placed)
                .as(scenario.name())
                .containsExactlyInAnyOrderElementsOf(
                        scenario.results().stream().map(ProbeResult::endpoint).toList());
        assertThat(election.replicas())
                .as(scenario.name())
                .containsAll(election.staleReplicas().stream()
                        .map(StaleReplica::replica)
                        .toList());
    }

    @ParameterizedTest(name = "real Redis {0} INFO after REPLICAOF NO ONE on redis-2")
    @MethodSource("io.github.mooring.internal.probe.Samples#versions")
    void electsFromRealInfoOutput(String version) {
        // Captured in one run: redis-0 served two replicas, then redis-2 ran REPLICAOF NO ONE.
        String prefix = version.equals("6.2") ? "127.77.62." : "127.77.70.";
        List<ProbeResult> results = List.of(
                real("redis-0", prefix + "1", version, "master-with-two-replicas"),
                real("redis-1", prefix + "2", version, "replica-linked"),
                real("redis-2", prefix + "3", version, "promoted-replica"));

        Election election = MasterElection.elect(results, ElectionPolicy.defaults());

        assertThat(Outcome.of(election))
                .as("Redis %s", version)
                .isEqualTo(expect().master("redis-2")
                        .splitBrain("succession", "redis-0")
                        .replicas("redis-1")
                        .stale("redis-1", FOLLOWS_NON_MASTER, prefix + "1:6379"));
    }

    @Test
    void rejectsTheSameEndpointProbedTwice() {
        List<ProbeResult> results = List.of(
                master("redis-0").result(), master("redis-0").at("10.0.0.10").result());

        assertThatThrownBy(() -> MasterElection.elect(results, ElectionPolicy.defaults()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("endpoint 10.0.0.10:6379 was probed twice");
    }

    @Test
    void rejectsTheSameIpv6EndpointWrittenTwoWays() {
        List<ProbeResult> results = List.of(
                master("redis-0").at("fd00::a").result(),
                replica("redis-1").at("fd00:0:0:0:0:0:0:a").of("fd00::a").result());

        assertThatThrownBy(() -> MasterElection.elect(results, ElectionPolicy.defaults()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void namesTheRuleAndListsTheLosersOfASplitBrain() {
        Election election = MasterElection.elect(
                List.of(
                        master("redis-0").offset(1).result(),
                        master("redis-1").promotedFrom("replid-of-redis-0").result()),
                ElectionPolicy.defaults());

        SplitBrain split = election.splitBrain().orElseThrow();
        assertThat(split.winner()).isEqualTo(election.master().orElseThrow());
        assertThat(split.losers()).extracting(Node::displayName).containsExactly("redis-0 (10.0.0.10:6379)");
        assertThat(election.replicas()).isEmpty();
    }

    private static ProbeResult real(String pod, String ip, String version, String sample) {
        Endpoint endpoint = new Endpoint(ip, 6379, pod, true, false);
        return ProbeResult.reached(endpoint, Pod.PROBED_AT, Duration.ofMillis(1), Samples.parse(version, sample));
    }

    /** Every permutation of up to six results; otherwise reversed plus a few seeded shuffles. */
    private static List<List<ProbeResult>> orders(List<ProbeResult> results) {
        List<List<ProbeResult>> orders = new ArrayList<>();
        if (results.size() <= 6) {
            permute(new ArrayList<>(results), 0, orders);
        } else {
            List<ProbeResult> reversed = new ArrayList<>(results);
            Collections.reverse(reversed);
            orders.add(reversed);
            Random random = new Random(42);
            for (int i = 0; i < 50; i++) {
                List<ProbeResult> shuffled = new ArrayList<>(results);
                Collections.shuffle(shuffled, random);
                orders.add(shuffled);
            }
        }
        return orders;
    }

    private static void permute(List<ProbeResult> items, int from, List<List<ProbeResult>> out) {
        if (from >= items.size() - 1) {
            out.add(List.copyOf(items));
            return;
        }
        for (int i = from; i < items.size(); i++) {
            Collections.swap(items, from, i);
            permute(items, from + 1, out);
            Collections.swap(items, from, i);
        }
    }
}
