package io.github.mooring.internal.topology;

import static io.github.mooring.internal.topology.Pod.master;
import static io.github.mooring.internal.topology.Pod.replica;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.mooring.discovery.ServiceRef;
import io.github.mooring.topology.Topology;
import io.github.mooring.topology.TopologyEvent;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The scheduler runs rounds on every tick while the pace is fast, only heartbeats when calm, and events at once. */
class RoundSchedulerTest {

    private static final ServiceRef SERVICE = ServiceRef.of("redis", "shop");
    /** Ticks every 10 ms; no heartbeat can come due while a test runs. */
    private static final MonitorSettings SETTINGS = MonitorSettings.defaults()
            .withProbeInterval(Duration.ofMillis(10))
            .withCalmPace(Duration.ofMinutes(10), Duration.ZERO);

    private final List<TopologyEvent.Trigger> rounds = new CopyOnWriteArrayList<>();
    private final AtomicInteger quietTicks = new AtomicInteger();
    private RoundScheduler scheduler;

    @AfterEach
    void close() {
        scheduler.close();
    }

    private RoundScheduler start(Topology topology) {
        scheduler = new RoundScheduler(
                SERVICE,
                SETTINGS,
                sinceEvent -> new ProbePace.Situation(topology, false, false, Duration.ofHours(1)),
                quietTicks::incrementAndGet,
                pending -> {
                    rounds.add(pending.trigger());
                    scheduler.onCoordinator(() -> scheduler.roundFinished(false));
                    return true;
                });
        scheduler.start();
        return scheduler;
    }

    @Test
    void calmRunsOneRoundThenOnlyQuietTicksAndStillProbesEventsAtOnce() {
        start(topology(master("redis-0"), replica("redis-1").of("10.0.0.10")));

        await().atMost(Duration.ofSeconds(10)).until(() -> quietTicks.get() >= 20);
        assertThat(rounds)
                .as("the first tick is due (no round yet), then none until the heartbeat, minutes away")
                .containsExactly(TopologyEvent.Trigger.PERIODIC);

        scheduler.trigger(TopologyEvent.Trigger.SUSPICION, System.nanoTime());
        await().atMost(Duration.ofSeconds(10)).until(() -> rounds.size() == 2);
        assertThat(rounds.get(1)).isEqualTo(TopologyEvent.Trigger.SUSPICION);
    }

    @Test
    void doubtRunsARoundOnEveryTick() {
        start(topology(master("redis-0"), Pod.unreachable("redis-1", "connection refused")));

        await().atMost(Duration.ofSeconds(10)).until(() -> rounds.size() >= 20);
        assertThat(quietTicks).hasValue(0);
    }

    @Test
    void aFailingQuietTickDoesNotStopTheTicks() {
        scheduler = new RoundScheduler(
                SERVICE,
                SETTINGS,
                sinceEvent -> new ProbePace.Situation(topology(master("redis-0")), false, false, Duration.ofHours(1)),
                () -> {
                    quietTicks.incrementAndGet();
                    throw new IllegalStateException("a source that fails its refresh");
                },
                pending -> {
                    rounds.add(pending.trigger());
                    scheduler.onCoordinator(() -> scheduler.roundFinished(false));
                    return true;
                });
        scheduler.start();

        await().atMost(Duration.ofSeconds(10)).until(() -> quietTicks.get() >= 5);
    }

    private static Topology topology(Pod... pods) {
        return ProbePaceTest.topology(List.of(pods));
    }
}
