package io.github.mooring.healer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.mooring.discovery.Endpoint;
import org.junit.jupiter.api.Test;

class RepairActionTest {

    private static final Endpoint POD = new Endpoint("10.0.0.1", 6379, "redis-0", true, false);
    private static final Endpoint NODE = new Endpoint("fd00::2", 6379, "redis-1", true, false);

    @Test
    void eachKindIsTheCommandAnOperatorWouldType() {
        assertThat(RepairAction.promote(POD, "why").command()).containsExactly("REPLICAOF", "NO", "ONE");
        assertThat(RepairAction.follow(POD, NODE, "why").command()).containsExactly("REPLICAOF", "fd00::2", "6379");
        assertThat(RepairAction.meet(POD, NODE, 16379, "why").command())
                .as("the bus port is left out when it is port + 10000, which Redis 6 requires")
                .containsExactly("CLUSTER", "MEET", "fd00::2", "6379");
        assertThat(RepairAction.meet(POD, NODE, 7000, "why").command())
                .containsExactly("CLUSTER", "MEET", "fd00::2", "6379", "7000");
        assertThat(RepairAction.replicate(POD, "abc", "why").toString())
                .isEqualTo("CLUSTER REPLICATE abc on redis-0 (10.0.0.1:6379)");
    }

    @Test
    void aCommandWithoutWhatItNamesIsRefused() {
        assertThatThrownBy(() -> new RepairAction(RepairAction.Kind.MEET, POD, null, 0, 0, null, "why"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RepairAction(RepairAction.Kind.REPLICATE, POD, null, 0, 0, null, "why"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RepairAction(RepairAction.Kind.PROMOTE, POD, "h", 1, 0, null, "why"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
