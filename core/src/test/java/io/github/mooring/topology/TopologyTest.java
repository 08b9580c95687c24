package io.github.mooring.topology;

import static io.github.mooring.internal.topology.Pod.master;
import static io.github.mooring.internal.topology.Pod.refusing;
import static io.github.mooring.internal.topology.Pod.replica;
import static io.github.mooring.internal.topology.Pod.unreachable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.mooring.internal.topology.MasterElection;
import io.github.mooring.probe.ProbeResult;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TopologyTest {

    private static final Instant OBSERVED = Instant.parse("2026-11-27T12:00:01Z");

    @Test
    void initialSnapshotHasNoMasterYet() {
        Topology initial = Topology.initial("kubernetes");

        assertThat(initial.version()).isZero();
        assertThat(initial.source()).isEqualTo("kubernetes");
        assertThat(initial.hasMaster()).isFalse();
        assertThat(initial.master()).isEmpty();
        assertThat(initial.noMasterReason()).contains("no probe round has completed yet");
        assertThat(initial.replicas()).isEmpty();
        assertThat(initial.reports()).isEmpty();
        assertThat(initial)
                .hasToString(
                        "Topology v0 (kubernetes): no master (no probe round has completed yet), 0 replicas, 0 unreachable");
    }

    @Test
    void exposesTheElectionOfItsRound() {
        List<ProbeResult> reports = List.of(
                master("redis-0").offset(10).result(),
                master("redis-1").promotedFrom("replid-of-redis-0").result(),
                replica("redis-2").of("10.0.0.11").result(),
                replica("redis-3").of("10.0.0.10").result(),
                unreachable("redis-4", "connection refused").result());
        Election election = MasterElection.elect(reports, ElectionPolicy.defaults());

        Topology topology = new Topology(7, OBSERVED, "dns", election, reports);

        assertThat(topology.hasMaster()).isTrue();
        assertThat(topology.master()).isEqualTo(election.master());
        assertThat(topology.replicas()).isEqualTo(election.replicas());
        assertThat(topology.staleReplicas()).isEqualTo(election.staleReplicas());
        assertThat(topology.unreachable()).isEqualTo(election.unreachable());
        assertThat(topology.splitBrain()).isEqualTo(election.splitBrain());
        assertThat(topology.noMasterReason()).isEmpty();
        assertThat(topology)
                .hasToString("Topology v7 (dns): master redis-1 (10.0.0.11:6379), 2 replicas (1 stale),"
                        + " 1 unreachable, split brain with 1 other master (succession)");
    }

    @Test
    void theRefusalBetweenWritersAndTheMasterIsTheMastersOrWithoutMasterAnyPods() {
        List<ProbeResult> replicaRefuses = List.of(
                master("redis-0").result(),
                refusing("redis-1", "app").result(),
                replica("redis-2").of("10.0.0.10").result());
        Topology healthy = new Topology(
                1, OBSERVED, "dns", MasterElection.elect(replicaRefuses, ElectionPolicy.defaults()), replicaRefuses);
        assertThat(healthy.credentialsRejected())
                .extracting(ProbeResult::rejectedUser)
                .containsExactly("app");
        assertThat(healthy.credentialsRefusal())
                .as("writes go to redis-0, which accepts them")
                .isEmpty();
        assertThat(healthy)
                .hasToString("Topology v1 (dns): master redis-0 (10.0.0.10:6379), 1 replica, 0 unreachable,"
                        + " 1 refusing the credentials");

        List<ProbeResult> allRefuse = List.of(
                refusing("redis-0", "app").result(), refusing("redis-1", "app").result());
        Topology none =
                new Topology(2, OBSERVED, "dns", MasterElection.elect(allRefuse, ElectionPolicy.defaults()), allRefuse);
        assertThat(none.credentialsRefusal())
                .map(refused -> refused.endpoint().podName())
                .contains("redis-0");

        Election kept = new Election(
                Optional.of(new Node(
                        allRefuse.get(0).endpoint(), master("redis-0").result().report())),
                List.of(),
                List.of(),
                List.of(),
                allRefuse,
                Optional.empty(),
                null);
        assertThat(new Topology(3, OBSERVED, "dns", kept, allRefuse).credentialsRefusal())
                .as("the master kept while it refuses")
                .map(refused -> refused.endpoint().podName())
                .contains("redis-0");
    }

    @Test
    void logLineOfAGroupWithoutMaster() {
        List<ProbeResult> reports = List.of(
                unreachable("redis-0", "connection refused").result(),
                replica("redis-1").of("10.0.0.10").linkDown(3).result());
        Topology topology =
                new Topology(3, OBSERVED, "static", MasterElection.elect(reports, ElectionPolicy.defaults()), reports);

        assertThat(topology)
                .hasToString("Topology v3 (static): no master (no pod reports master: redis-0"
                        + " (10.0.0.10:6379) unreachable: connection refused; redis-1 (10.0.0.11:6379) replica of"
                        + " 10.0.0.10:6379, link down 3s), 1 replica, 1 unreachable");
    }

    @Test
    void rejectsANegativeVersion() {
        Election none = Topology.initial("static").election();

        assertThatThrownBy(() -> new Topology(-1, OBSERVED, "static", none, List.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
