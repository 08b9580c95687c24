package io.github.mooring.internal.topology;

import io.github.mooring.internal.sentinel.SentinelFollower;
import io.github.mooring.topology.TopologyEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * The monitor's side of a Sentinel switch: when the Sentinels name another master, the master moves at once where
 * {@link SentinelSwitch} finds nothing to doubt, and a probe round runs at once to confirm or correct it. A round
 * that was probing when the switch was published saw the promoted pod as a replica: it is stale, and dropped.
 */
final class SentinelMoves {

    private final SentinelFollower sentinels;
    private final RoundScheduler rounds;
    private final Supplier<TopologyStep.State> state;
    private final BiConsumer<TopologyStep.Outcome, Long> publish;
    private long movedNanos = System.nanoTime(); // coordinator thread: when the switch last published was heard

    /** {@code publish} takes an outcome and the moment its knowledge dates from; called on the coordinator thread. */
    SentinelMoves(
            SentinelFollower sentinels,
            RoundScheduler rounds,
            Supplier<TopologyStep.State> state,
            BiConsumer<TopologyStep.Outcome, Long> publish) {
        this.sentinels = sentinels;
        this.rounds = rounds;
        this.state = state;
        this.publish = publish;
        sentinels.onMove(this::moved);
    }

    private void moved() {
        long heard = System.nanoTime();
        rounds.onCoordinator(() -> SentinelSwitch.apply(
                        state.get(),
                        sentinels.view().master(),
                        Duration.ofNanos(System.nanoTime() - heard),
                        Instant.now())
                .outcome()
                .ifPresent(outcome -> {
                    movedNanos = heard;
                    publish.accept(outcome, heard);
                }));
        rounds.trigger(TopologyEvent.Trigger.SENTINEL, heard);
    }

    /**
     * Whether a round started at {@code startedNanos} may be published: it started after the last switch published
     * (Sentinel promotes before it announces, so such a round sees the new master), or no switch was.
     */
    boolean roundIsCurrent(long startedNanos) {
        return startedNanos - movedNanos >= 0;
    }
}
