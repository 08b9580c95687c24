package io.github.mooring.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The kit's small value types and naming rules. */
class ValueTypesTest {

    @Test
    void credentialsNeverPrintThePassword() {
        Credentials password = Credentials.password("hunter2");
        Credentials acl = Credentials.aclUser("app", "hunter2");
        assertThat(password.user()).isNull();
        assertThat(acl.user()).isEqualTo("app");
        assertThat(password.toString()).contains("default").doesNotContain("hunter2");
        assertThat(acl.toString()).contains("app").doesNotContain("hunter2");
        assertThatThrownBy(() -> Credentials.password("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Credentials.password(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> Credentials.aclUser(null, "x")).isInstanceOf(NullPointerException.class);
    }

    @Test
    void endpointChangeListsReadyIpsInOrderAndIsImmutable() {
        List<EndpointState> states = new ArrayList<>(List.of(
                new EndpointState("redis-0", "127.1.0.1", "u0", true, true, false),
                new EndpointState("redis-1", "127.1.0.2", "u1", false, false, false),
                new EndpointState("redis-2", "127.1.0.3", "u2", false, true, true),
                new EndpointState("redis-3", "127.1.0.4", "u3", true, true, false)));
        EndpointChange change = new EndpointChange(1L, Instant.EPOCH, states);
        states.clear();

        assertThat(change.endpoints()).hasSize(4);
        assertThat(change.readyIps()).containsExactly("127.1.0.1", "127.1.0.4");
        assertThatThrownBy(() -> change.endpoints().add(null)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void clusterDnsNamesFollowKubernetesConventions() {
        assertThat(ClusterDns.serviceName("redis", "prod")).isEqualTo("redis.prod.svc.cluster.local");
        assertThat(ClusterDns.podName("redis-0", "redis", "prod")).isEqualTo("redis-0.redis.prod.svc.cluster.local");
        assertThat(ClusterDns.srvName("tcp-redis", "redis", "prod"))
                .isEqualTo("_tcp-redis._tcp.redis.prod.svc.cluster.local");
    }

    @Test
    void redisVersionsCompareByMajorAndMinor() {
        assertThat(RedisServerBinary.atLeast("6.2.0", 6, 2)).isTrue();
        assertThat(RedisServerBinary.atLeast("7.0.15", 6, 2)).isTrue();
        assertThat(RedisServerBinary.atLeast("6.10.1", 6, 2)).isTrue();
        assertThat(RedisServerBinary.atLeast("6.0.16", 6, 2)).isFalse();
        assertThat(RedisServerBinary.atLeast("5.9.9", 6, 2)).isFalse();
    }
}
