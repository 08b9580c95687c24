package io.github.mooring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.mooring.MooringClient;
import io.github.mooring.MooringOptions;
import io.github.mooring.discovery.AutoSource;
import io.github.mooring.discovery.DnsSource;
import io.github.mooring.discovery.StaticSource;
import io.github.mooring.lettuce.MooringRedisClient;
import io.github.mooring.testkit.Credentials;
import io.github.mooring.testkit.RedisPod;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;
import io.github.mooring.topology.NoMasterException;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.ReadFrom;
import io.lettuce.core.RedisURI;
import io.lettuce.core.resource.ClientResources;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.ClientResourcesBuilderCustomizer;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientConfigurationBuilderCustomizer;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientOptionsBuilderCustomizer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettucePoolingClientConfiguration;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.types.RedisClientInfo;

/**
 * Every condition and setting of {@link MooringAutoConfiguration}, each in a real application context against real
 * {@code redis-server} pods of a simulated namespace (two pods with a password: a master and its replica).
 */
@ExtendWith(SimulatedNamespaceExtension.class)
class MooringAutoConfigurationIT {

    private static final String PASSWORD = "pod-s3cret";

    private static SimulatedNamespace ns;

    private static RedisStatefulSet redis;

    @BeforeAll
    static void startPods(SimulatedNamespace namespace) {
        ns = namespace;
        redis = ns.redis("redis")
                .replicas(2)
                .credentials(Credentials.password(PASSWORD))
                .start();
    }

