package io.github.mooring.internal.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OrderingTest {

    @ParameterizedTest(name = "{0} before {1}")
    @CsvSource({
        "redis-2,     redis-10",
        "redis-0,     redis-1",
        "10.0.0.9,    10.0.0.10",
        "10.0.0.10,   10.0.1.1",
        "redis,       redis-0",
        "a-redis-9,   b-redis-1",
        "redis-01,    redis-1",
        "pod-99999999999999999999, pod-100000000000000000000",
    })
    void sortsDigitRunsAsNumbers(String first, String second) {
        assertThat(Ordering.natural(first, second)).isNegative();
        assertThat(Ordering.natural(second, first)).isPositive();
        assertThat(Ordering.natural(first, first)).isZero();
    }

    @Test
    void sortsAStatefulSetTheWayAPersonReadsIt() {
        List<String> names = new ArrayList<>(List.of("redis-10", "redis-1", "redis-2", "redis-0", "redis-11"));
        names.sort(Ordering::natural);

        assertThat(names).containsExactly("redis-0", "redis-1", "redis-2", "redis-10", "redis-11");
    }
}
