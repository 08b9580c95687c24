package io.github.mooring.topology;

import static io.github.mooring.internal.topology.Pod.master;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.mooring.discovery.Endpoint;
import io.github.mooring.internal.topology.Pod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ValueTypesTest {

    private static final Node REDIS_0 = node(master("redis-0"));
    private static final Node REDIS_1 = node(master("redis-1"));

    @Test
    void defaultPolicyToleratesTenSecondsOfLinkDown() {
        assertThat(ElectionPolicy.defaults().linkDownStaleAfter()).isEqualTo(Duration.ofSeconds(10));
        assertThat(new ElectionPolicy(Duration.ZERO).linkDownStaleAfter()).isZero();
        assertThatThrownBy(() -> new ElectionPolicy(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ElectionPolicy(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void nodeReadsLikeItsEndpoint() {
        assertThat(REDIS_0.address()).isEqualTo("10.0.0.10:6379");
        assertThat(REDIS_0.displayName()).isEqualTo("redis-0 (10.0.0.10:6379)");
        assertThatThrownBy(() -> new Node(Endpoint.of("10.0.0.1", 6379), null))
                .isInstanceOf(NullPointerException.class);
    }

    @Test
    void aSplitBrainHasLosersAndIsImmutable() {
        List<Node> losers = new ArrayList<>(List.of(REDIS_0));
        SplitBrain split = new SplitBrain(REDIS_1, losers, "succession");
        losers.clear();

        assertThat(split.losers()).containsExactly(REDIS_0);
        assertThatThrownBy(() -> new SplitBrain(REDIS_1, List.of(), "succession"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anElectionHasAMasterOrSaysWhyNot() {
        assertThatThrownBy(() -> new Election(
                        Optional.of(REDIS_0), List.of(), List.of(), List.of(), Optional.empty(), "but also a reason"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(
                        () -> new Election(Optional.empty(), List.of(), List.of(), List.of(), Optional.empty(), null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aSplitBrainIsWonByTheMaster() {
        SplitBrain wonByRedis1 = new SplitBrain(REDIS_1, List.of(REDIS_0), "replication offset");

        assertThatThrownBy(() -> new Election(
                        Optional.of(REDIS_0), List.of(), List.of(), List.of(), Optional.of(wonByRedis1), null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aStaleReplicaSaysWhatItFollowsAndWhy() {
        StaleReplica stale = new StaleReplica(REDIS_0, "10.0.0.99:6379", StaleReplica.Reason.FOLLOWS_UNKNOWN_ADDRESS);

        assertThat(stale.follows()).isEqualTo("10.0.0.99:6379");
        assertThatThrownBy(() -> new StaleReplica(REDIS_0, null, StaleReplica.Reason.LINK_DOWN))
                .isInstanceOf(NullPointerException.class);
    }

    private static Node node(Pod pod) {
        var result = pod.result();
        return new Node(result.endpoint(), result.report());
    }
}
