package io.github.mooring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.mooring.boot.MooringProperties.Mode;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Which connection factory Mooring provides: {@code mooring.mode} and {@code spring.data.redis.cluster.*}. */
class ConnectionModeTest {

    static Stream<Arguments> rows() {
        return Stream.of(
                // mooring.mode, spring.data.redis.cluster.* set, decision
                Arguments.argumentSet(
                        "auto, nothing else: the pods are asked", Mode.AUTO, false, ConnectionMode.DETECT),
                Arguments.argumentSet("auto with cluster settings: a cluster", Mode.AUTO, true, ConnectionMode.CLUSTER),
                Arguments.argumentSet("replication", Mode.REPLICATION, false, ConnectionMode.REPLICATION),
                Arguments.argumentSet("cluster", Mode.CLUSTER, false, ConnectionMode.CLUSTER),
                Arguments.argumentSet("cluster with cluster settings", Mode.CLUSTER, true, ConnectionMode.CLUSTER));
    }

    @ParameterizedTest
    @MethodSource("rows")
    void decides(Mode mode, boolean clusterSettings, ConnectionMode expected) {
        assertThat(ConnectionMode.of(mode, clusterSettings)).isEqualTo(expected);
    }

    @Test
    void replicationWithClusterSettingsIsAConflict() {
        assertThatThrownBy(() -> ConnectionMode.of(Mode.REPLICATION, true))
                .isInstanceOf(MooringConfigurationConflictException.class)
                .hasMessageContaining("mooring.mode=replication")
                .hasMessageContaining("spring.data.redis.cluster.*");
    }
}
