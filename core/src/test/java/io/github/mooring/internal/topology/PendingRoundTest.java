package io.github.mooring.internal.topology;

import static io.github.mooring.topology.TopologyEvent.Trigger.ENDPOINTS_CHANGED;
import static io.github.mooring.topology.TopologyEvent.Trigger.PERIODIC;
import static io.github.mooring.topology.TopologyEvent.Trigger.SUSPICION;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.mooring.discovery.Endpoint;
import io.github.mooring.discovery.EndpointSnapshot;
import io.github.mooring.probe.ProbeResult;
import io.github.mooring.topology.Node;
import io.github.mooring.topology.TopologyEvent;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Which trigger a round is named after and when its detection time starts, and which endpoints it probes. */
class PendingRoundTest {

    record Merge(
            String name,
            TopologyStep.Pending pending,
            TopologyEvent.Trigger trigger,
            long nanos,
            TopologyStep.Pending expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Merge> merges() {
        return Stream.of(
                new Merge("the first trigger starts a round", null, SUSPICION, 100, pending(SUSPICION, 100)),
                new Merge(
                        "an endpoint change outranks a waiting periodic round, and times from itself",
                        pending(PERIODIC, 100),
                        ENDPOINTS_CHANGED,
                        150,
                        pending(ENDPOINTS_CHANGED, 150)),
                new Merge(
                        "a periodic tick never renames a round",
                        pending(SUSPICION, 100),
                        PERIODIC,
                        150,
                        pending(SUSPICION, 100)),
                new Merge(
                        "the first telling trigger names the round",
                        pending(ENDPOINTS_CHANGED, 100),
                        SUSPICION,
                        150,
                        pending(ENDPOINTS_CHANGED, 100)),
                new Merge(
                        "an earlier moment (a slice written before it was seen) moves the start back",
                        pending(SUSPICION, 100),
                        ENDPOINTS_CHANGED,
                        40,
                        pending(SUSPICION, 40)),
                new Merge(
                        "nanoTime wraps: order, not sign, counts",
                        pending(SUSPICION, Long.MAX_VALUE - 5),
                        SUSPICION,
                        Long.MIN_VALUE + 5,
                        pending(SUSPICION, Long.MAX_VALUE - 5)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("merges")
    void merges(Merge merge) {
        assertThat(TopologyStep.Pending.merge(merge.pending(), merge.trigger(), merge.nanos()))
                .isEqualTo(merge.expected());
    }

    @org.junit.jupiter.api.Test
    void roundsProbeEveryEndpointThatIsNotTerminatingOncePerAddress() {
        Endpoint ready = new Endpoint("10.0.0.10", 6379, "redis-0", true, false);
        Endpoint warmingUp = new Endpoint("10.0.0.11", 6379, "redis-1", false, false);
        Endpoint terminating = new Endpoint("10.0.0.12", 6379, "redis-2", false, true);
        Endpoint listedTwice = new Endpoint("10.0.0.10", 6379, "redis-0", true, false);
        assertThat(TopologyStep.candidates(
                        EndpointSnapshot.now("kubernetes", List.of(ready, warmingUp, terminating, listedTwice)),
                        Optional.empty()))
                .containsExactly(ready, warmingUp);
        assertThat(TopologyStep.candidates(null, Optional.empty()))
                .as("before discovery reported anything")
                .isEmpty();
    }

    @org.junit.jupiter.api.Test
    void theMasterIsProbedWhenDiscoveryNoLongerListsItButNotWhenItIsTerminating() {
        ProbeResult probed = Pod.master("redis-0").at("10.0.0.10").result();
        Endpoint master = probed.endpoint();
        Endpoint replica = new Endpoint("10.0.0.11", 6379, "redis-1", true, false);
        Optional<Node> elected = Optional.of(new Node(master, probed.report()));

        assertThat(TopologyStep.candidates(EndpointSnapshot.now("dns", List.of(replica)), elected))
                .as("its readiness probe failed: DNS dropped it, the probe decides")
                .containsExactly(replica, new Endpoint("10.0.0.10", 6379, "redis-0", false, false));
        assertThat(TopologyStep.candidates(EndpointSnapshot.now("dns", List.of()), elected))
                .as("NXDOMAIN: no pod is ready")
                .containsExactly(new Endpoint("10.0.0.10", 6379, "redis-0", false, false));
        assertThat(TopologyStep.candidates(EndpointSnapshot.now("dns", List.of(master, replica)), elected))
                .as("listed: as listed")
                .containsExactly(master, replica);
        assertThat(TopologyStep.candidates(
                        EndpointSnapshot.now(
                                "kubernetes",
                                List.of(new Endpoint("10.0.0.10", 6379, "redis-0", false, true), replica)),
                        elected))
                .as("terminating: never")
                .containsExactly(replica);
    }

    private static TopologyStep.Pending pending(TopologyEvent.Trigger trigger, long nanos) {
        return new TopologyStep.Pending(trigger, nanos);
    }
}
