package io.github.mooring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import io.github.mooring.MooringClient;
import io.github.mooring.MooringOptions;
import io.github.mooring.discovery.ServicePort;
import io.github.mooring.discovery.StaticSource;
import io.github.mooring.topology.NoMasterException;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.SocketOptions;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientConfigurationBuilderCustomizer;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.data.redis.connection.RedisClusterConfiguration;
import org.springframework.data.redis.connection.RedisSentinelConfiguration;
import org.springframework.data.redis.connection.RedisStaticMasterReplicaConfiguration;

/**
 * What {@link MooringAutoConfiguration} decides before any pod answers: the one conflict check over every way
 * Spring Boot can be told of a topology other than one server, and Boot's settings assembled once, from the options
 * of whichever {@link MooringClient} the context has. No Redis: the client of these contexts finds no master.
 */
@ExtendWith(OutputCaptureExtension.class)
class MooringAutoConfigurationTest {

    private static final DataRedisConnectionDetails.Node NODE = new DataRedisConnectionDetails.Node("127.0.0.1", 1);

    /** Mooring on, pointed at a port where nothing listens; the start gives up at once. */
    private static ApplicationContextRunner runner() {
        return runner("mooring.static-nodes=127.0.0.1:1");
    }

    /** As {@link #runner()}, discovering by DNS (a name server that never answers), as a sentinelService needs. */
    private static ApplicationContextRunner dnsRunner() {
        return runner("mooring.source=dns", "mooring.dns.name-servers=127.0.0.1:1");
    }

    private static ApplicationContextRunner runner(String... discovery) {
        return new ApplicationContextRunner()
                .withConfiguration(
                        AutoConfigurations.of(MooringAutoConfiguration.class, DataRedisAutoConfiguration.class))
                .withPropertyValues("mooring.service=redis", "mooring.namespace=shop", "mooring.startup-wait=0s")
                .withPropertyValues(discovery);
    }

    static Stream<Arguments> conflicts() {
        return Stream.of(
                conflict(
                        "Sentinel properties",
                        r -> r.withPropertyValues(
                                "spring.data.redis.sentinel.master=mymaster",
                                "spring.data.redis.sentinel.nodes=127.0.0.1:26379"),
                        "spring.data.redis.sentinel.*"),
                conflict(
                        "a RedisSentinelConfiguration bean",
                        r -> r.withBean(
                                RedisSentinelConfiguration.class,
                                () -> new RedisSentinelConfiguration("mymaster", Set.of("127.0.0.1:26379"))),
                        "a RedisSentinelConfiguration bean"),
                conflict(
                        "Sentinel connection details",
                        r -> r.withBean(DataRedisConnectionDetails.class, SentinelDetails::new),
                        "(" + SentinelDetails.class.getName() + ") (Sentinel)"),
                conflict(
                        "Cluster properties",
                        r -> r.withPropertyValues("spring.data.redis.cluster.nodes=127.0.0.1:7000"),
                        "spring.data.redis.cluster.nodes"),
                conflict(
                        "a RedisClusterConfiguration bean",
                        r -> r.withBean(
                                RedisClusterConfiguration.class,
                                () -> new RedisClusterConfiguration(List.of("127.0.0.1:7000"))),
                        "a RedisClusterConfiguration bean with nodes"),
                conflict(
                        "Cluster connection details",
                        r -> r.withBean(DataRedisConnectionDetails.class, ClusterDetails::new),
                        "(" + ClusterDetails.class.getName() + ") (Cluster nodes)"),
                conflict(
                        "Lettuce's dynamic refresh sources",
                        r -> r.withPropertyValues(
                                "spring.data.redis.lettuce.cluster.refresh.dynamic-refresh-sources=true"),
                        "spring.data.redis.lettuce.cluster.refresh.dynamic-refresh-sources=true"),
                conflict(
                        "master/replica properties",
                        r -> r.withPropertyValues("spring.data.redis.masterreplica.nodes=127.0.0.1:6379"),
                        "spring.data.redis.masterreplica.*"),
                conflict(
                        "a RedisStaticMasterReplicaConfiguration bean",
                        r -> r.withBean(
                                RedisStaticMasterReplicaConfiguration.class,
                                () -> new RedisStaticMasterReplicaConfiguration("127.0.0.1", 6379)),
                        "a RedisStaticMasterReplicaConfiguration bean"),
                conflict(
                        "master/replica connection details",
                        r -> r.withBean(DataRedisConnectionDetails.class, MasterReplicaDetails::new),
                        "(" + MasterReplicaDetails.class.getName() + ") (master/replica)"),
                conflict(
                        "Jedis",
                        r -> r.withPropertyValues("spring.data.redis.client-type=jedis"),
                        "spring.data.redis.client-type=jedis"));
    }

