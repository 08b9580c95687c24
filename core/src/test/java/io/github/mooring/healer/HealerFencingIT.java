package io.github.mooring.healer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.mooring.testkit.RedisPod;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A leader that loses its Lease in the middle of a repair sends nothing more once its safety margin ran out. */
@ExtendWith(SimulatedNamespaceExtension.class)
class HealerFencingIT {

    private static final Duration LONG = Duration.ofSeconds(45);

    /** The fixtures' lease: 3 s, renew deadline 2 s; command timeout = 3 - 2 - 0.5 (skew allowance) = 0.5 s. */
    private static final Duration RENEW_DEADLINE = Duration.ofSeconds(2);

    private static final Duration COMMAND_TIMEOUT = Duration.ofMillis(500);

    /** {@code cmdstat_replicaof} calls per pod. */
    private static Map<String, Long> replicaofCalls(RedisStatefulSet redis) {
        Map<String, Long> calls = new TreeMap<>();
        for (RedisPod pod : redis.pods()) {
            String stat = pod.info("commandstats").getOrDefault("cmdstat_replicaof", "calls=0,");
            calls.put(pod.name(), Long.parseLong(stat.substring("calls=".length(), stat.indexOf(','))));
        }
        return calls;
    }

    /**
     * A split brain needs two commands (the loser follows the winner, then the loser's replica does). Right after the
     * first, the API server stops answering: the leader cannot renew. The healer thread is held until the lease ran
     * out (as a slow pod or a GC pause would hold it); the second command must not be sent by that leader. Once the
     * API server is back, a leader (either client) finishes the repair.
     */
    @Test
    void leaderThatLostItsLeaseMidRepairSendsNothingAfterItsMargin(SimulatedNamespace ns) throws Exception {
        RedisStatefulSet redis = ns.redis("redis").start();
        try (HealerFixture a = new HealerFixture(ns, redis, HealerMode.REPAIR, "app-a");
                HealerFixture b = new HealerFixture(ns, redis, HealerMode.REPAIR, "app-b")) {
            await().atMost(LONG).until(() -> a.isLeader() != b.isLeader());
            HealerFixture leader = a.isLeader() ? a : b;
            AtomicLong apiStoppedAt = new AtomicLong();
            AtomicLong leaseLostAt = new AtomicLong();
            leader.client.addHealerListener(event -> {
                if (event instanceof HealerEvent.ActionTaken && apiStoppedAt.get() == 0) {
                    ns.api().stop();
                    apiStoppedAt.set(System.currentTimeMillis());
                    try {
                        await().atMost(Duration.ofSeconds(10)).until(() -> !leader.isLeader());
                        leaseLostAt.set(System.currentTimeMillis());
                    } catch (ConditionTimeoutException e) {
                        // this leader never noticed: what follows shows what it then sent
                    }
                }
            });

            redis.pod(2).promote(); // a second master, the newer one: redis-0 and its replica redis-1 must follow it
            await().atMost(LONG).until(() -> apiStoppedAt.get() != 0);
            await().atMost(LONG)
                    .until(() -> leader.events(HealerEvent.ActionSkipped.class).size()
                                    + leader.events(HealerEvent.ActionTaken.class)
                                            .size()
                            >= 2);
            long fence = apiStoppedAt.get() + RENEW_DEADLINE.toMillis() + COMMAND_TIMEOUT.toMillis();
            await().atMost(LONG).until(() -> System.currentTimeMillis() > fence);
            // From the fence on, count every REPLICAOF the pods execute.
            redis.pods().forEach(pod -> pod.command("CONFIG", "RESETSTAT"));
            Map<String, Long> atFence = replicaofCalls(redis);
            // Give the old leader time to send what it still would (its thread was held up to 10 s).
            await().atMost(LONG).until(() -> leaseLostAt.get() != 0 || System.currentTimeMillis() > fence + 10_000);
            Map<String, Long> beforeRestart = replicaofCalls(redis);
            List<HealerEvent> leaderLog = List.copyOf(leader.events);
            ns.api().start();
            await().atMost(LONG).until(() -> HealerFixture.healthy(redis));
            Map<String, Long> afterRepair = replicaofCalls(redis);

            System.out.printf(
                    "API stopped at %d, lease lost (as the leader saw it) at %d, fence %d%n"
                            + "REPLICAOF calls per pod since the fence (INFO commandstats): at the fence %s, before the API"
                            + " came back %s, after the repair %s%nthe old leader's log while the API was down:%n  %s%n",
                    apiStoppedAt.get(),
                    leaseLostAt.get(),
                    fence,
                    atFence,
                    beforeRestart,
                    afterRepair,
                    String.join(
                            "\n  ",
                            leaderLog.stream()
                                    .filter(e -> !(e instanceof HealerEvent.FindingReported))
                                    .map(e -> e.at().toEpochMilli() + " " + e)
                                    .toList()));
            assertThat(leaseLostAt.get()).as("the leader saw its lease lost").isPositive();
            assertThat(leaderLog)
                    .filteredOn(e -> e instanceof HealerEvent.ActionTaken)
                    .as("the old leader sent only the first command")
                    .hasSize(1);
            assertThat(beforeRestart.values())
                    .as("no REPLICAOF reached a pod after the fence, while the API server was down")
                    .containsOnly(0L);
            assertThat(afterRepair.values().stream().mapToLong(Long::longValue).sum())
                    .as("the count sees the command that finished the repair")
                    .isPositive();
        }
    }
}
