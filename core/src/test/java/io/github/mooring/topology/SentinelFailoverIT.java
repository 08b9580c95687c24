package io.github.mooring.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.mooring.probe.ProbeResult;
import io.github.mooring.probe.Role;
import io.github.mooring.testing.Harness;
import io.github.mooring.testing.RoleWatch;
import io.github.mooring.testing.Sources;
import io.github.mooring.testkit.RedisPod;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.Sentinels;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Failovers done by Sentinel change no endpoint: the monitor finds them by probing, and names the pod Sentinel
 * promoted, once.
 */
@ExtendWith(SimulatedNamespaceExtension.class)
class SentinelFailoverIT {

    static final Duration PROBE_INTERVAL = Duration.ofMillis(200);
    /** On top of one probe interval: a round's own duration, event delivery, a busy 2-core machine. */
    static final Duration MARGIN = Duration.ofMillis(500);

    static final Duration STARTUP = Duration.ofSeconds(20);
    static final Duration SETTLE = Duration.ofMillis(1500);

    private final Harness harness = new Harness();

    @AfterEach
    void closeHarness() throws Exception {
        harness.close();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = Sources.class,
            names = {"KUBERNETES", "DNS_A"})
    void masterContainerStoppedSentinelPromotesAReplica(Sources kind, SimulatedNamespace ns) {
        masterContainerStopped(kind, ns, Duration.ofMillis(1000));
    }

    /** Sentinel's usual down-after in charts is 5 s or more: the monitor must not react twice meanwhile. */
    @Test
    void masterContainerStoppedWithFiveSecondDownAfter(SimulatedNamespace ns) {
        masterContainerStopped(Sources.KUBERNETES, ns, Duration.ofMillis(5000));
    }

    private void masterContainerStopped(Sources kind, SimulatedNamespace ns, Duration downAfter) {
        RedisStatefulSet redis = ns.redis("redis").start();
        Sentinels sentinels = ns.sentinels(redis).downAfter(downAfter).start();
        sentinels.awaitReady(Duration.ofSeconds(30));
        Harness.Watched watched = harness.watch(ns, redis, harness.source(kind, ns), PROBE_INTERVAL);
        int mark = watched.awaitStarted(STARTUP);
        String oldMaster = redis.pod(0).address();
        RoleWatch roles = harness.register(RoleWatch.start(harness.resources(), redis.pods(), Duration.ofMillis(5)));

        redis.pod(0).stopContainer();

        await().alias("Sentinels promote a replica")
                .atMost(downAfter.plusSeconds(30))
                .until(() -> sentinels
                        .masterAddress()
                        .filter(a -> !a.equals(oldMaster))
                        .isPresent());
        RedisPod promoted = podAt(redis, sentinels.masterAddress().orElseThrow());
        TopologyEvent.MasterChanged change = watched.events()
                .await(
                        mark,
                        TopologyEvent.MasterChanged.class,
                        e -> e.master().address().equals(promoted.address()),
                        Duration.ofSeconds(30));
        // Sentinel then points the other replica at the new master: that must not look like another change.
        RedisPod other = redis.pod(promoted.ordinal() == 1 ? 2 : 1);
        await().alias(other.name() + " replicates from " + promoted.name())
                .atMost(Duration.ofSeconds(30))
                .until(() -> sentinels.masterAddress().orElse("").equals(other.address())
                        || promoted.ip().equals(other.info("replication").get("master_host"))
                                && "up".equals(other.info("replication").get("master_link_status")));
        List<RedisPod> promotions = awaitOneChangePerPromotion(watched, mark, roles);
        RedisPod last = promotions.get(promotions.size() - 1);
        // After a second failover Sentinel announces the switch only once it has reconfigured the replicas, which
        // can take longer than SETTLE on a busy machine: the pods' roles above are the facts, Sentinel's word follows.
        await().alias("Sentinels name " + last.name() + " as master")
                .atMost(Duration.ofSeconds(30))
                .until(() -> sentinels.masterAddress().orElse("").equals(last.address()));
        assertThat(watched.events()
                        .since(mark, TopologyEvent.MasterChanged.class)
                        .get(0)
                        .previous())
                .hasValueSatisfying(p -> assertThat(p.address()).isEqualTo(oldMaster));
        assertThat(change.master().address()).isEqualTo(promoted.address());
        assertThat(watched.monitor().topology().master())
                .hasValueSatisfying(m -> assertThat(Harness.isPod(m, last)).isTrue());
    }

