package io.github.mooring.healer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.mooring.discovery.Endpoint;
import org.junit.jupiter.api.Test;

class ClusterViewTest {

    private static final Endpoint POD = new Endpoint("10.0.0.1", 6379, "redis-0", true, false);

    @Test
    void readsEachLineOfARedis7Reply() {
        ClusterView view = ClusterView.parse(POD, """
                aaaa 10.0.0.1:6379@16379,redis-0.redis myself,master - 0 0 1 connected 0-5460 [5461->-bbbb]
                bbbb 10.0.0.2:6379@16379 slave,fail aaaa 0 0 1 disconnected
                cccc :0@0 master,noaddr - 0 0 2 disconnected 5461 5462-5463
                dddd fd00::1:7000@17001 handshake - 0 0 0 connected
                """);
        assertThat(view.self()).get().satisfies(self -> {
            assertThat(self.id()).isEqualTo("aaaa");
            assertThat(self.slots()).isEqualTo(5461); // the migrating mark is not a slot served
            assertThat(self.address()).isEqualTo("10.0.0.1:6379");
            assertThat(self.busPort()).isEqualTo(16379);
        });
        ClusterView.Line replica = view.lines().get(1);
        assertThat(replica.failed()).isTrue();
        assertThat(replica.masterId()).isEqualTo("aaaa");
        ClusterView.Line noaddr = view.lines().get(2);
        assertThat(noaddr.hasAddress()).isFalse();
        assertThat(noaddr.address()).isEqualTo("noaddr");
        assertThat(noaddr.slots()).isEqualTo(3);
        ClusterView.Line handshake = view.lines().get(3);
        assertThat(handshake.host()).isEqualTo("fd00::1");
        assertThat(handshake.port()).isEqualTo(7000);
        assertThat(handshake.hasAddress()).isFalse();
        assertThat(view.empty()).isFalse();
    }

    @Test
    void aNodeThatKnowsOnlyItselfAndServesNoSlotIsInNoCluster() {
        assertThat(ClusterView.parse(POD, "aaaa 10.0.0.1:6379@16379 myself,master - 0 0 0 connected\n")
                        .empty())
                .isTrue();
        assertThat(ClusterView.parse(POD, "aaaa 10.0.0.1:6379@16379 myself,master - 0 0 0 connected 0-16383\n")
                        .empty())
                .isFalse();
    }

    @Test
    void anOlderReplyWithoutBusPortMeansPortPlus10000() {
        assertThat(ClusterView.parse(POD, "aaaa 10.0.0.1:6379 myself,master - 0 0 0 connected")
                        .self()
                        .orElseThrow()
                        .busPort())
                .isEqualTo(16379);
    }

    @Test
    void aLineThatIsNotClusterNodesSaysSo() {
        assertThatThrownBy(() -> ClusterView.parse(POD, "ERR This instance has cluster support disabled"))
                .hasMessageContaining("not a CLUSTER NODES line");
    }
}
