package io.github.mooring.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Real Sentinels over the kit's pods. */
@ExtendWith(SimulatedNamespaceExtension.class)
class SentinelsIT {

    @Test
    void sentinelsReportPodZeroAndAPlannedFailoverPromotesAReplica(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").replicas(3).start();
        Sentinels sentinels =
                ns.sentinels(redis).count(3).downAfter(Duration.ofMillis(1000)).start();

        assertThat(sentinels.masterName()).isEqualTo("redis");
        assertThat(sentinels.downAfter()).isEqualTo(Duration.ofMillis(1000));
        assertThat(sentinels.addresses())
                .hasSize(3)
                .doesNotHaveDuplicates()
                .allSatisfy(address -> assertThat(address).endsWith(":26379"));
        assertThat(sentinels.masterAddress()).contains(redis.pod(0).address());
        assertThat(SentinelChecks.master(sentinels, 0)).containsEntry("down-after-milliseconds", "1000");
        sentinels.awaitReady(Duration.ofSeconds(30));

        sentinels.failover();

        List<String> replicaAddresses =
                List.of(redis.pod(1).address(), redis.pod(2).address());
        await().atMost(Duration.ofSeconds(30))
                .until(() -> replicaAddresses.contains(SentinelChecks.agreedMaster(sentinels)));
        String promotedIp = sentinels.masterAddress().orElseThrow().split(":")[0];
        sentinels.awaitMaster(promotedIp, Duration.ofSeconds(5));
        RedisPod promoted = redis.pods().stream()
                .filter(p -> p.ip().equals(promotedIp))
                .findFirst()
                .orElseThrow();
        RedisPod otherReplica = redis.pod(promoted.ordinal() == 1 ? 2 : 1);
        assertThat(promoted.role()).isEqualTo("master");
        // Sentinel points the other replica at the promoted one as part of the failover.
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(otherReplica.info("replication"))
                        .containsEntry("master_host", promotedIp)
                        .containsEntry("master_link_status", "up"));
    }

    @Test
    void sentinelsWithCredentialsFailOverADeadMasterAfterDownAfter(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis")
                .replicas(3)
                .credentials(Credentials.password("sentinel-pw"))
                .start();
        Sentinels sentinels =
                ns.sentinels(redis).count(3).downAfter(Duration.ofMillis(1000)).start();
        sentinels.awaitReady(Duration.ofSeconds(30));

        redis.pod(0).stopContainer();

        List<String> replicaAddresses =
                List.of(redis.pod(1).address(), redis.pod(2).address());
        await().atMost(Duration.ofSeconds(30))
                .until(() -> replicaAddresses.contains(SentinelChecks.agreedMaster(sentinels)));
        String promotedIp = sentinels.masterAddress().orElseThrow().split(":")[0];
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() ->
                        assertThat(redis.masters()).extracting(RedisPod::ip).containsExactly(promotedIp));
    }
}