    /**
     * Checks that the monitor reported exactly one master change per promotion, naming the promoted pod, and that
     * this stays so for {@link #SETTLE}. Nearly always Sentinel promotes once; on a busy machine a 1 s down-after can
     * make Sentinel fail over a second time (the new master misses pings while it is promoted): then two changes, in
     * that order, are right. Returns the promoted pods in order.
     */
    private static List<RedisPod> awaitOneChangePerPromotion(Harness.Watched watched, int mark, RoleWatch roles) {
        try {
            await().during(SETTLE)
                    .atMost(SETTLE.plusSeconds(20))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> {
                        List<String> promoted = promotedAddresses(roles);
                        return !promoted.isEmpty()
                                && promoted.equals(
                                        watched.events().since(mark, TopologyEvent.MasterChanged.class).stream()
                                                .map(e -> e.master().address())
                                                .toList());
                    });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(
                    "expected one MasterChanged per promotion; promotions: " + roles.flips() + "; events: "
                            + watched.events(),
                    e);
        }
        List<RedisPod> promotions = roles.flips().stream()
                .filter(f -> f.role().equals("master"))
                .map(RoleWatch.Flip::pod)
                .toList();
        if (promotions.size() > 1) {
            System.out.println("Sentinel failed over " + promotions.size() + " times: " + roles.flips());
        }
        return promotions;
    }

    private static List<String> promotedAddresses(RoleWatch roles) {
        return roles.flips().stream()
                .filter(f -> f.role().equals("master"))
                .map(f -> f.pod().address())
                .toList();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = Sources.class,
            names = {"KUBERNETES", "DNS_A"})
    void sentinelFailoverIsSeenWithinOneProbeRoundOfThePromotion(Sources kind, SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").start();
        Sentinels sentinels =
                ns.sentinels(redis).downAfter(Duration.ofMillis(1000)).start();
        sentinels.awaitReady(Duration.ofSeconds(30));
        Harness.Watched watched = harness.watch(ns, redis, harness.source(kind, ns), PROBE_INTERVAL);
        int mark = watched.awaitStarted(STARTUP);
        RedisPod oldMaster = redis.pod(0);
        RoleWatch roles = harness.register(RoleWatch.start(harness.resources(), redis.pods(), Duration.ofMillis(2)));
        List<Topology> rounds = new CopyOnWriteArrayList<>();
        watched.monitor().observe(rounds::add);

        sentinels.failover();

        await().alias("a replica turns master")
                .atMost(Duration.ofSeconds(30))
                .until(() -> roles.firstFlipTo("master").isPresent());
        RoleWatch.Flip promotion = roles.firstFlipTo("master").orElseThrow();
        RedisPod promoted = promotion.pod();
        assertThat(promoted).isNotSameAs(oldMaster);
        TopologyEvent.MasterChanged change = watched.events()
                .await(
                        mark,
                        TopologyEvent.MasterChanged.class,
                        e -> e.master().address().equals(promoted.address()),
                        Duration.ofSeconds(10));
        long eventNanos = watched.events().receivedAt(mark, TopologyEvent.MasterChanged.class, e -> e == change);
        // Read right after the event: if the old master had been demoted before the event, the watch saw it already.
        Optional<RoleWatch.Flip> demotionBeforeEvent =
                roles.firstFlipTo(oldMaster, "slave").filter(f -> f.nanoTime() - eventNanos < 0);

        Duration sincePromotion = Duration.ofNanos(eventNanos - promotion.nanoTime());
        assertThat(sincePromotion)
                .as("from %s turning master to the MasterChanged event", promoted.name())
                .isLessThan(PROBE_INTERVAL.plus(MARGIN));
        assertThat(demotionBeforeEvent)
                .as("Sentinel demoted %s before the monitor moved (roles: %s)", oldMaster.name(), roles.flips())
                .isEmpty();
        // Sharper than the time bound: every probe of the promoted pod that started after the promotion saw it as
        // master (Sentinel's CLIENT KILL after the promotion cut the probe connection: no round may be lost). Sentinel
        // promotes and kills the clients in one transaction, so the role watch sees the promotion only once it has
        // reconnected; the monitor's first probe since, started at once by that same CLIENT KILL, may begin before
        // the role watch's time, so the list may be empty here: the event above came from such a probe.
        List<ProbeResult> probesSincePromotion = rounds.stream()
                .flatMap(t -> t.reports().stream())
                .filter(r -> r.endpoint().address().equals(promoted.address())
                        && !r.probedAt().isBefore(promotion.at()))
                .toList();
        assertThat(probesSincePromotion)
                .as("probes of %s since its promotion", promoted.name())
                .allSatisfy(r -> assertThat(r.reachable() ? r.report().role() : r.failure())
                        .isEqualTo(Role.MASTER));
        assertThat(change.previous())
                .hasValueSatisfying(p -> assertThat(Harness.isPod(p, oldMaster)).isTrue());

        // Sentinel finishes the failover (the old master becomes a replica of the new one) without another change.
        await().alias(oldMaster.name() + " demoted by Sentinel")
                .atMost(Duration.ofSeconds(60))
                .until(() -> roles.firstFlipTo(oldMaster, "slave").isPresent());
        awaitOneChangePerPromotion(watched, mark, roles);
        long demotionNanos = roles.firstFlipTo(oldMaster, "slave").orElseThrow().nanoTime();
        assertThat(demotionNanos).isGreaterThan(eventNanos);
        System.out.printf(
                "%s: %s promoted; MasterChanged %d ms later; Sentinel demoted %s %d ms after the promotion%n",
                kind,
                promoted.name(),
                sincePromotion.toMillis(),
                oldMaster.name(),
                Duration.ofNanos(demotionNanos - promotion.nanoTime()).toMillis());
    }

    private static RedisPod podAt(RedisStatefulSet redis, String address) {
        return redis.pods().stream()
                .filter(p -> address.equals(p.address()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no pod at " + address + ": " + redis.pods()));
    }
}