    /** Mooring on, with the static source pointing at the pods (pod names are then unknown). */
    private static ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
                .withConfiguration(
                        AutoConfigurations.of(MooringAutoConfiguration.class, DataRedisAutoConfiguration.class))
                .withPropertyValues(
                        "mooring.service=redis",
                        "mooring.namespace=" + ns.name(),
                        "mooring.probe.interval=200ms",
                        "mooring.startup-wait=10s",
                        "spring.data.redis.password=" + PASSWORD);
    }

    /** Starts a context that must fail, and returns what Spring Boot would print about it. */
    private static Failed startFailing(ApplicationContextRunner runner) {
        AtomicReference<ConfigurableEnvironment> environment = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        runner.withInitializer(context -> environment.set(context.getEnvironment()))
                .run(context -> {
                    assertThat(context).hasFailed();
                    failure.set(context.getStartupFailure());
                });
        return new Failed(failure.get(), FailureAnalysisSupport.analyze(failure.get(), environment.get()));
    }

    private record Failed(Throwable failure, FailureAnalysis analysis) {

        String text() {
            return FailureAnalysisSupport.text(analysis);
        }
    }

    private static String staticNodes() {
        return "mooring.static-nodes="
                + redis.pods().stream().map(pod -> pod.address()).collect(Collectors.joining(","));
    }

    // ---------------------------------------------------------------- on and off

    @Test
    void providesAConnectionFactoryThatTalksToTheMaster() {
        runner().withPropertyValues(staticNodes()).run(context -> {
            assertThat(context)
                    .hasNotFailed()
                    .hasSingleBean(MooringClient.class)
                    .hasSingleBean(RedisConnectionFactory.class)
                    .hasSingleBean(TopologyHistory.class);
            MooringLettuceConnectionFactory factory = context.getBean(MooringLettuceConnectionFactory.class);
            MooringClient client = context.getBean(MooringClient.class);
            assertThat(factory.getMooringClient()).isSameAs(client);
            assertThat(factory.getNativeClient()).isSameAs(client.redisClient()).isInstanceOf(MooringRedisClient.class);
            assertThat(client.options().source()).isInstanceOf(StaticSource.class);
            assertThat(client.topology().master())
                    .hasValueSatisfying(master ->
                            assertThat(master.address()).isEqualTo(redis.pod(0).address()));

            StringRedisTemplate template = context.getBean(StringRedisTemplate.class);
            template.opsForValue().set("greeting", "hello");
            assertThat(template.opsForValue().get("greeting")).isEqualTo("hello");
            // The write went to the master pod itself.
            assertThat(redis.pod(0).command("GET", "greeting")).isEqualTo("hello");

            // Boot's Lettuce resources are shared with Mooring (one set of event loops), not duplicated.
            assertThat(client.options().clientResources()).isSameAs(context.getBean(ClientResources.class));
            assertThat(factory.getClientResources()).isSameAs(context.getBean(ClientResources.class));
        });
    }

    @Test
    void backsOffWithoutService() {
        new ApplicationContextRunner()
                .withConfiguration(
                        AutoConfigurations.of(MooringAutoConfiguration.class, DataRedisAutoConfiguration.class))
                .withPropertyValues("mooring.namespace=" + ns.name(), staticNodes())
                .run(context -> {
                    assertThat(context)
                            .hasNotFailed()
                            .doesNotHaveBean(MooringClient.class)
                            .doesNotHaveBean(MooringLettuceConnectionFactory.class);
                    // Spring Boot's own factory, untouched.
                    assertThat(context.getBean(RedisConnectionFactory.class))
                            .isExactlyInstanceOf(LettuceConnectionFactory.class);
                });
    }

    @Test
    void backsOffWhenDisabled() {
        runner().withPropertyValues(staticNodes(), "mooring.enabled=false").run(context -> {
            assertThat(context)
                    .hasNotFailed()
                    .doesNotHaveBean(MooringClient.class)
                    .doesNotHaveBean(MooringLettuceConnectionFactory.class)
                    .doesNotHaveBean(TopologyHistory.class);
            assertThat(context.getBean(RedisConnectionFactory.class))
                    .isExactlyInstanceOf(LettuceConnectionFactory.class);
        });
    }

    @Test
    void backsOffForTheApplicationsOwnConnectionFactory() {
        runner().withPropertyValues(staticNodes())
                .withUserConfiguration(OwnConnectionFactory.class)
                .run(context -> {
                    assertThat(context)
                            .hasNotFailed()
                            .doesNotHaveBean(MooringClient.class)
                            .doesNotHaveBean(TopologyHistory.class);
                    assertThat(context).getBean(RedisConnectionFactory.class).isSameAs(context.getBean("ownFactory"));
                });
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnConnectionFactory {

        @Bean
        LettuceConnectionFactory ownFactory() {
            return new LettuceConnectionFactory(redis.pod(0).ip(), redis.port());
        }
    }

    // ---------------------------------------------------------------- mooring.* and spring.data.redis.*

    @Test
    void bindsMooringProperties() {
        runner().withPropertyValues(
                        staticNodes(),
                        "mooring.port=6379",
                        "mooring.failover-wait=12s",
                        "mooring.startup-wait=8s",
                        "mooring.master-stall-timeout=9s",
                        "mooring.max-queued-commands=500",
                        "mooring.stale-replica-after=3s",
                        "mooring.probe.interval=300ms",
                        "mooring.probe.timeout=700ms",
                        "mooring.probe.connect-timeout=400ms",
                        "mooring.retry.max-attempts=4",
                        "mooring.retry.initial-backoff=5ms",
                        "mooring.retry.max-backoff=50ms",
                        "mooring.idempotent-commands=set,HSET")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    var options = context.getBean(MooringClient.class).options();
                    assertThat(options.namespace()).isEqualTo(ns.name());
                    assertThat(options.port().number()).isEqualTo(6379);
                    assertThat(options.failoverWait()).isEqualTo(Duration.ofSeconds(12));
                    assertThat(options.startupWait()).isEqualTo(Duration.ofSeconds(8));
                    assertThat(options.masterStallTimeout()).isEqualTo(Duration.ofSeconds(9));
                    assertThat(options.maxQueuedCommands()).isEqualTo(500);
                    assertThat(options.failoverSettings().idempotentCommands())
                            .containsExactlyInAnyOrder("SET", "HSET");
                    assertThat(options.retry().getMaxAttempts()).isEqualTo(4);
                    assertThat(options.retry().getIntervalFunction().apply(1)).isEqualTo(5L);
                    assertThat(options.retry().getIntervalFunction().apply(10)).isEqualTo(50L);
                    assertThat(options.probeInterval()).isEqualTo(Duration.ofMillis(300));
                    assertThat(options.staleReplicaAfter()).isEqualTo(Duration.ofSeconds(3));
                    assertThat(options.probeTimeout()).isEqualTo(Duration.ofMillis(700));
                    assertThat(options.probeConnectTimeout()).isEqualTo(Duration.ofMillis(400));
                });
    }

    @Test
    void retryCanBeTurnedOff() {
        runner().withPropertyValues(staticNodes(), "mooring.retry.enabled=false")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(MooringClient.class).options().retry())
                            .isNull();
                });
    }

    @Test
    void honoursSpringDataRedisSettings() {
        runner().withPropertyValues(
                        staticNodes(),
                        "spring.data.redis.database=3",
                        "spring.data.redis.client-name=orders-app",
                        "spring.data.redis.timeout=5s",
                        "spring.data.redis.connect-timeout=1500ms",
                        "spring.data.redis.lettuce.shutdown-timeout=250ms",
                        "spring.data.redis.lettuce.pool.enabled=true",
                        "spring.data.redis.lettuce.pool.max-active=4")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    MooringLettuceConnectionFactory factory = context.getBean(MooringLettuceConnectionFactory.class);
                    MooringClient client = context.getBean(MooringClient.class);
                    assertThat(factory.getDatabase()).isEqualTo(3);
                    assertThat(factory.getClientName()).isEqualTo("orders-app");
                    assertThat(factory.getTimeout()).isEqualTo(5000);
                    assertThat(factory.getShutdownTimeout()).isEqualTo(250);
                    assertThat(factory.getClientConfiguration())
                            .isInstanceOfSatisfying(
                                    LettucePoolingClientConfiguration.class,
                                    pooling -> assertThat(
                                                    pooling.getPoolConfig().getMaxTotal())
                                            .isEqualTo(4));

                    // The URI every connection and every probe uses.
                    RedisURI uri = client.options().redisUri();
                    assertThat(uri.getDatabase()).isEqualTo(3);
                    assertThat(uri.getClientName()).isEqualTo("orders-app");
                    assertThat(uri.getTimeout()).isEqualTo(Duration.ofSeconds(5));
                    // The probes authenticated with spring.data.redis.password: they found the master.
                    assertThat(client.topology().hasMaster()).isTrue();

                    // Connect timeout from Boot, keep-alive from Mooring, reconnect forced by Mooring.
                    ClientOptions options = client.redisClient().getOptions();
                    assertThat(options.getSocketOptions().getConnectTimeout()).isEqualTo(Duration.ofMillis(1500));
                    assertThat(options.getSocketOptions().isKeepAlive()).isTrue();
                    assertThat(options.isAutoReconnect()).isTrue();
                    assertThat(options.getTimeoutOptions().isTimeoutCommands()).isTrue();

                    // What the master sees: a connection in database 3, named as configured.
                    StringRedisTemplate template = context.getBean(StringRedisTemplate.class);
                    template.opsForValue().set("db3-key", "x");
                    List<RedisClientInfo> clients = template.execute((RedisCallback<List<RedisClientInfo>>)
                            connection -> connection.serverCommands().getClientList());
                    assertThat(clients).anySatisfy(info -> {
                        assertThat(info.getName()).isEqualTo("orders-app");
                        assertThat(info.getDatabaseId()).isEqualTo(3L);
                    });
                });
    }

    @Test
    void appliesTheApplicationsCustomizers() {
        Customizers.calls.set(0);
        runner().withPropertyValues(staticNodes())
                .withUserConfiguration(Customizers.class)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    // Once each for the client and its connection factory together: Boot's settings are assembled once.
                    assertThat(Customizers.calls).hasValue(2);
                    MooringClient client = context.getBean(MooringClient.class);
                    assertThat(client.options().redisUri().getClientName()).isEqualTo("customized");
                    ClientOptions options = client.redisClient().getOptions();
                    assertThat(options.isPublishOnScheduler()).isTrue();
                    // Mooring's requirement wins over a customizer that would break master following.
                    assertThat(options.isAutoReconnect()).isTrue();
                    assertThat(client.options().clientResources().computationThreadPoolSize())
                            .isEqualTo(3);
                    assertThat(client.options().maxQueuedCommands()).isEqualTo(42);
                });
    }

    @Configuration(proxyBeanMethods = false)
    static class Customizers {

        static final AtomicInteger calls = new AtomicInteger();

        @Bean
        LettuceClientConfigurationBuilderCustomizer clientName() {
            return builder -> {
                calls.incrementAndGet();
                builder.clientName("customized");
            };
        }

        @Bean
        LettuceClientOptionsBuilderCustomizer clientOptions() {
            return builder -> {
                calls.incrementAndGet();
                builder.publishOnScheduler(true).autoReconnect(false);
            };
        }

        @Bean
        ClientResourcesBuilderCustomizer resources() {
            return builder -> builder.computationThreadPoolSize(3);
        }

        @Bean
        MooringOptionsCustomizer mooringOptions() {
            return builder -> builder.maxQueuedCommands(42);
        }
    }

    // ---------------------------------------------------------------- discovery sources

    @Test
    void usesTheApplicationsKubernetesClientAndLeavesItOpen() {
        runner().withPropertyValues("mooring.source=kubernetes")
                .withUserConfiguration(OwnKubernetesClient.class)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    MooringClient client = context.getBean(MooringClient.class);
                    assertThat(client.topology().source()).isEqualTo("kubernetes");
                    assertThat(client.topology().master())
                            .hasValueSatisfying(master ->
                                    assertThat(master.endpoint().podName()).isEqualTo("redis-0"));
                    // fabric8's mock API server (8.0.0) freezes for 30 s when a watch is closed while it is still
                    // sending the watch's first events (WatchEventsListener.onClosed blocks its event loop until
                    // its sender, which needs that loop, finishes). Let the watch settle for a few probe rounds.
                    AtomicInteger rounds = new AtomicInteger();
                    client.observe(topology -> rounds.incrementAndGet());
                    await().atMost(Duration.ofSeconds(10)).until(() -> rounds.get() > 3);
                });
        // The context is closed: Mooring stopped its watch but did not close the application's client.
        assertThat(OwnKubernetesClient.client
                        .discovery()
                        .v1()
                        .endpointSlices()
                        .inNamespace(ns.name())
                        .list()
                        .getItems())
                .isNotEmpty();
        OwnKubernetesClient.client.close();
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnKubernetesClient {

        static KubernetesClient client;

        @Bean(destroyMethod = "")
        KubernetesClient kubernetesClient() {
            client = ns.api().newClient();
            return client;
        }
    }

    @Test
    void leavesTheKubernetesClientAloneForOtherSources() {
        AtomicInteger created = new AtomicInteger();
        runner().withPropertyValues(staticNodes())
                .withBean(
                        KubernetesClient.class,
                        () -> {
                            created.incrementAndGet();
                            return ns.api().newClient();
                        },
                        definition -> definition.setLazyInit(true))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(created).as("KubernetesClient bean created").hasValue(0);
                });
    }

    @Test
    void worksWithTheApplicationsOwnMooringClient() {
        runner().withPropertyValues(staticNodes())
                .withUserConfiguration(OwnMooringClient.class)
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(MooringClient.class);
                    MooringLettuceConnectionFactory factory = context.getBean(MooringLettuceConnectionFactory.class);
                    assertThat(factory.getMooringClient()).isSameAs(context.getBean("ownMooringClient"));
                    assertThat(context.getBean(StringRedisTemplate.class)
                                    .opsForValue()
                                    .increment("own-client"))
                            .isPositive();
                    assertThat(context.getBean(TopologyHistory.class).noMasterSince())
                            .isEmpty();
                });
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnMooringClient {

        @Bean(destroyMethod = "close")
        MooringClient ownMooringClient() {
            return MooringClient.create(MooringOptions.builder()
                    .service("redis")
                    .namespace(ns.name())
                    .source(StaticSource.of(redis.pod(0).address()))
                    .redisUri(RedisURI.builder()
                            .withHost("localhost")
                            .withPassword(PASSWORD.toCharArray())
                            .build())
                    .build());
        }
    }

    @Test
    void autoSourceFallsBackToDnsOutsideACluster() {
        runner().withPropertyValues(
                        "mooring.dns.name-servers=" + hostAndPort(ns.dns().address()), "mooring.dns.interval=200ms")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    MooringClient client = context.getBean(MooringClient.class);
                    assertThat(client.options().source()).isInstanceOf(AutoSource.class);
                    assertThat(client.topology().source()).isEqualTo("dns");
                    assertThat(client.topology().master())
                            .hasValueSatisfying(master -> assertThat(master.address())
                                    .isEqualTo(redis.pod(0).address()));
                });
    }

    @Test
    void discoversThroughDnsWithSrv() {
        runner().withPropertyValues(
                        "mooring.source=dns",
                        "mooring.dns.name-servers=" + hostAndPort(ns.dns().address()),
                        "mooring.dns.srv=true",
                        "mooring.dns.cluster-domain=cluster.local.",
                        "mooring.dns.interval=200ms")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    MooringClient client = context.getBean(MooringClient.class);
                    assertThat(client.options().source()).isInstanceOf(DnsSource.class);
                    assertThat(client.topology().master())
                            .hasValueSatisfying(master ->
                                    assertThat(master.endpoint().podName()).isEqualTo("redis-0"));
                });
    }

    private static String hostAndPort(InetSocketAddress address) {
        return address.getAddress().getHostAddress() + ":" + address.getPort();
    }

    // ---------------------------------------------------------------- failing fast, and why

    @Test
    void failsFastWhenNoPodAnswers() {
        Failed failed = startFailing(
                runner().withPropertyValues("mooring.static-nodes=127.0.0.1:1", "mooring.startup-wait=500ms"));
        assertThat(failed.failure()).hasRootCauseInstanceOf(NoMasterException.class);
        assertThat(failed.text())
                .contains("no master for Service 'redis' in namespace '" + ns.name() + "' within 500 ms")
                .contains("127.0.0.1:1: ")
                .contains("refused")
                .contains("mooring.startup-wait");
    }

    @Test
    void failsFastOnWrongCredentialsWithoutPrintingThem() {
        Failed failed = startFailing(runner().withPropertyValues(
                        staticNodes(), "spring.data.redis.password=not-the-password", "mooring.startup-wait=1s"));
        // Every pod refuses: the analysis names whichever refusal it met first.
        assertThat(failed.text())
                .containsAnyOf(redis.pods().stream().map(RedisPod::address).toArray(String[]::new))
                .contains("spring.data.redis.password")
                .doesNotContain("not-the-password")
                .doesNotContain(PASSWORD);
    }

    @Test
    void failsAtOnceWhenTheServiceDoesNotExist() {
        KubernetesClient kubernetes = ns.api().newClient();
        try {
            long started = System.nanoTime();
            Failed failed = startFailing(runner().withPropertyValues(
                            "mooring.service=no-such-service", "mooring.source=kubernetes", "mooring.startup-wait=30s")
                    .withBean(KubernetesClient.class, () -> kubernetes));
            // A configuration error: no point waiting the startup wait out.
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));
            assertThat(failed.analysis().getDescription()).contains("no-such-service");
            assertThat(failed.analysis().getAction())
                    .contains("mooring.service")
                    .contains("mooring.namespace");
        } finally {
            kubernetes.close();
        }
    }

    @Test
    void outsideAClusterAnUnknownDnsNameSaysWhichSourceAndDnsSettingsToChange() {
        // Not in a pod, no kubeconfig (the build's kubeconfig property names no file): auto discovers through DNS.
        long started = System.nanoTime();
        Failed failed = startFailing(runner().withPropertyValues(
                        "mooring.service=no-such-service",
                        "mooring.dns.name-servers=" + hostAndPort(ns.dns().address()),
                        "mooring.startup-wait=30s"));

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));
        assertThat(failed.analysis().getDescription())
                .contains("NXDOMAIN", "no-such-service")
                .contains("not in a Kubernetes pod", "no kubeconfig");
        assertThat(failed.analysis().getAction())
                .contains(
                        "mooring.source=kubernetes",
                        "kubeconfig",
                        "mooring.dns.name-servers",
                        "mooring.dns.cluster-domain",
                        "mooring.source=static");
    }

    @Test
    void explainsTheRoleRuleWhenRbacForbidsDiscovery() {
        KubernetesClient kubernetes = ns.api().newClient();
        ns.api().forbid("endpointslices.discovery.k8s.io", "list", "watch");
        ns.api().forbid("endpoints", "list", "watch");
        try {
            Failed failed = startFailing(runner().withPropertyValues("mooring.source=kubernetes")
                    .withBean(KubernetesClient.class, () -> kubernetes));
            assertThat(failed.analysis().getAction())
                    .contains("endpointslices")
                    .contains("discovery.k8s.io")
                    .contains("\"list\", \"watch\"")
                    .contains("mooring.source=dns");
        } finally {
            ns.api().permit("endpointslices.discovery.k8s.io", "list", "watch");
            ns.api().permit("endpoints", "list", "watch");
            kubernetes.close();
        }
    }

    // ---------------------------------------------------------------- invalid values and conflicts

    @Test
    void rejectsAnInvalidValueNamingThePropertyAndWhereItWasSet() {
        Failed failed = startFailing(runner().withPropertyValues(staticNodes(), "mooring.probe.interval=5ms"));
        assertThat(failed.failure()).hasRootCauseInstanceOf(InvalidMooringPropertyException.class);
        assertThat(failed.analysis().getDescription())
                .contains("'5ms'")
                .contains("mooring.probe.interval")
                .contains("(from ")
                .contains("at least 10 ms");
        assertThat(failed.analysis().getAction()).contains("Set mooring.probe.interval to a duration of at least 10ms");
    }

    @Test
    void rejectsAnUnknownSourceWithSpringBootsBindingAnalysis() {
        Failed failed = startFailing(runner().withPropertyValues("mooring.source=consul"));
        assertThat(failed.text())
                .contains("mooring.source")
                .contains("consul")
                .contains("KUBERNETES")
                .contains("STATIC");
    }

    @Test
    void refusesSentinelSettingsAlongsideMooring() {
        FailureAnalysis analysis = conflict(runner().withPropertyValues(
                        staticNodes(),
                        "spring.data.redis.sentinel.master=mymaster",
                        "spring.data.redis.sentinel.nodes=127.0.0.1:26379"));
        assertThat(analysis.getDescription())
                .contains("mooring.service=redis")
                .contains("spring.data.redis.sentinel.*")
                .contains("replaced master pod");
        assertThat(analysis.getAction())
                .contains("Remove spring.data.redis.sentinel.*")
                .contains("mooring.enabled=false");
    }

    @Test
    void refusesClusterNodesAlongsideMooring() {
        FailureAnalysis analysis =
                conflict(runner().withPropertyValues(staticNodes(), "spring.data.redis.cluster.nodes=127.0.0.1:7000"));
        assertThat(analysis.getDescription())
                .contains("spring.data.redis.cluster.nodes")
                .contains("Redis Cluster's nodes");
        assertThat(analysis.getAction())
                .contains("Remove spring.data.redis.cluster.nodes")
                .contains("spring.data.redis.cluster.max-redirects");
    }

    @Test
    void refusesStaticMasterReplicaSettingsAlongsideMooring() {
        assertThat(conflict(runner().withPropertyValues(
                                        staticNodes(), "spring.data.redis.masterreplica.nodes=127.0.0.1:6379"))
                        .getDescription())
                .contains("spring.data.redis.masterreplica.*");
    }

    @Test
    void refusesJedisAlongsideMooring() {
        assertThat(conflict(runner().withPropertyValues(staticNodes(), "spring.data.redis.client-type=jedis"))
                        .getAction())
                .contains("spring.data.redis.client-type");
    }

    @Test
    void refusesReadsFromReplicas() {
        assertThat(conflict(runner().withPropertyValues(
                                        staticNodes(), "spring.data.redis.lettuce.read-from=replica-preferred"))
                        .getDescription())
                .contains("spring.data.redis.lettuce.read-from=replica-preferred");
        assertThat(conflict(runner().withPropertyValues(staticNodes())
                                .withBean(
                                        LettuceClientConfigurationBuilderCustomizer.class,
                                        () -> builder -> builder.readFrom(ReadFrom.REPLICA)))
                        .getDescription())
                .contains("LettuceClientConfigurationBuilderCustomizer");
    }

    private static FailureAnalysis conflict(ApplicationContextRunner runner) {
        Failed failed = startFailing(runner);
        assertThat(failed.failure()).hasRootCauseInstanceOf(MooringConfigurationConflictException.class);
        return failed.analysis();
    }

    // ---------------------------------------------------------------- lifecycle

    @Test
    void closesEverythingOnShutdownInOrder() {
        // A service name of its own, to recognize this client's threads.
        runner().withPropertyValues(staticNodes(), "mooring.service=lifecycle").run(context -> {
            assertThat(context).hasNotFailed();
            MooringClient client = context.getBean(MooringClient.class);
            MooringLettuceConnectionFactory factory = context.getBean(MooringLettuceConnectionFactory.class);
            assertThat(liveThreads("lifecycle")).isNotEmpty();
            var beanFactory = context.getBeanFactory();
            // Destruction order follows dependencies: factory, then the client (mooringConnections closes it), then
            // Boot's resources.
            assertThat(beanFactory.getDependenciesForBean("redisConnectionFactory"))
                    .contains("mooringClient", "mooringConnections");
            assertThat(beanFactory.getDependentBeans("lettuceClientResources")).contains("mooringConnections");
            context.close();
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(liveThreads("lifecycle")).isEmpty());
            assertThat(factory.isRunning()).isFalse();
            assertThat(client.options().clientResources().eventExecutorGroup().isShuttingDown())
                    .isTrue();
        });
    }

    @Test
    void refusesToRestartAStoppedFactory() {
        runner().withPropertyValues(staticNodes()).run(context -> {
            MooringLettuceConnectionFactory factory = context.getBean(MooringLettuceConnectionFactory.class);
            factory.stop();
            assertThatIllegalStateException()
                    .isThrownBy(factory::start)
                    .withMessageContaining("cannot be started again");
        });
    }

    private static Set<String> liveThreads(String service) {
        return Thread.getAllStackTraces().keySet().stream()
                .map(Thread::getName)
                .filter(name -> name.endsWith("-" + service) && name.startsWith("mooring-"))
                .collect(Collectors.toSet());
    }
}
