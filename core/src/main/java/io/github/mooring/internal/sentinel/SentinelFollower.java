package io.github.mooring.internal.sentinel;

import io.github.mooring.probe.ProbeResult;
import java.time.Duration;
import java.util.List;

/**
 * Follows the Sentinels that manage a group, in real time, for the topology monitor: which master they name, at
 * which configuration epoch, and whether a failover of it is in progress ({@link SentinelView}).
 * {@link PubSubSentinelFollower} listens on the pods and the Sentinels; {@link #NONE} follows nothing.
 */
public interface SentinelFollower extends AutoCloseable {

    /** Told of every change of the view, on any thread; it must not block. */
    @FunctionalInterface
    interface Listener {
        /**
         * @param view the view now
         * @param moved whether the master moved (connections should follow at once)
         */
        void changed(SentinelView view, boolean moved);
    }

    /** Tells {@code listener} of every change from now on. */
    void addListener(Listener listener);

    /** Runs {@code action} whenever the master the Sentinels name moves. */
    default void onMove(Runnable action) {
        addListener((view, moved) -> {
            if (moved) {
                action.run();
            }
        });
    }

    /**
     * How long new writes may wait for the end of a Sentinel failover of the master ({@link
     * SentinelView#failoverInProgress()}) before they go to the master Sentinel named last anyway.
     */
    Duration failoverHold();

    /**
     * The latest probe round's results: where Sentinels monitor a pod ({@link ProbeResult#monitoredBySentinels()}),
     * listen to them there; forget pods no longer probed.
     */
    void follow(List<ProbeResult> results);

    /** What the Sentinels say now ({@link SentinelView#NONE} when none has spoken lately). */
    SentinelView view();

    @Override
    void close();

    /** Follows no Sentinel: the monitor learns of failovers by probing only. */
    SentinelFollower NONE = new SentinelFollower() {
        @Override
        public void addListener(Listener listener) {}

        @Override
        public Duration failoverHold() {
            return Duration.ZERO;
        }

        @Override
        public void follow(List<ProbeResult> results) {}

        @Override
        public SentinelView view() {
            return SentinelView.NONE;
        }

        @Override
        public void close() {}
    };
}
