package io.github.mooring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.mooring.MooringClient;
import io.github.mooring.boot.actuate.MooringEndpoint;
import io.github.mooring.boot.actuate.MooringEndpointAutoConfiguration;
import io.github.mooring.boot.health.MooringClusterHealthIndicator;
import io.github.mooring.boot.health.MooringHealthContributorAutoConfiguration;
import io.github.mooring.cluster.MooringClusterClient;
import io.github.mooring.testkit.Credentials;
import io.github.mooring.testkit.RedisCluster;
import io.github.mooring.testkit.RedisPod;
import io.github.mooring.testkit.RedisPod.Deletion;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;
import io.lettuce.core.cluster.SlotHash;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisReactiveAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.StringRedisTemplate;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@code mooring.service} alone, on a Service whose pods are a Redis Cluster (the testkit's, 3 masters and 3
 * replicas): the auto-configuration finds out at start that it is a cluster and provides a cluster connection factory
 * on {@link MooringClusterClient}; {@code RedisTemplate} and the reactive template write through a master pod
 * replaced with a new IP; health and the endpoint show the shards with the pods' current addresses.
 */
@ExtendWith(SimulatedNamespaceExtension.class)
class MooringClusterAutoConfigurationIT {

    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private ApplicationContextRunner runner(SimulatedNamespace ns, RedisCluster cluster) {
        KubernetesClient kubernetes = ns.api().newClient();
        closeables.add(kubernetes);
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(
                        MooringAutoConfiguration.class,
                        DataRedisAutoConfiguration.class,
                        DataRedisReactiveAutoConfiguration.class,
                        MooringHealthContributorAutoConfiguration.class,
                        MooringEndpointAutoConfiguration.class))
                .withBean(KubernetesClient.class, () -> kubernetes)
                .withPropertyValues(
                        "mooring.service=" + cluster.name(),
                        "mooring.namespace=" + ns.name(),
                        "mooring.source=kubernetes",
                        "mooring.startup-wait=20s",
                        "spring.data.redis.timeout=2s",
                        "management.endpoints.web.exposure.include=health,mooring");
    }

    @Test
    void theServiceAloneGivesAClusterFactoryWhoseHealthAndEndpointShowTheShards(SimulatedNamespace ns) {
        RedisCluster cluster = ns.redisCluster("redis").start();
        runner(ns, cluster).run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(RedisConnectionFactory.class);
            assertThat(context.getBean(RedisConnectionFactory.class))
                    .isInstanceOf(MooringClusterConnectionFactory.class);
            assertThat(context.getBeanProvider(MooringClient.class).getIfAvailable())
                    .as("no MooringClient for a cluster")
                    .isNull();
            assertThat(context.getBean(MooringClusterClient.class))
                    .isSameAs(context.getBean(MooringClusterConnectionFactory.class)
                            .getMooringClusterClient());

            StringRedisTemplate template = context.getBean(StringRedisTemplate.class);
            for (int i = 0; i < 100; i++) { // keys over every master's slots
                template.opsForValue().set("key-" + i, "v" + i);
            }
            assertThat(IntStream.range(0, 100)
                            .mapToObj(i -> template.opsForValue().get("key-" + i)))
                    .allMatch(value -> value.startsWith("v"));

            HealthIndicator health = context.getBean("mooringHealthIndicator", HealthIndicator.class);
            assertThat(health).isInstanceOf(MooringClusterHealthIndicator.class);
            Health status = health.health();
            assertThat(status.getStatus()).isEqualTo(Status.UP);
            assertThat(status.getDetails())
                    .containsEntry("mode", "cluster")
                    .containsKey("shards")
                    .as("the cluster healer, report mode by default")
                    .containsEntry("healer", "report");
            assertThat(context.getBean("redisHealthContributor", HealthIndicator.class)
                            .health()
                            .getStatus())
                    .isEqualTo(Status.UP);

            MooringEndpoint.ClusterDescriptor shards = (MooringEndpoint.ClusterDescriptor)
                    context.getBean(MooringEndpoint.class).read();
            assertThat(shards.service()).isEqualTo(cluster.name());
            assertThat(shards.uncoveredSlots()).isZero();
            assertThat(shards.shards()).hasSize(cluster.masterCount());
            for (RedisPod master : cluster.masters()) {
                assertThat(shards.shards()).anySatisfy(shard -> {
                    assertThat(shard.master().nodeId()).isEqualTo(cluster.nodeId(master));
                    assertThat(shard.master().address()).isEqualTo(master.address());
                    assertThat(shard.replicas())
                            .extracting(ClusterShards.Node::address)
                            .containsExactlyInAnyOrderElementsOf(cluster.replicasOf(master).stream()
                                    .map(RedisPod::address)
                                    .toList());
                });
            }
            assertThat(String.valueOf(status.getDetails()) + shards).doesNotContainIgnoringCase("password");
        });
    }

    /**
     * Health of a cluster whose pods need an ACL user: the application's ({@code spring.data.redis.username} and
     * {@code .password}) works; once the pods' password changes, health lists every pod as refusing user {@code app}
     * (status still UP: connections already authenticated keep working), and never the secret. A replica's pod
     * replaced without its volume (an empty node in no cluster) shows as the healer's finding, with its fix.
     */
    @Test
    void healthNamesThePodsThatRefuseTheCredentialsAndTheHealersFindings(SimulatedNamespace ns) {
        String old = "old-cluster-secret-6a1f";
        String changed = "new-cluster-secret-90bd";
        RedisCluster cluster = ns.redisCluster("redis")
                .credentials(Credentials.aclUser("admin", "admin-secret-51c2"))
                .config("user app on >" + old + " ~* &* +@all")
                .start();
        runner(ns, cluster)
                // mode=cluster: no replication client is started and closed first (auto detection does that), whose
                // closed watch can block the fabric8 mock API server's event loop for up to 30 s on a loaded machine
                // (seen twice: the next context then found no endpoint within its startup wait).
                .withPropertyValues(
                        "mooring.mode=cluster", "spring.data.redis.username=app", "spring.data.redis.password=" + old)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    StringRedisTemplate template = context.getBean(StringRedisTemplate.class);
                    template.opsForValue().set("key", "v");
                    HealthIndicator health = context.getBean("mooringHealthIndicator", HealthIndicator.class);
                    assertThat(health.health().getDetails())
                            .containsEntry("healer", "report")
                            .doesNotContainKeys("credentialsRejected", "healerFindings");

                    RedisPod replica = cluster.pod(4);
                    replica.replaceWithoutVolume(RedisPod.Deletion.KILL, Duration.ofMillis(200));
                    for (RedisPod pod : cluster.pods()) {
                        pod.awaitReady(Duration.ofSeconds(30));
                        assertThat(pod.command("ACL", "SETUSER", "app", "resetpass", ">" + changed))
                                .isEqualTo("OK");
                    }
                    MooringClusterClient client = context.getBean(MooringClusterClient.class);
                    client.refreshPartitionsAsync(); // what the next periodic or adaptive refresh does
                    // Each pod is found refusing when a load gets no view from it: all six within a few loads.
                    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                        Map<String, Object> details = health.health().getDetails();
                        assertThat(details.get("credentialsRejected"))
                                .asInstanceOf(InstanceOfAssertFactories.LIST)
                                .hasSize(cluster.pods().size())
                                .allSatisfy(line -> assertThat(line).asString().contains(": user app: "));
                        assertThat(details.get("healerFindings"))
                                .asInstanceOf(InstanceOfAssertFactories.LIST)
                                .anySatisfy(line -> assertThat(line).asString().contains(replica.ip()));
                    });

                    Health status = health.health();
                    assertThat(status.getStatus()).isEqualTo(Status.UP);
                    assertThat(String.valueOf(status.getDetails()))
                            .doesNotContain(old)
                            .doesNotContain(changed);
                });
    }

    /**
     * A synchronous {@code StringRedisTemplate} writer and a reactive one (up to 200 in flight), on a key of the
     * master that is replaced with a new IP (its volume kept). At the end, on the slot's master: every acknowledged
     * write is there, none twice. A failed write is of unknown fate (Lettuce re-sends what a dropped node connection
     * had written), so it may or may not be there.
     */
    @Test
    void templatesWriteThroughAMasterPodReplacedWithANewIp(SimulatedNamespace ns) {
        RedisCluster cluster = ns.redisCluster("redis").start();
        RedisPod master = cluster.pod(0);
        String tag = tagServedBy(cluster, master);
        runner(ns, cluster).run(context -> {
            assertThat(context).hasNotFailed();
            StringRedisTemplate template = context.getBean(StringRedisTemplate.class);
            ReactiveStringRedisTemplate reactive = context.getBean(ReactiveStringRedisTemplate.class);
            Ledger sync = new Ledger("{" + tag + "}:sync");
            Ledger async = new Ledger("{" + tag + "}:reactive");
            AtomicBoolean running = new AtomicBoolean(true);
            Thread syncWriter = new Thread(
                    () -> {
                        for (long n = 0; running.get(); n++) {
                            try {
                                template.opsForList().rightPush(sync.key, Long.toString(n));
                                sync.acknowledged(n);
                            } catch (RuntimeException e) {
                                sync.failed(n);
                            }
                        }
                    },
                    "sync-writer");
            syncWriter.start();
            AtomicLong next = new AtomicLong();
            Disposable reactiveWriter = Flux.generate(sink -> sink.next(next.getAndIncrement()))
                    .takeWhile(n -> running.get())
                    .flatMap(
                            n -> reactive.opsForList()
                                    .rightPush(async.key, Long.toString((Long) n))
                                    .doOnNext(size -> async.acknowledged((Long) n))
                                    .onErrorResume(e -> {
                                        async.failed((Long) n);
                                        return Mono.empty();
                                    }),
                            200)
                    .subscribe();
            try {
                await().atMost(Duration.ofSeconds(10)).until(() -> sync.count() > 100 && async.count() > 100);

                long killed = System.nanoTime();
                master.replace(Deletion.KILL, Duration.ofMillis(300));
                await().alias("a write of each writer acknowledged after the kill")
                        .atMost(Duration.ofSeconds(30))
                        .until(() -> sync.acknowledgedAfter(killed) && async.acknowledgedAfter(killed));
                long resumed = System.nanoTime();
                // A stretch of writes after the recovery, so that the final check covers them too.
                await().alias("100 more writes each after both writers resumed")
                        .atMost(Duration.ofSeconds(30))
                        .until(() -> sync.countAfter(resumed) >= 100 && async.countAfter(resumed) >= 100);
            } finally {
                running.set(false);
                reactiveWriter.dispose();
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> !syncWriter.isAlive());

            for (Ledger ledger : List.of(sync, async)) {
                List<String> applied = template.opsForList().range(ledger.key, 0, -1);
                Set<String> seen = new HashSet<>();
                List<String> twice = applied.stream().filter(n -> !seen.add(n)).toList();
                assertThat(twice).as("%s: applied twice", ledger.key).isEmpty();
                List<Long> lost = ledger.acknowledged.keySet().stream()
                        .filter(n -> !seen.contains(Long.toString(n)))
                        .sorted()
                        .toList();
                assertThat(lost).as("%s: acknowledged but lost", ledger.key).isEmpty();
                assertThat(ledger.acknowledged)
                        .as("%s wrote through the replacement", ledger.key)
                        .hasSizeGreaterThan(200);
                System.out.println(ledger.key + ": " + ledger.acknowledged.size() + " acknowledged, "
                        + ledger.failed.size() + " failed (fate unknown), " + applied.size() + " applied");
            }
        });
    }

    /** A hash tag whose slot {@code master} serves. */
    private static String tagServedBy(RedisCluster cluster, RedisPod master) {
        for (int i = 0; ; i++) {
            String tag = "t" + i;
            if (cluster.masterOf(SlotHash.getSlot(tag)).orElseThrow().equals(master)) {
                return tag;
            }
        }
    }

    /** What one writer was told about each of its writes. */
    private static final class Ledger {
        final String key;
        final Map<Long, Long> acknowledged = new ConcurrentHashMap<>(); // write ▶ when (nanoTime)
        final Set<Long> failed = ConcurrentHashMap.newKeySet();

        Ledger(String key) {
            this.key = key;
        }

        void acknowledged(long n) {
            acknowledged.put(n, System.nanoTime());
        }

        void failed(long n) {
            failed.add(n);
        }

        int count() {
            return acknowledged.size();
        }

        long countAfter(long nanos) {
            return acknowledged.values().stream().filter(at -> at > nanos).count();
        }

        boolean acknowledgedAfter(long nanos) {
            return acknowledged.values().stream().anyMatch(at -> at > nanos);
        }
    }
}
