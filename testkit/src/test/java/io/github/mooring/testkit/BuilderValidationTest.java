package io.github.mooring.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Builders refuse settings Kubernetes or Redis would refuse, before anything starts. */
class BuilderValidationTest {

    private static RedisStatefulSet.Builder set() {
        return new RedisStatefulSet.Builder(null, "redis");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Redis", "redis_0", "-redis", "redis-", "", "a.b"})
    void statefulSetAndPortNamesMustBeDnsLabels(String name) {
        assertThatThrownBy(() -> new RedisStatefulSet.Builder(null, name))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("DNS label");
        assertThatThrownBy(() -> set().portName(name)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void validNamesAreAccepted() {
        assertThatCode(() -> new RedisStatefulSet.Builder(null, "redis-cache-1").portName("tcp-redis"))
                .doesNotThrowAnyException();
    }

    @Test
    void statefulSetNumbersMustMakeSense() {
        assertThatThrownBy(() -> set().replicas(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> set().port(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> set().port(65536)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> set().readinessPeriod(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> set().readinessTimeout(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> set().readinessFailureThreshold(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> set().config(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void sentinelSettingsMustMakeSense() {
        Sentinels.Builder sentinels = new Sentinels.Builder(null, null);
        assertThatThrownBy(() -> sentinels.count(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> sentinels.quorum(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> sentinels.downAfter(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> sentinels.failoverTimeout(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> sentinels.aclUser(Credentials.password("pw"), "+@all"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("user name");
        assertThatThrownBy(() -> sentinels.aclUser(Credentials.aclUser("mooring", "pw"), " "))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ACL rules");
        assertThatThrownBy(() -> new Sentinels.Builder(null, null)
                        .requirePass("pw")
                        .aclUser(Credentials.aclUser("mooring", "pw"), "+@all"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("exclude each other");
        // Checked before anything starts.
        assertThatThrownBy(() ->
                        new Sentinels.Builder(null, null).count(1).quorum(2).start())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("quorum");
    }

    @Test
    void namespaceSettingsMustMakeSense() {
        SimulatedNamespace.Builder builder = SimulatedNamespace.builder();
        assertThatThrownBy(() -> builder.dnsTtl(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> builder.name(null)).isInstanceOf(NullPointerException.class);
        assertThat(builder.dnsTtl(Duration.ZERO)).isSameAs(builder);
    }
}
