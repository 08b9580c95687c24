package io.github.mooring.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ClassHistogramTest {

    /** The shape jcmd's GC.class_histogram prints on Java 17 (and 21, 25). */
    private static final String BEFORE = """
             num     #instances         #bytes  class name (module)
            -------------------------------------------------------
               1:         10000         800000  [B (java.base@17.0.15)
               2:          5000         120000  java.lang.String (java.base@17.0.15)
               3:            10            400  io.github.mooring.topology.TopologyMonitor
               4:             4            160  io.github.mooring.topology.TopologyMonitor
            Total         15014         920560
            """;

    private static final String AFTER = """
             num     #instances         #bytes  class name (module)
            -------------------------------------------------------
               1:         10500         900000  [B (java.base@17.0.15)
               2:          5000         120000  java.lang.String (java.base@17.0.15)
               3:            20            800  io.github.mooring.topology.TopologyMonitor
               4:            30           1440  [Lio.netty.util.HashedWheelTimer$HashedWheelBucket;
            Total         15550        1022240
            """;

    @Test
    void parsesEveryClassLineAndMergesClassesOfOneNameFromTwoLoaders() {
        ClassHistogram histogram = ClassHistogram.parse(BEFORE);

        assertThat(histogram.rows()).hasSize(3);
        assertThat(histogram.rows().get("[B")).isEqualTo(new ClassHistogram.Row("[B", 10000, 800000));
        assertThat(histogram.rows().get("io.github.mooring.topology.TopologyMonitor"))
                .isEqualTo(new ClassHistogram.Row("io.github.mooring.topology.TopologyMonitor", 14, 560));
        assertThat(histogram.totalBytes()).isEqualTo(920560);
    }

    @Test
    void differenceListsWhatChangedLargestGrowthFirst() {
        ClassHistogram before = ClassHistogram.parse(BEFORE);
        ClassHistogram after = ClassHistogram.parse(AFTER);

        assertThat(after.minus(before))
                .containsExactly(
                        new ClassHistogram.Row("[B", 500, 100000),
                        new ClassHistogram.Row("[Lio.netty.util.HashedWheelTimer$HashedWheelBucket;", 30, 1440),
                        new ClassHistogram.Row("io.github.mooring.topology.TopologyMonitor", 6, 240));
        assertThat(after.totalBytes() - before.totalBytes()).isEqualTo(1022240 - 920560);
    }

    @Test
    void somethingElseIsNotTakenForAnEmptyHistogram() {
        assertThatThrownBy(() -> ClassHistogram.parse("Unknown diagnostic command"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Unknown diagnostic command");
    }

    @Test
    void ownerOfAClassAndOfArraysOfIt() {
        assertThat(ClassHistogram.ownerOf("io.github.mooring.topology.Topology"))
                .isEqualTo("Mooring");
        assertThat(ClassHistogram.ownerOf("io.github.mooring.testkit.TcpProxy")).startsWith("testkit");
        assertThat(ClassHistogram.ownerOf("io.vertx.core.net.impl.ConnectionBase"))
                .startsWith("testkit");
        assertThat(ClassHistogram.ownerOf("[Lio.lettuce.core.RedisURI;")).isEqualTo("Lettuce");
        assertThat(ClassHistogram.ownerOf("[[Lio.netty.util.HashedWheelTimer$HashedWheelBucket;"))
                .startsWith("Netty");
        assertThat(ClassHistogram.ownerOf("tools.jackson.databind.introspect.AnnotatedMethod"))
                .startsWith("Jackson");
        assertThat(ClassHistogram.ownerOf("jdk.internal.net.http.Http2Connection"))
                .isEqualTo("JDK HttpClient");
        assertThat(ClassHistogram.ownerOf("[B")).startsWith("primitive arrays");
        assertThat(ClassHistogram.ownerOf("java.lang.String")).startsWith("JDK classes");
    }

    @Test
    void theJvmAnswersInProcess() {
        ClassHistogram live = ClassHistogram.live();

        assertThat(live.rows()).containsKey("java.lang.String");
        assertThat(live.totalBytes()).isPositive();
    }
}
