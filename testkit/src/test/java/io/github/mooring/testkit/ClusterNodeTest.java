package io.github.mooring.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.mooring.testkit.ClusterNode.SlotRange;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@code CLUSTER NODES} lines as Redis 7.0 writes them, and the layout a cluster starts with. */
class ClusterNodeTest {

    @Test
    void parsesMastersReplicasAndTheStatesOfALineAfterEveryPodWasReplaced() {
        List<ClusterNode> nodes = ClusterNode.parse("""
                b445019fe899c21410370fa1a52dc931617a11cc 127.225.0.32:6379@16379 myself,master - 0 1796548517000 1 connected 0-5460
                458c95437006b0c1b6ce4fce5c89392f33a724f6 127.225.0.35:6379@16379 slave b445019fe899c21410370fa1a52dc931617a11cc 0 1796548518542 1 connected
                34d099e0867e69d3a33dc8e816b1cab55003e236 127.225.0.34:6379@16379,redis-2 master,fail - 1796548518039 1796548518000 3 disconnected 10922 10923-16383 [10921->-7f8be4500726b2adb12e42de925c63eaee903297]
                7f8be4500726b2adb12e42de925c63eaee903297 :0@0 master,fail?,noaddr - 0 0 2 disconnected
                """);

        assertThat(nodes).hasSize(4);
        ClusterNode self = nodes.get(0);
        assertThat(self.myself()).isTrue();
        assertThat(self.master()).isTrue();
        assertThat(self.ip()).isEqualTo("127.225.0.32");
        assertThat(self.port()).isEqualTo(6379);
        assertThat(self.masterId()).isEmpty();
        assertThat(self.connected()).isTrue();
        assertThat(self.slots()).containsExactly(new SlotRange(0, 5460));
        assertThat(self.serves(5460)).isTrue();
        assertThat(self.serves(5461)).isFalse();

        ClusterNode replica = nodes.get(1);
        assertThat(replica.master()).isFalse();
        assertThat(replica.masterId()).isEqualTo(self.id());
        assertThat(replica.slots()).isEmpty();

        ClusterNode failed = nodes.get(2);
        assertThat(failed.failing()).isTrue();
        assertThat(failed.connected()).isFalse();
        assertThat(failed.ip()).isEqualTo("127.225.0.34");
        assertThat(failed.slots()).containsExactly(new SlotRange(10922, 10922), new SlotRange(10923, 16383));

        ClusterNode unknown = nodes.get(3);
        assertThat(unknown.ip()).isEmpty();
        assertThat(unknown.port()).isZero();
        assertThat(unknown.flags()).isEqualTo(Set.of("master", "fail?", "noaddr"));
        assertThat(unknown.failing()).isTrue();
    }

    @Test
    void refusesWhatIsNotACLusterNodesLine() {
        assertThatThrownBy(() -> ClusterNode.parse("ERR This instance has cluster support disabled"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a CLUSTER NODES line");
    }

    @Test
    void threeMastersShareTheSlotsAndEachReplicaFollowsOne() {
        ClusterSpec spec = new ClusterSpec(3, 1, Duration.ofSeconds(5));

        assertThat(spec.pods()).isEqualTo(6);
        assertThat(List.of(spec.firstSlot(0), spec.lastSlot(0), spec.firstSlot(1), spec.lastSlot(1)))
                .containsExactly(0, 5460, 5461, 10921);
        assertThat(List.of(spec.firstSlot(2), spec.lastSlot(2))).containsExactly(10922, 16383);
        assertThat(List.of(0, 1, 2, 3, 4, 5).stream().map(spec::initialMasterOf))
                .containsExactly(-1, -1, -1, 0, 1, 2);
        ClusterSpec two = new ClusterSpec(2, 2, Duration.ofSeconds(5));
        assertThat(List.of(0, 1, 2, 3, 4, 5).stream().map(two::initialMasterOf)).containsExactly(-1, -1, 0, 1, 0, 1);
    }
}
