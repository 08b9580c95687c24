package io.github.mooring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mooring.topology.ClusterServiceException;
import io.github.mooring.topology.Topology;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.diagnostics.FailureAnalysis;

class NoMasterFailureAnalyzerTest {

    @Test
    void aClusterNamedWithModeReplicationSaysWhichModeToSet() {
        ClusterServiceException cluster = new ClusterServiceException(
                "Service 'redis' in namespace 'shop' is a Redis Cluster", Topology.initial("kubernetes"), List.of());

        FailureAnalysis analysis = new NoMasterFailureAnalyzer().analyze(new IllegalStateException("start", cluster));

        assertThat(analysis.getDescription()).contains("is a Redis Cluster");
        assertThat(analysis.getAction()).contains("mooring.mode=replication").contains("mooring.mode=auto");
    }
}
