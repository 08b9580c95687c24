package io.github.mooring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.mooring.boot.actuate.MooringEndpoint;
import io.github.mooring.boot.actuate.MooringEndpointAutoConfiguration;
import io.github.mooring.boot.health.MooringHealthContributorAutoConfiguration;
import io.github.mooring.boot.health.MooringHealthIndicator;
import io.github.mooring.boot.health.MooringRedisHealthIndicator;
import io.github.mooring.boot.metrics.MooringMetrics;
import io.github.mooring.boot.metrics.MooringMetricsAutoConfiguration;
import io.github.mooring.testkit.Credentials;
import io.github.mooring.testkit.RedisPod;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.health.DataRedisHealthContributorAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import tools.jackson.databind.json.JsonMapper;

/**
 * The health contributor, the actuator endpoint and the metrics: present exactly when their classes and beans are,
 * and telling the truth about real pods, through a real outage of the master.
 */
@ExtendWith(SimulatedNamespaceExtension.class)
class MooringOperationsAutoConfigurationIT {

    private static SimulatedNamespace ns;

    private static RedisStatefulSet redis;

    @BeforeAll
    static void startPods(SimulatedNamespace namespace) {
        ns = namespace;
        redis = ns.redis("redis").replicas(2).start();
    }

    private static ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(
                        MooringAutoConfiguration.class,
                        DataRedisAutoConfiguration.class,
                        MooringHealthContributorAutoConfiguration.class,
                        MooringEndpointAutoConfiguration.class,
                        MooringMetricsAutoConfiguration.class,
                        DataRedisHealthContributorAutoConfiguration.class))
                .withPropertyValues(
                        "mooring.service=redis",
                        "mooring.namespace=" + ns.name(),
                        "mooring.probe.interval=100ms",
                        "mooring.static-nodes=" + redis.pod(0).address() + ","
                                + redis.pod(1).address());
    }

    // ---------------------------------------------------------------- health

    @Test
    void healthIsUpWithTheMasterAndBootsRedisHealthKeepsWorking() {
        runner().run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(MooringHealthIndicator.class);
            Health health = context.getBean("mooringHealthIndicator", HealthIndicator.class)
                    .health();
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails())
                    .containsEntry("master", redis.pod(0).address())
                    .containsEntry("address", redis.pod(0).address())
                    .containsEntry("source", "static")
                    .containsEntry("service", "redis")
                    .containsEntry("namespace", ns.name())
                    .containsEntry("replicas", 1);
            // Spring Boot's Redis health check, through Mooring's connection factory, in place of Boot's own bean.
            assertThat(context.getBean("redisHealthContributor", HealthIndicator.class))
                    .isInstanceOf(MooringRedisHealthIndicator.class);
            Health redisHealth = context.getBean("redisHealthContributor", HealthIndicator.class)
                    .health();
            assertThat(redisHealth.getStatus()).isEqualTo(Status.UP);
            assertThat(redisHealth.getDetails()).containsKey("version");
        });
    }

    @Test
    void noHealthWithoutHealthSupport() {
        runner().withClassLoader(new FilteredClassLoader(HealthIndicator.class))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(MooringHealthIndicator.class));
    }

    @Test
    void noHealthWhenTurnedOff() {
        runner().withPropertyValues("management.health.mooring.enabled=false")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(MooringHealthIndicator.class));
    }

    @Test
    void noOperationsBeansWhenMooringIsOff() {
        runner().withPropertyValues("mooring.enabled=false", "management.endpoints.web.exposure.include=mooring")
                .withBean(SimpleMeterRegistry.class)
                .run(context -> assertThat(context)
                        .hasNotFailed()
                        .doesNotHaveBean(MooringHealthIndicator.class)
                        .doesNotHaveBean(MooringEndpoint.class)
                        .doesNotHaveBean(MooringMetrics.class));
    }

    // ---------------------------------------------------------------- endpoint

    @Test
    void endpointShowsTheTopologyAsJson() {
        runner().withPropertyValues("management.endpoints.web.exposure.include=health,mooring")
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(MooringEndpoint.class);
                    MooringEndpoint.TopologyDescriptor topology =
                            context.getBean(MooringEndpoint.class).topology();
                    assertThat(topology.service()).isEqualTo("redis");
                    assertThat(topology.source()).isEqualTo("static");
                    assertThat(topology.version()).isPositive();
                    assertThat(topology.master().address())
                            .isEqualTo(redis.pod(0).address());
                    assertThat(topology.pods())
                            .hasSize(2)
                            .anySatisfy(pod -> {
                                assertThat(pod.address()).isEqualTo(redis.pod(0).address());
                                assertThat(pod.state()).isEqualTo("master");
                                assertThat(pod.role()).isEqualTo("master");
                                assertThat(pod.sentinels())
                                        .as("no Sentinels run here")
                                        .isZero();
                            })
                            .anySatisfy(pod -> {
                                assertThat(pod.address()).isEqualTo(redis.pod(1).address());
                                assertThat(pod.state()).isEqualTo("replica");
                                assertThat(pod.follows()).isEqualTo(redis.pod(0).address());
                                assertThat(pod.linkUp()).isTrue();
                                assertThat(pod.replOffset()).isNotNull();
                            });
                    // Listeners hear of changes on the monitor's event thread: the first may land just after the start.
                    MooringEndpoint endpoint = context.getBean(MooringEndpoint.class);
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> endpoint.topology().lastChange() != null);
                    assertThat(endpoint.topology().lastChange().event()).isEqualTo("MasterChanged");

                    String json = JsonMapper.builder().build().writeValueAsString(topology);
                    assertThat(json)
                            .contains("\"state\":\"master\"")
                            .contains("\"source\":\"static\"")
                            .contains("\"address\":\"" + redis.pod(0).address() + "\"");
                });
    }

    @Test
    void noEndpointUnlessExposed() {
        runner().run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(MooringEndpoint.class));
    }

    @Test
    void noEndpointWithoutTheActuator() {
        runner().withPropertyValues("management.endpoints.web.exposure.include=mooring")
                .withClassLoader(new FilteredClassLoader(Endpoint.class))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(MooringEndpoint.class));
    }

    // ---------------------------------------------------------------- metrics

    @Test
    void metricsGoToTheMeterRegistryTaggedByService() {
        runner().withBean(SimpleMeterRegistry.class).run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(MooringMetrics.class);
            MeterRegistry registry = context.getBean(MeterRegistry.class);
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(registry.get("mooring.probe.rounds")
                                    .tag("service", "redis")
                                    .tag("namespace", ns.name())
                                    .counter()
                                    .count())
                            .isGreaterThan(2));
            assertThat(registry.get("mooring.master.absent").longTaskTimer().activeTasks())
                    .isZero();
            assertThat(registry.get("mooring.master.changes").counter().count()).isZero();
            assertThat(registry.get("mooring.replicas.stale").gauge().value()).isZero();
            assertThat(registry.get("mooring.retry.attempts").counter().count()).isZero();
        });
    }

    @Test
    void noMetricsWithoutAMeterRegistry() {
        runner().run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(MooringMetrics.class));
    }

    @Test
    void noMetricsWithoutMicrometer() {
        runner().withClassLoader(new FilteredClassLoader(MeterRegistry.class))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(MooringMetrics.class));
    }

    // ---------------------------------------------------------------- a real outage

    @Test
    void healthAndMetricsFollowAnOutageOfTheMaster() {
        RedisStatefulSet solo = ns.redis("solo").replicas(1).start();
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(
                        MooringAutoConfiguration.class,
                        DataRedisAutoConfiguration.class,
                        MooringHealthContributorAutoConfiguration.class,
                        MooringMetricsAutoConfiguration.class,
                        DataRedisHealthContributorAutoConfiguration.class))
                .withPropertyValues(
                        "mooring.service=solo",
                        "mooring.namespace=" + ns.name(),
                        "mooring.static-nodes=" + solo.pod(0).address(),
                        "mooring.probe.interval=100ms",
                        "mooring.failover-wait=1500ms")
                .withBean(SimpleMeterRegistry.class)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    HealthIndicator health = context.getBean("mooringHealthIndicator", HealthIndicator.class);
                    MeterRegistry registry = context.getBean(MeterRegistry.class);
                    assertThat(health.health().getStatus()).isEqualTo(Status.UP);

                    solo.pod(0).stopContainer();
                    // Within the failover wait: a failover in progress, commands wait.
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> health.health().getStatus(), Status.OUT_OF_SERVICE::equals);
                    // The redis contributor answers at once instead of waiting for the next master.
                    HealthIndicator redisHealth = context.getBean("redisHealthContributor", HealthIndicator.class);
                    long asked = System.nanoTime();
                    assertThat(redisHealth.health().getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
                    assertThat(Duration.ofNanos(System.nanoTime() - asked)).isLessThan(Duration.ofMillis(1000));
                    Map<String, Object> details = health.health().getDetails();
                    assertThat(details).containsKeys("reason", "noMasterSince").containsEntry("failoverWait", "PT1.5S");
                    assertThat((String) details.get("reason")).contains("connection refused");
                    assertThat(registry.get("mooring.master.absent")
                                    .longTaskTimer()
                                    .activeTasks())
                            .isEqualTo(1);
                    // Past the failover wait: commands fail, the group is down.
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> health.health().getStatus(), Status.DOWN::equals);

                    solo.pod(0).startContainer();
                    await().atMost(Duration.ofSeconds(20))
                            .until(() -> health.health().getStatus(), Status.UP::equals);
                    // A new Redis process on the same pod is a new master: counted, and the window timed.
                    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                        assertThat(registry.get("mooring.master.changes")
                                        .counter()
                                        .count())
                                .isEqualTo(1);
                        assertThat(registry.get("mooring.failover")
                                        .tag("outcome", "new-master")
                                        .timer()
                                        .count())
                                .isEqualTo(1);
                    });
                    assertThat(registry.get("mooring.failover")
                                    .tag("outcome", "new-master")
                                    .timer()
                                    .totalTime(TimeUnit.MILLISECONDS))
                            .isGreaterThan(1500);
                    assertThat(registry.get("mooring.master.absent")
                                    .longTaskTimer()
                                    .activeTasks())
                            .isZero();
                    assertThat(registry.get("mooring.probe.failures").counter().count())
                            .isPositive();
                    assertThat((String) health.health().getDetails().get("lastChange"))
                            .contains("MasterChanged")
                            .contains("restarted");
                });
    }

    // ---------------------------------------------------------------- credentials changed on the pods

    @Test
    void healthAndMetricsNameThePodsThatRefuseTheCredentialsWithoutTheSecret() {
        String old = "old-secret-31ab";
        String changed = "new-secret-42cd";
        RedisStatefulSet locked = ns.redis("locked")
                .replicas(2)
                .credentials(Credentials.aclUser("admin", "admin-secret-55ef"))
                .config("user app on >" + old + " ~* &* +@all")
                .start();
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(
                        MooringAutoConfiguration.class,
                        DataRedisAutoConfiguration.class,
                        MooringHealthContributorAutoConfiguration.class,
                        MooringEndpointAutoConfiguration.class,
                        MooringMetricsAutoConfiguration.class))
                .withPropertyValues(
                        "management.endpoints.web.exposure.include=health,mooring",
                        "mooring.service=locked",
                        "mooring.namespace=" + ns.name(),
                        "mooring.static-nodes=" + locked.pod(0).address() + ","
                                + locked.pod(1).address(),
                        "mooring.probe.interval=100ms",
                        "spring.data.redis.username=app",
                        "spring.data.redis.password=" + old)
                .withBean(SimpleMeterRegistry.class)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    HealthIndicator health = context.getBean("mooringHealthIndicator", HealthIndicator.class);
                    MeterRegistry registry = context.getBean(MeterRegistry.class);
                    assertThat(health.health().getStatus()).isEqualTo(Status.UP);

                    // The password changes on the pods; Mooring's probes must authenticate again.
                    for (RedisPod pod : locked.pods()) {
                        pod.command("ACL", "SETUSER", "app", "resetpass", ">" + changed);
                        pod.command("CLIENT", "KILL", "USER", "app");
                    }
                    await().atMost(Duration.ofSeconds(10))
                            .untilAsserted(() -> assertThat(registry.get("mooring.pods.refusing.credentials")
                                            .gauge()
                                            .value())
                                    .isEqualTo(2));
                    Health now = health.health();
                    assertThat(now.getStatus())
                            .as("the master stays master: authenticated connections still work")
                            .isEqualTo(Status.UP);
                    assertThat(String.valueOf(now.getDetails().get("credentialsRejected")))
                            .contains(locked.pod(0).address() + ": user app: ") // static nodes: no pod names
                            .contains("WRONGPASS");
                    assertThat(registry.get("mooring.credentials.rejected")
                                    .tag("user", "app")
                                    .counter()
                                    .count())
                            .isEqualTo(2);
                    MooringEndpoint.TopologyDescriptor endpoint =
                            context.getBean(MooringEndpoint.class).topology();
                    assertThat(endpoint.pods())
                            .anySatisfy(pod -> assertThat(pod.state()).isEqualTo("master"))
                            .anySatisfy(pod -> assertThat(pod.state()).isEqualTo("credentials-rejected"))
                            .noneSatisfy(pod -> assertThat(pod.state()).isEqualTo("unreachable"));
                    String shown = JsonMapper.builder().build().writeValueAsString(now.getDetails())
                            + JsonMapper.builder().build().writeValueAsString(endpoint)
                            + registry.getMeters().stream()
                                    .map(meter -> meter.getId().toString())
                                    .toList();
                    assertThat(shown).doesNotContain(old).doesNotContain(changed);
                });
    }
}
