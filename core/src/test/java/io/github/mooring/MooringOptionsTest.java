package io.github.mooring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import io.github.mooring.discovery.EndpointSource;
import io.github.mooring.discovery.IpFamilyPreference;
import io.github.mooring.discovery.ServicePort;
import io.github.mooring.discovery.ServiceRef;
import io.github.mooring.healer.HealerSettings;
import io.github.mooring.lettuce.FailoverSettings;
import io.lettuce.core.ClientOptions;
import java.time.Duration;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each builder method refuses a bad value at once, with the one wording of its kind and the setting's name; the
 * values accepted before stay accepted.
 */
class MooringOptionsTest {

    private static final Class<IllegalArgumentException> INVALID = IllegalArgumentException.class;
    private static final Class<NullPointerException> NULL = NullPointerException.class;

    static Stream<Arguments> refused() {
        return Stream.of(
                refused("blank service", b -> b.service(" "), INVALID, "service must not be blank"),
                refused(
                        "service that is no DNS label",
                        b -> b.service("Redis_Main"),
                        INVALID,
                        "service must be a DNS label (lowercase letters, digits and '-', at most 63 characters),"
                                + " was 'Redis_Main'"),
                refused(
                        "namespace that is no DNS label",
                        b -> b.namespace("Shop"),
                        INVALID,
                        "namespace must be a DNS label (lowercase letters, digits and '-', at most 63 characters),"
                                + " was 'Shop'"),
                refused("port out of range", b -> b.port("70000"), INVALID, "port must be 1..65535, was 70000"),
                refused(
                        "port name with a space",
                        b -> b.port("redis port"),
                        INVALID,
                        "port must be a port name (lowercase letters, digits and '-') or a number, was 'redis port'"),
                refused("null port", b -> b.port((ServicePort) null), NULL, "port must not be null"),
                refused("null source", b -> b.source(null), NULL, "source must not be null"),
                refused("null ipFamily", b -> b.ipFamily(null), NULL, "ipFamily must not be null"),
                refused("null redisUri", b -> b.redisUri(null), NULL, "redisUri must not be null"),
                refused("null clientOptions", b -> b.clientOptions(null), NULL, "clientOptions must not be null"),
                refused("null clientResources", b -> b.clientResources(null), NULL, "clientResources must not be null"),
                refused("null healer", b -> b.healer(null), NULL, "healer must not be null"),
                refused(
                        "sentinelService that is no DNS label",
                        b -> b.sentinelService("Redis_Sentinel"),
                        INVALID,
                        "sentinelService must be a DNS label (lowercase letters, digits and '-', at most 63"
                                + " characters), was 'Redis_Sentinel'"),
                refused(
                        "sentinelService port out of range",
                        b -> b.sentinelService("redis-sentinel", "70000"),
                        INVALID,
                        "sentinelService port must be a port name or a number 1..65535, was '70000'"),
                refused(
                        "blank sentinelService port",
                        b -> b.sentinelService("redis-sentinel", " "),
                        INVALID,
                        "sentinelService port must not be blank"),
                refused(
                        "sentinelService with a static source, which cannot discover it",
                        b -> b.sentinelService("redis-sentinel").source(EndpointSource.staticNodes("10.0.0.1")),
                        INVALID,
                        "source must be one that discovers Services (auto, kubernetes, dns) to find sentinelService"
                                + " 'redis-sentinel'; a static source lists the Redis nodes only, was 'static'"),
                refused(
                        "negative failover wait",
                        b -> b.failoverWait(Duration.ofSeconds(-1)),
                        INVALID,
                        "failoverWait must be zero or positive, was PT-1S"),
                refused("null failover wait", b -> b.failoverWait(null), INVALID, "failoverWait must not be null"),
                refused(
                        "negative startup wait",
                        b -> b.startupWait(Duration.ofMillis(-1)),
                        INVALID,
                        "startupWait must be zero or positive, was PT-0.001S"),
                refused(
                        "no queue",
                        b -> b.maxQueuedCommands(0),
                        INVALID,
                        "maxQueuedCommands must be at least 1, was 0"),
                refused(
                        "null idempotent command",
                        b -> b.idempotentCommands("SET", null),
                        NULL,
                        "idempotent command must not be null"),
                refused(
                        "probe interval under 10 ms",
                        b -> b.probeInterval(Duration.ofMillis(9)),
                        INVALID,
                        "probeInterval must be at least 10 ms, was PT0.009S"),
                refused(
                        "calm probe interval under 10 ms",
                        b -> b.calmProbeInterval(Duration.ofMillis(9)),
                        INVALID,
                        "calmProbeInterval must be at least 10 ms, was PT0.009S"),
                refused(
                        "calm probe interval shorter than the fast one",
                        b -> b.probeInterval(Duration.ofSeconds(2)).calmProbeInterval(Duration.ofSeconds(1)),
                        INVALID,
                        "calmProbeInterval must be at least probeInterval (PT2S), was PT1S"),
                refused(
                        "negative calm-after",
                        b -> b.calmAfter(Duration.ofSeconds(-1)),
                        INVALID,
                        "calmAfter must be zero or positive, was PT-1S"),
                refused(
                        "zero probe timeout",
                        b -> b.probeTimeout(Duration.ZERO),
                        INVALID,
                        "probeTimeout must be positive, was PT0S"),
                refused(
                        "negative probe connect timeout",
                        b -> b.probeConnectTimeout(Duration.ofSeconds(-1)),
                        INVALID,
                        "probeConnectTimeout must be positive, was PT-1S"),
                refused(
                        "negative stale-replica time",
                        b -> b.staleReplicaAfter(Duration.ofSeconds(-5)),
                        INVALID,
                        "staleReplicaAfter must be zero or positive, was PT-5S"),
                refused(
                        "negative master stall timeout",
                        b -> b.masterStallTimeout(Duration.ofSeconds(-1)),
                        INVALID,
                        "masterStallTimeout must be zero or positive, was PT-1S"),
                refused(
                        "negative healer stable-for",
                        b -> b.healer(HealerSettings.builder()
                                .stableFor(Duration.ofMillis(-1))
                                .build()),
                        INVALID,
                        "stableFor must be zero or positive, was PT-0.001S"),
                refused(
                        "healer lease shorter than its renew deadline",
                        b -> b.healer(HealerSettings.builder()
                                .lease(Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofSeconds(2))
                                .build()),
                        INVALID,
                        "lease must be leaseDuration > renewDeadline > retryPeriod, was [PT1S, PT10S, PT2S]"),
                refused(
                        "healer clock-skew allowance that leaves no safety margin",
                        b -> b.healer(HealerSettings.builder()
                                .lease(Duration.ofSeconds(11), Duration.ofSeconds(10), Duration.ofSeconds(2))
                                .clockSkewAllowance(Duration.ofSeconds(1))
                                .build()),
                        INVALID,
                        "clockSkewAllowance must be less than leaseDuration - renewDeadline (the safety margin of a"
                                + " repair command), was [PT1S, PT1S]"));
    }

