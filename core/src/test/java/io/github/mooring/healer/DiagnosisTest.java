package io.github.mooring.healer;

import static io.github.mooring.internal.topology.Pod.master;
import static io.github.mooring.internal.topology.Pod.replica;
import static io.github.mooring.internal.topology.Pod.unreachable;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.mooring.internal.topology.MasterElection;
import io.github.mooring.internal.topology.MonitorSettings;
import io.github.mooring.internal.topology.Pod;
import io.github.mooring.probe.ProbeResult;
import io.github.mooring.topology.DataAtRisk;
import io.github.mooring.topology.Election;
import io.github.mooring.topology.ElectionPolicy;
import io.github.mooring.topology.Topology;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What the healer would repair, from one probe round: the commands, in order, as {@code "PROMOTE redis-1"} or
 * {@code "redis-0 FOLLOW redis-1"}. Replicas share their master's replication history ({@code replId}); offsets are
 * bytes of it applied.
 */
class DiagnosisTest {

    /** The replication history of the original master redis-0, which its replicas share. */
    private static final String HISTORY = "replid-of-redis-0";

    record Scenario(String name, List<Pod> pods, List<String> expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Scenario scenario(String name, List<Pod> pods, String... expected) {
        return new Scenario(name, pods, List.of(expected));
    }

    static Stream<Scenario> scenarios() {
        return Stream.of(
                scenario(
                        "healthy: nothing to repair",
                        List.of(
                                master("redis-0"),
                                replica("redis-1").of("10.0.0.10").replId(HISTORY),
                                replica("redis-2").of("10.0.0.10").replId(HISTORY))),
                // Data at risk: decided by replication history, keys only where the histories diverged.
                scenario(
                        "master replaced without persistence: fresh replid, empty; the data is on the replicas",
                        List.of(
                                master("redis-0")
                                        .at("10.0.0.20")
                                        .replId("fresh")
                                        .offset(14)
                                        .empty(),
                                replica("redis-1")
                                        .of("10.0.0.10")
                                        .replId(HISTORY)
                                        .linkDown(3),
                                replica("redis-2")
                                        .of("10.0.0.10")
                                        .replId(HISTORY)
                                        .offset(990)
                                        .linkDown(3)),
                        "PROMOTE redis-1",
                        "redis-0 FOLLOW redis-1",
                        "redis-2 FOLLOW redis-1"),
                scenario(
                        "master restarted from its AOF: fresh replid, but the keys are all there; replicas re-pointed",
                        List.of(
                                master("redis-0")
                                        .at("10.0.0.20")
                                        .replId("fresh")
                                        .offset(14),
                                replica("redis-1")
                                        .of("10.0.0.10")
                                        .replId(HISTORY)
                                        .linkDown(3),
                                replica("redis-2")
                                        .of("10.0.0.10")
                                        .replId(HISTORY)
                                        .linkDown(3)),
                        "redis-1 FOLLOW redis-0",
                        "redis-2 FOLLOW redis-0"),
                scenario(
                        "FLUSHDB on the master, then a replica's link went down: the master has more history, no"
                                + " promotion (the replica reconnects by itself)",
                        List.of(
                                master("redis-0").offset(2000).empty(),
                                replica("redis-1")
                                        .of("10.0.0.10")
                                        .replId(HISTORY)
                                        .offset(1500)
                                        .linkDown(30),
                                replica("redis-2")
                                        .of("10.0.0.10")
                                        .replId(HISTORY)
                                        .offset(2000)
                                        .empty())),
                scenario(
                        "mass delete on the master, then its pod replaced with persistence: same history, further"
                                + " along; the few keys left are right",
                        List.of(
                                master("redis-0").at("10.0.0.20").offset(2000).keys(3),
                                replica("redis-1")
                                        .of("10.0.0.10")
                                        .replId(HISTORY)
                                        .offset(1500)
                                        .linkDown(30)),
                        "redis-1 FOLLOW redis-0"),
                scenario(
                        "master restarted from an older snapshot: the replica is further along the same history",
                        List.of(
                                master("redis-0").at("10.0.0.20").offset(600).keys(95),
                                replica("redis-1")
                                        .of("10.0.0.10")
                                        .replId(HISTORY)
                                        .linkDown(4)),
                        "PROMOTE redis-1",
                        "redis-0 FOLLOW redis-1"),
                scenario(
                        "two holders: the one further along the history is promoted, not the one with more keys",
                        List.of(
                                master("redis-0")
                                        .at("10.0.0.20")
                                        .replId("fresh")
                                        .offset(14)
                                        .empty(),
                                replica("redis-1")
                                        .of("10.0.0.10")
                                        .replId(HISTORY)
                                        .linkDown(3),
                                replica("redis-2")
                                        .of("10.0.0.10")
                                        .replId(HISTORY)
                                        .offset(1200)
                                        .keys(90)
                                        .linkDown(3)),
                        "PROMOTE redis-2",
                        "redis-0 FOLLOW redis-2",
                        "redis-1 FOLLOW redis-2"),
                // Out of sight is not dead.
                scenario(
                        "partition: this client cannot reach the master, its replicas can (links up), and an empty"
                                + " master exists: no promotion, nobody re-pointed",
                        List.of(
                                unreachable("redis-0", "connect timed out"),
                                replica("redis-1").of("10.0.0.10").replId(HISTORY),
                                replica("redis-2").of("10.0.0.10").replId(HISTORY),
                                master("redis-3").replId("fresh").offset(14).empty())),
                scenario(
                        "partition with a master that is gone for everyone: the replicas' links are down, promote",
                        List.of(
                                unreachable("redis-0", "connect timed out"),
                                replica("redis-1")
                                        .of("10.0.0.10")
                                        .replId(HISTORY)
                                        .linkDown(3),
                                master("redis-3").replId("fresh").offset(14).empty()),
                        "PROMOTE redis-1",
                        "redis-3 FOLLOW redis-1"),
                // Plain re-pointing.
                scenario(
                        "a replica chained to another reachable replica is re-pointed to the master",
                        List.of(
                                master("redis-0"),
                                replica("redis-1").of("10.0.0.10").replId(HISTORY),
                                replica("redis-2").of("10.0.0.11").replId(HISTORY)),
                        "redis-2 FOLLOW redis-0"),
                scenario(
                        "split brain: the loser follows the newer master (succession)",
                        List.of(
                                master("redis-0").offset(1500),
                                replica("redis-1").of("10.0.0.10").replId(HISTORY),
                                master("redis-2").promotedFrom(HISTORY, 1000).offset(1100)),
                        "redis-0 FOLLOW redis-2",
                        "redis-1 FOLLOW redis-2"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void decides(Scenario scenario) {
        assertThat(repairs(scenario.pods())).isEqualTo(scenario.expected());
    }

    /**
     * The onDataAtRisk policy let writes through to the empty master (WRITE_TO_NEW_MASTER): the same group as the
     * first data-at-risk scenario, but the healer must never promote the holder over those writes; it reports the
     * divergence with what to do by hand.
     */
    @Test
    void neverPromotesOverWritesThePolicyLetThrough() {
        List<Pod> pods = List.of(
                master("redis-0").at("10.0.0.20").replId("fresh").offset(14).empty(),
                replica("redis-1").of("10.0.0.10").replId(HISTORY).linkDown(3),
                replica("redis-2").of("10.0.0.10").replId(HISTORY).offset(990).linkDown(3));
        Topology topology = topology(pods);
        DataAtRisk risk = topology.dataAtRisk().orElseThrow();

        assertThat(Diagnosis.of(topology, List.of(risk)))
                .singleElement()
                .isInstanceOfSatisfying(Finding.WritesLetThroughFinding.class, finding -> {
                    assertThat(finding.fix()).isEmpty();
                    assertThat(finding.description())
                            .contains("diverged")
                            .contains("WRITE_TO_NEW_MASTER")
                            .contains("does not promote redis-1")
                            .contains("REPLICAOF 10.0.0.20 6379");
                });

        // The empty master took writes: the key counts no longer flag a risk, yet redis-1 still holds the data.
        Topology later = topology(List.of(
                master("redis-0").at("10.0.0.20").replId("fresh").offset(500).keys(100),
                replica("redis-1").of("10.0.0.10").replId(HISTORY).linkDown(30),
                replica("redis-2").of("10.0.0.10").replId(HISTORY).offset(990).linkDown(30)));
        assertThat(later.dataAtRisk()).isEmpty();
        assertThat(Diagnosis.of(later))
                .as("without the policy's record, the stale replicas would be made to follow the master")
                .isNotEmpty()
                .allSatisfy(f -> assertThat(f.fix()).isNotEmpty());
        assertThat(Diagnosis.of(later, List.of(risk)))
                .as("with it, nothing wipes redis-1's data")
                .singleElement()
                .isInstanceOfSatisfying(
                        Finding.WritesLetThroughFinding.class,
                        f -> assertThat(f.fix()).isEmpty());

        // Settled by an operator: redis-1 resynced from the master (its history replaced): the record no longer holds.
        Topology settled = topology(List.of(
                master("redis-0").at("10.0.0.20").replId("fresh").offset(500).keys(100),
                replica("redis-1").of("10.0.0.20").replId("fresh").offset(500),
                replica("redis-2").of("10.0.0.20").replId("fresh").offset(500)));
        assertThat(Diagnosis.stillHolds(settled, risk)).isFalse();
        assertThat(Diagnosis.of(settled, List.of(risk))).isEmpty();
    }

    @Test
    void aRestartedEmptyMasterIsANewRisk() {
        Pod holder = replica("redis-1").of("10.0.0.10").replId(HISTORY).linkDown(3);
        DataAtRisk first = topology(List.of(
                        master("redis-0")
                                .at("10.0.0.20")
                                .replId("fresh")
                                .empty()
                                .runId("a"),
                        holder))
                .dataAtRisk()
                .orElseThrow();
        DataAtRisk again = topology(List.of(
                        master("redis-0")
                                .at("10.0.0.20")
                                .replId("fresh")
                                .empty()
                                .runId("b"),
                        holder))
                .dataAtRisk()
                .orElseThrow();
        assertThat(Diagnosis.riskKey(first)).isNotEqualTo(Diagnosis.riskKey(again));
    }

    private static Topology topology(List<Pod> pods) {
        List<ProbeResult> results = pods.stream().map(Pod::result).toList();
        Election election = MasterElection.elect(results, ElectionPolicy.defaults());
        var risk = DataAtRisk.assess(election, MonitorSettings.DEFAULT_FAR_BEHIND_RATIO);
        return new Topology(1, Instant.EPOCH, "kubernetes", election, results, risk, false);
    }

    static List<String> repairs(List<Pod> pods) {
        List<ProbeResult> results = pods.stream().map(Pod::result).toList();
        Election election = MasterElection.elect(results, ElectionPolicy.defaults());
        var risk = DataAtRisk.assess(election, MonitorSettings.DEFAULT_FAR_BEHIND_RATIO);
        Topology topology = new Topology(1, Instant.EPOCH, "kubernetes", election, results, risk, false);
        return Diagnosis.of(topology).stream()
                .flatMap(f -> f.fix().stream())
                .map(a -> switch (a.kind()) {
                    case PROMOTE -> "PROMOTE " + name(a.target().displayName());
                    case FOLLOW -> name(a.target().displayName()) + " FOLLOW " + podAt(pods, a.host());
                    case MEET, REPLICATE -> throw new AssertionError("a cluster command for a replication group: " + a);
                })
                .toList();
    }

    private static String name(String displayName) {
        return displayName.contains(" ") ? displayName.substring(0, displayName.indexOf(' ')) : displayName;
    }

    private static String podAt(List<Pod> pods, String host) {
        return pods.stream()
                .map(Pod::result)
                .filter(r -> r.endpoint().host().equals(host))
                .map(r -> r.endpoint().podName())
                .findFirst()
                .orElse(host);
    }
}
