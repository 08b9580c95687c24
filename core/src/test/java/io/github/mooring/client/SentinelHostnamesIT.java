package io.github.mooring.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.mooring.discovery.Endpoint;
import io.github.mooring.internal.sentinel.PubSubSentinelFollower;
import io.github.mooring.internal.sentinel.SentinelSettings;
import io.github.mooring.internal.sentinel.SentinelView;
import io.github.mooring.probe.NodeReport;
import io.github.mooring.probe.ProbeResult;
import io.github.mooring.probe.Role;
import io.github.mooring.testkit.PodRuntime;
import io.github.mooring.testkit.RedisPod;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.Sentinels;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;
import io.github.mooring.topology.TopologyEvent;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import io.lettuce.core.resource.ClientResources;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Sentinels that announce host names ({@code sentinel resolve-hostnames yes}, {@code announce-hostnames yes}) over pods
 * that announce theirs ({@code replica-announce-ip redis-1.redis.<ns>.svc.cluster.local}): hellos and events name pods
 * by DNS name. The names resolve for the Redis and Sentinel processes (a hosts file of the namespace's, their private
 * {@code /etc/hosts}) but not for this JVM, so Mooring must read them as pods without a resolver.
 */
@ExtendWith(SimulatedNamespaceExtension.class)
class SentinelHostnamesIT {

    /**
     * Mooring's Sentinel follower reads the names in the Sentinels' events as the pods discovery reports (the
     * kubernetes source's pod names). Redis 7.0's hellos carry IPs, its events ({@code +try-failover}, {@code
     * +switch-master}, ...) host names: the failover of the followed master is seen as such (writes are held) and the
     * view only ever names pod IPs. Before, the events named an address the view did not follow, so no failover was
     * ever seen in progress (no hold), and the {@code +switch-master} named a host name.
     */
    @Test
    void theFollowerReadsAnnouncedHostNamesAsPods(SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").announceHostnames().start();
        Sentinels sentinels = ns.sentinels(redis).start();
        sentinels.awaitReady(FailoverRun.SETTLE);
        Object named = sentinels.command(0, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "redis");
        assertThat(String.valueOf(named))
                .as("the Sentinels name pods by DNS name")
                .contains(redis.podDnsName(0));
        ClientResources resources = ClientResources.create();
        RedisURI pods = RedisURI.create("redis", 6379);
        try (PubSubSentinelFollower follower = new PubSubSentinelFollower(
                SentinelSettings.withoutSentinelAuth(pods, SslOptions.create()), resources, null, null, ns.name())) {
            List<SentinelView> views = new CopyOnWriteArrayList<>();
            follower.addListener((view, moved) -> views.add(view));
            await().alias("the view names redis-0 by its IP")
                    .atMost(FailoverRun.SETTLE)
                    .until(() -> {
                        follower.follow(monitored(redis));
                        return redis.pod(0).address().equals(follower.view().master());
                    });

            sentinels.failover();

            await().alias("the view names the promoted pod by its IP")
                    .atMost(FailoverRun.SETTLE)
                    .until(() -> {
                        follower.follow(monitored(redis));
                        String master = follower.view().master();
                        return !redis.pod(0).address().equals(master)
                                && redis.pods().stream().map(RedisPod::address).anyMatch(a -> a.equals(master));
                    });
            assertThat(String.valueOf(sentinels.command(0, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "redis")))
                    .contains(".svc.cluster.local");
            assertThat(views)
                    .as("the failover of redis-0, named by host name in the events, seen in progress")
                    .anyMatch(view ->
                            view.failoverInProgress() && redis.pod(0).address().equals(view.master()));
            assertThat(views).extracting(SentinelView::master).noneMatch(master -> master.contains(".svc."));
        } finally {
            resources.shutdown();
        }
    }

    /**
     * A planned {@code SENTINEL FAILOVER} under a synchronous writer and a pipelining one (probes every 30 s), with
     * the ledger's end checks of {@link SentinelEventsIT}: followed on the Sentinels' events, which name host names.
     */
    @Test
    void followsASentinelFailoverNamedByHostNames(SimulatedNamespace ns) {
        try (FailoverRun run = new FailoverRun(
                ns,
                Disruption.SENTINEL_FAILOVER_COMMAND,
                PodRuntime.processes(),
                options -> options.probeInterval(Duration.ofSeconds(30)),
                RedisStatefulSet.Builder::announceHostnames,
                sentinels -> sentinels,
                sentinels -> {})) {
            SyncLedgerWriter sync = run.writer(c -> new SyncLedgerWriter("sync", c, 500));
            PipelinedLedgerWriter stream = run.writer(c -> PipelinedLedgerWriter.stream("stream", c));
            SentinelEventsIT.awaitListening(run.sentinels, "Mooring listens to every Sentinel's events");

            FailoverRun.Result result = run.disruptAndRecover();

            SentinelEventsIT.assertLostAtMostWhatWasInFlight("SENTINEL FAILOVER, host names", result, sync, stream);
            // The first move to the final master came from Sentinel (its message, or its CLIENT KILL on the pods).
            // Not necessarily the last: a round may still flip once while Sentinel has not named the promoted pod
            // yet (seen: its readiness flapped at the promotion, and a round took the old master as the ready one;
            // writes were held then, nothing was lost), and a later round moves back.
            assertThat(run.mooring.events(TopologyEvent.MasterChanged.class))
                    .filteredOn(change -> change.previous().isPresent()
                            && change.master()
                                    .address()
                                    .equals(result.finalMaster().address()))
                    .first()
                    .satisfies(change -> assertThat(change.trigger())
                            .isIn(TopologyEvent.Trigger.SENTINEL, TopologyEvent.Trigger.SUSPICION));
            assertThat(String.valueOf(run.sentinels.command(0, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "redis")))
                    .as("the Sentinels name the master by its DNS name")
                    .contains(".svc.cluster.local");
        }
    }

    /** Every pod as a probe that counted the Sentinels' hello subscriptions reports it, with its pod name. */
    private static List<ProbeResult> monitored(RedisStatefulSet redis) {
        return redis.pods().stream()
                .map(pod -> ProbeResult.reached(
                        new Endpoint(pod.ip(), 6379, pod.name(), true, false),
                        Instant.now(),
                        Duration.ZERO,
                        new NodeReport(
                                Role.MASTER,
                                "run",
                                NodeReport.NO_REPL_ID,
                                NodeReport.NO_REPL_ID,
                                -1,
                                0,
                                null,
                                0,
                                false,
                                0,
                                false,
                                false,
                                0,
                                0),
                        Set.of(),
                        3))
                .toList();
    }
}