    private static Arguments conflict(String name, UnaryOperator<ApplicationContextRunner> setting, String named) {
        return argumentSet(name, setting, named);
    }

    @ParameterizedTest
    @MethodSource("conflicts")
    void refusesEveryOtherTopologyWhereverItIsDescribed(UnaryOperator<ApplicationContextRunner> setting, String named) {
        setting.apply(runner()).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure())
                    .rootCause()
                    .isInstanceOfSatisfying(MooringConfigurationConflictException.class, conflict -> {
                        assertThat(conflict.description())
                                .startsWith("mooring.service=redis")
                                .contains(named);
                        assertThat(conflict.action()).contains("mooring.enabled=false");
                    });
        });
    }

    @Test
    void clusterSettingsWithoutNodesKeepTheirMeaningAndMeanACluster() {
        // No cluster answers at 127.0.0.1:1: the start fails in the cluster client, not in a conflict check.
        runner().withPropertyValues(
                        "spring.data.redis.cluster.max-redirects=2",
                        "spring.data.redis.lettuce.cluster.refresh.period=5s",
                        "spring.data.redis.lettuce.cluster.refresh.dynamic-refresh-sources=false")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure())
                            .rootCause()
                            .isNotInstanceOf(MooringConfigurationConflictException.class)
                            .hasMessageContaining("cluster partitions");
                });
    }

    @Test
    void modeReplicationWithClusterSettingsFailsTheStartNamingBoth() {
        runner().withPropertyValues("mooring.mode=replication", "spring.data.redis.cluster.max-redirects=2")
                .run(context -> assertThat(context.getStartupFailure())
                        .rootCause()
                        .isInstanceOfSatisfying(MooringConfigurationConflictException.class, conflict -> {
                            assertThat(conflict.description())
                                    .contains("mooring.mode=replication")
                                    .contains("spring.data.redis.cluster.*");
                            assertThat(conflict.action()).contains("mooring.mode=cluster");
                        }));
    }

    @Test
    void modeClusterStartsTheClusterClient() {
        runner().withPropertyValues("mooring.mode=cluster")
                .run(context ->
                        assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("cluster partitions"));
    }

    @Test
    void needsBootsConnectionDetails() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(MooringAutoConfiguration.class))
                .withPropertyValues("mooring.service=redis", "mooring.static-nodes=127.0.0.1:1")
                .run(context -> assertThat(context.getStartupFailure())
                        .rootCause()
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("do not exclude DataRedisAutoConfiguration"));
    }

    @Test
    void buildsTheOptionsOnceWithBootsSettingsThenTheCustomizers() {
        AtomicInteger bootCustomized = new AtomicInteger();
        AtomicReference<MooringOptions> seen = new AtomicReference<>();
        runner().withPropertyValues("spring.data.redis.client-name=orders", "spring.data.redis.database=2")
                .withBean(
                        LettuceClientConfigurationBuilderCustomizer.class,
                        () -> builder -> bootCustomized.incrementAndGet())
                // What a MooringOptionsCustomizer is handed: the properties and Boot's settings, validated.
                .withBean(MooringOptionsCustomizer.class, () -> builder -> seen.set(builder.build()))
                .run(context -> {
                    assertThat(context.getStartupFailure()).rootCause().isInstanceOf(NoMasterException.class);
                    assertThat(bootCustomized).hasValue(1);
                    MooringOptions options = seen.get();
                    assertThat(options.source()).isInstanceOf(StaticSource.class);
                    assertThat(options.redisUri().getClientName()).isEqualTo("orders");
                    assertThat(options.redisUri().getDatabase()).isEqualTo(2);
                    // No host in spring.data.redis.*: connections present the Service's name for TLS.
                    assertThat(options.redisUri().getHost()).isEqualTo("redis.shop.svc.cluster.local");
                    assertThat(options.clientOptions().getSocketOptions().isKeepAlive())
                            .isTrue();
                });
    }

    @Test
    void sentinelPropertiesReachTheOptionsAndTheSecretNothingPrinted(CapturedOutput output) {
        String secret = "sentinel-secret-7a1c";
        AtomicReference<MooringOptions> seen = new AtomicReference<>();
        runner().withPropertyValues(
                        "mooring.sentinel.failover-hold=2s",
                        "mooring.sentinel.username=watcher",
                        "mooring.sentinel.password=" + secret)
                .withBean(MooringOptionsCustomizer.class, () -> builder -> seen.set(builder.build()))
                .run(context -> {
                    assertThat(seen.get().sentinelFailoverHold()).hasSeconds(2);
                    assertThat(seen.get().sentinelCredentials())
                            .hasValueSatisfying(c -> assertThat(c.getUsername()).isEqualTo("watcher"));
                    Throwable failure = context.getStartupFailure();
                    assertThat(failure).rootCause().isInstanceOf(NoMasterException.class);
                    StringBuilder shown = new StringBuilder(seen.get().toString());
                    for (Throwable t = failure; t != null; t = t.getCause()) {
                        shown.append(t).append('\n');
                    }
                    assertThat(shown).doesNotContain(secret);
                });
        assertThat(output.getAll()).doesNotContain(secret);
    }

    @Test
    void theSentinelServiceReachesTheOptionsInTheRedisServicesNamespace() {
        AtomicReference<MooringOptions> seen = new AtomicReference<>();
        dnsRunner()
                .withPropertyValues("mooring.sentinel.service=redis-sentinel")
                .withBean(MooringOptionsCustomizer.class, () -> builder -> seen.set(builder.build()))
                .run(context -> assertThat(seen.get().sentinelService()).hasValueSatisfying(service -> {
                    assertThat(service.name()).isEqualTo("redis-sentinel");
                    assertThat(service.namespace()).isEqualTo(seen.get().namespace());
                    assertThat(service.port()).isEqualTo(ServicePort.number(26379));
                }));
        dnsRunner()
                .withPropertyValues("mooring.sentinel.service=sentinels", "mooring.sentinel.service-port=tcp-sentinel")
                .withBean(MooringOptionsCustomizer.class, () -> builder -> seen.set(builder.build()))
                .run(context -> assertThat(seen.get().sentinelService())
                        .hasValueSatisfying(
                                service -> assertThat(service.port()).isEqualTo(ServicePort.named("tcp-sentinel"))));
        dnsRunner()
                .withBean(MooringOptionsCustomizer.class, () -> builder -> seen.set(builder.build()))
                .run(context -> assertThat(seen.get().sentinelService()).isEmpty());
    }

    @Test
    void aBadSentinelServiceFailsTheStartNamingTheProperty() {
        dnsRunner()
                .withPropertyValues("mooring.sentinel.service=Redis_Sentinel")
                .run(context -> assertThat(context.getStartupFailure())
                        .rootCause()
                        .isInstanceOf(InvalidMooringPropertyException.class)
                        .hasMessageContaining(": mooring.sentinel.service must be a DNS label"));
        dnsRunner()
                .withPropertyValues("mooring.sentinel.service=redis-sentinel", "mooring.sentinel.service-port=70000")
                .run(context -> assertThat(context.getStartupFailure())
                        .rootCause()
                        .isInstanceOf(InvalidMooringPropertyException.class)
                        .hasMessageContaining(": mooring.sentinel.service-port must be a port name or a number"));
        runner().withPropertyValues("mooring.sentinel.service=redis-sentinel")
                .run(context -> assertThat(context.getStartupFailure())
                        .rootCause()
                        .isInstanceOf(InvalidMooringPropertyException.class)
                        .hasMessageContaining("mooring.sentinel.service needs a source that discovers Services"));
    }

    @Test
    void aSentinelUserWithoutPasswordFailsTheStartNamingTheProperty() {
        runner().withPropertyValues("mooring.sentinel.username=watcher")
                .run(context -> assertThat(context.getStartupFailure())
                        .rootCause()
                        .isInstanceOf(InvalidMooringPropertyException.class)
                        .hasMessageContaining("mooring.sentinel.password"));
    }

    @Test
    void aHostInSpringDataRedisIsTheHostConnectionsPresent() {
        AtomicReference<MooringOptions> seen = new AtomicReference<>();
        runner().withPropertyValues("spring.data.redis.host=redis.example.com")
                .withBean(MooringOptionsCustomizer.class, () -> builder -> seen.set(builder.build()))
                .run(context -> assertThat(seen.get().redisUri().getHost()).isEqualTo("redis.example.com"));
    }

    @Test
    void withTheApplicationsOwnClientBootsSettingsRefineThatClientsOptions() {
        AtomicInteger bootCustomized = new AtomicInteger();
        ClientOptions own = MooringOptions.defaultClientOptions()
                .mutate()
                .socketOptions(SocketOptions.builder()
                        .connectTimeout(Duration.ofSeconds(7))
                        .build())
                .build();
        runner().withPropertyValues("spring.data.redis.client-name=orders")
                .withBean(
                        LettuceClientConfigurationBuilderCustomizer.class,
                        () -> builder -> bootCustomized.incrementAndGet())
                .withBean(
                        "ownMooringClient",
                        MooringClient.class,
                        () -> MooringClient.create(MooringOptions.builder()
                                .service("cache")
                                .namespace("shop")
                                .source(StaticSource.of("127.0.0.1:1"))
                                .clientOptions(own)
                                .build()),
                        definition -> definition.setDestroyMethodName("close"))
                .run(context -> {
                    assertThat(context)
                            .hasNotFailed()
                            .hasSingleBean(MooringClient.class)
                            .doesNotHaveBean(MooringAutoConfiguration.ClientSettings.class);
                    MooringLettuceConnectionFactory factory = context.getBean(MooringLettuceConnectionFactory.class);
                    assertThat(factory.getMooringClient()).isSameAs(context.getBean("ownMooringClient"));
                    assertThat(bootCustomized).hasValue(1);
                    assertThat(factory.getClientName()).isEqualTo("orders");
                    assertThat(factory.getClientConfiguration().getClientOptions())
                            .hasValueSatisfying(options -> assertThat(
                                            options.getSocketOptions().getConnectTimeout())
                                    .isEqualTo(Duration.ofSeconds(7)));
                    // The factory reports what the client's connections use: its own URI.
                    assertThat(factory.getHostName()).isEqualTo("cache.shop.svc.cluster.local");
                });
    }

    private static final class SentinelDetails implements DataRedisConnectionDetails {
        @Override
        public Sentinel getSentinel() {
            return new Sentinel() {
                @Override
                public int getDatabase() {
                    return 0;
                }

                @Override
                public String getMaster() {
                    return "mymaster";
                }

                @Override
                public List<Node> getNodes() {
                    return List.of(NODE);
                }

                @Override
                public String getUsername() {
                    return null;
                }

                @Override
                public String getPassword() {
                    return null;
                }
            };
        }
    }

    private static final class ClusterDetails implements DataRedisConnectionDetails {
        @Override
        public Cluster getCluster() {
            return () -> List.of(NODE);
        }
    }

    private static final class MasterReplicaDetails implements DataRedisConnectionDetails {
        @Override
        public MasterReplica getMasterReplica() {
            return () -> List.of(NODE);
        }
    }
}