    @Test
    void healerCommandTimeoutIsTheSafetyMarginAtMostTwoSeconds() {
        assertThat(HealerSettings.defaults().commandTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(HealerSettings.builder()
                        .lease(Duration.ofSeconds(3), Duration.ofSeconds(2), Duration.ofMillis(300))
                        .build()
                        .commandTimeout())
                .isEqualTo(Duration.ofMillis(500));
    }

    private static Arguments refused(
            String name,
            UnaryOperator<MooringOptions.Builder> setting,
            Class<? extends RuntimeException> type,
            String message) {
        return argumentSet(name, setting, type, message);
    }

    @ParameterizedTest
    @MethodSource("refused")
    void refusesABadValueNamingTheSetting(
            UnaryOperator<MooringOptions.Builder> setting, Class<? extends RuntimeException> type, String message) {
        // On a builder that is otherwise complete: the bad value alone fails.
        assertThatThrownBy(() ->
                        setting.apply(MooringOptions.builder().service("redis")).build())
                .isExactlyInstanceOf(type)
                .hasMessage(message);
    }

    @Test
    void buildRefusesOptionsWithoutAService() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> MooringOptions.builder().build())
                .withMessage("service must be set: the name of the Kubernetes Service in front of the Redis pods");
    }

    @Test
    void acceptsTheLimitsAndTheNullsThatMeanDefault() {
        MooringOptions options = MooringOptions.builder()
                .service("redis")
                .namespace(null)
                .startupWait(null)
                .failoverWait(Duration.ZERO)
                .maxQueuedCommands(1)
                .probeInterval(Duration.ofMillis(10))
                .probeTimeout(Duration.ofNanos(1))
                .probeConnectTimeout(Duration.ofNanos(1))
                .staleReplicaAfter(Duration.ZERO)
                .masterStallTimeout(Duration.ZERO)
                .retry(null)
                .idempotentCommands()
                .port("65535")
                .build();

        assertThat(options.namespace()).isNotBlank();
        assertThat(options.startupWait()).isZero();
        assertThat(options.failoverWait()).isZero();
        assertThat(options.maxQueuedCommands()).isEqualTo(1);
        assertThat(options.probeInterval()).isEqualTo(Duration.ofMillis(10));
        assertThat(options.probeTimeout()).isEqualTo(Duration.ofNanos(1));
        assertThat(options.probeConnectTimeout()).isEqualTo(Duration.ofNanos(1));
        assertThat(options.staleReplicaAfter()).isZero();
        assertThat(options.masterStallTimeout()).isZero();
        assertThat(options.retry()).isNull();
        assertThat(options.idempotentCommands()).isEmpty();
    }

    @Test
    void theMasterStallTimeoutFollowsTheFailoverWaitUnlessSet() {
        MooringOptions options = MooringOptions.builder()
                .service("redis")
                .failoverWait(Duration.ofSeconds(5))
                .build();
        assertThat(options.masterStallTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(MooringOptions.builder().service("redis").build().masterStallTimeout())
                .isEqualTo(FailoverSettings.defaults().masterStallTimeout())
                .isEqualTo(FailoverSettings.DEFAULT_FAILOVER_WAIT);
        // A derived variant with another failover wait: the stall timeout follows it, unless it was set.
        assertThat(options.mutate().failoverWait(Duration.ofSeconds(9)).build().masterStallTimeout())
                .isEqualTo(Duration.ofSeconds(9));
        assertThat(options.mutate()
                        .masterStallTimeout(Duration.ofSeconds(2))
                        .failoverWait(Duration.ofSeconds(9))
                        .build()
                        .masterStallTimeout())
                .isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void theCalmPaceDefaultsToThirtySecondsOrTheFastOneWhenThatIsLonger() {
        MooringOptions defaults = MooringOptions.builder().service("redis").build();
        assertThat(defaults.calmProbeInterval())
                .isEqualTo(defaults.monitorSettings().calmProbeInterval())
                .isEqualTo(Duration.ofSeconds(30));
        assertThat(defaults.calmAfter())
                .isEqualTo(defaults.monitorSettings().calmAfter())
                .isEqualTo(Duration.ofSeconds(10));

        MooringOptions slow = MooringOptions.builder()
                .service("redis")
                .probeInterval(Duration.ofMinutes(1))
                .build();
        assertThat(slow.calmProbeInterval()).isEqualTo(Duration.ofMinutes(1));

        MooringOptions alwaysFast = MooringOptions.builder()
                .service("redis")
                .calmProbeInterval(Duration.ofSeconds(1))
                .calmAfter(Duration.ZERO)
                .build();
        assertThat(alwaysFast.monitorSettings().calmProbeInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(alwaysFast.monitorSettings().calmAfter()).isZero();
        assertThat(alwaysFast.mutate().build().calmProbeInterval()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void accessorsReportWhatWasSet() {
        MooringOptions options = MooringOptions.builder()
                .service("redis")
                .maxQueuedCommands(500)
                .probeInterval(Duration.ofMillis(300))
                .probeTimeout(Duration.ofMillis(700))
                .probeConnectTimeout(Duration.ofMillis(400))
                .staleReplicaAfter(Duration.ofSeconds(3))
                .masterStallTimeout(Duration.ofSeconds(7))
                .idempotentCommands("set", "HSET")
                .ipFamily(IpFamilyPreference.IPV6_PREFERRED)
                .build();

        assertThat(options.ipFamily())
                .isEqualTo(options.serviceRef().ipFamily())
                .isEqualTo(options.mutate().build().ipFamily())
                .isEqualTo(IpFamilyPreference.IPV6_PREFERRED);
        assertThat(MooringOptions.builder().service("redis").build().ipFamily())
                .isEqualTo(IpFamilyPreference.IPV4_PREFERRED);
        assertThat(options.maxQueuedCommands())
                .isEqualTo(options.failoverSettings().maxQueuedCommands())
                .isEqualTo(500);
        assertThat(options.probeInterval()).isEqualTo(options.monitorSettings().probeInterval());
        assertThat(options.probeTimeout()).isEqualTo(options.probeSettings().timeout());
        assertThat(options.probeConnectTimeout())
                .isEqualTo(options.probeSettings().connectTimeout());
        assertThat(options.staleReplicaAfter())
                .isEqualTo(options.monitorSettings().electionPolicy().linkDownStaleAfter());
        assertThat(options.masterStallTimeout())
                .isEqualTo(options.failoverSettings().masterStallTimeout())
                .isEqualTo(Duration.ofSeconds(7));
        assertThat(options.idempotentCommands()).containsExactlyInAnyOrder("set", "HSET");
        assertThat(options.retry()).isSameAs(options.failoverSettings().retry());
    }

    @Test
    void theSentinelServiceIsInTheRedisServicesNamespaceOnPort26379UnlessGivenAnother() {
        MooringOptions none = MooringOptions.builder().service("redis").build();
        assertThat(none.sentinelService()).isEmpty();

        MooringOptions options = MooringOptions.builder()
                .service("redis")
                .namespace("shop")
                .ipFamily(IpFamilyPreference.IPV6_PREFERRED)
                .sentinelService("redis-sentinel")
                .build();
        assertThat(options.sentinelService())
                .contains(new ServiceRef(
                        "redis-sentinel", "shop", ServicePort.number(26379), IpFamilyPreference.IPV6_PREFERRED));
        assertThat(options.mutate().build().sentinelService()).isEqualTo(options.sentinelService());
        assertThat(options.toString()).contains("sentinelService=redis-sentinel");

        assertThat(options.mutate()
                        .sentinelService("sentinels", "tcp-sentinel")
                        .build()
                        .sentinelService()
                        .orElseThrow()
                        .port())
                .isEqualTo(ServicePort.named("tcp-sentinel"));
        assertThat(options.mutate().sentinelService(null).build().sentinelService())
                .isEmpty();
    }

    @Test
    void defaultClientOptionsAreThoseOfOptionsWithoutClientOptions() {
        ClientOptions defaults = MooringOptions.defaultClientOptions();
        ClientOptions built = MooringOptions.builder().service("redis").build().clientOptions();

        assertThat(defaults.getSocketOptions().isKeepAlive()).isTrue();
        assertThat(defaults.getSocketOptions().getConnectTimeout())
                .isEqualTo(built.getSocketOptions().getConnectTimeout());
        assertThat(defaults.isAutoReconnect()).isTrue();
        assertThat(defaults.getDisconnectedBehavior())
                .isEqualTo(ClientOptions.DisconnectedBehavior.ACCEPT_COMMANDS)
                .isEqualTo(built.getDisconnectedBehavior());
        // Starting from them keeps Mooring's keep-alive when one thing changes.
        ClientOptions changed = MooringOptions.builder()
                .service("redis")
                .clientOptions(defaults.mutate().publishOnScheduler(true).build())
                .build()
                .clientOptions();
        assertThat(changed.isPublishOnScheduler()).isTrue();
        assertThat(changed.getSocketOptions().isKeepAlive()).isTrue();
    }
}
