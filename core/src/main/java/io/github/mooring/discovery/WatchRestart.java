package io.github.mooring.discovery;

import java.time.Duration;

/**
 * When and how the kubernetes source re-establishes its watch after it ended (a pure function, no I/O).
 * <p>
 * fabric8's own watch manager re-establishes a closed watch by itself after {@code watchReconnectInterval} (1 s by
 * default) and tells no one: a change made meanwhile arrived up to a second late. The source therefore asks fabric8
 * for no reconnect at all ({@code watchReconnectLimit} 0), so every end of a watch reaches it, and decides here:
 * <ol>
 * <li><b>a watch that worked ended</b> (it delivered an event or a bookmark, or stayed open {@link #HEALTHY}): the API
 * server's timeout, a load balancer or an API server failover closed it. Watch again at once from the last
 * resourceVersion, without a list: the API server sends every change made since;</li>
 * <li><b>the resourceVersion is gone</b> (410): list at once, then watch from the list's version; a second 410 in a
 * row is a failure (rule 3), so a server that keeps answering 410 cannot make the source loop;</li>
 * <li><b>a failure</b> (the list failed, or the watch was refused or dropped before it worked): list, then watch,
 * after a delay that doubles with each failure in a row from {@code first} up to {@code cap}, drawn at random
 * between half of it and all of it, so that the clients of a Deployment do not come back in step.</li>
 * </ol>
 * So a dead or refusing API server gets at most {@link #maxAttempts} attempts of at most two requests (a list and a
 * watch) from each client in a window, and a healthy one a single watch request per watch end.
 */
final class WatchRestart {

    /** A watch that delivered nothing but stayed open this long was established: its end is not a failure. */
    static final Duration HEALTHY = Duration.ofSeconds(1);

    /** How the last attempt ended. */
    enum End {
        WORKED,
        GONE,
        FAILED
    }

    /**
     * What to do next.
     *
     * @param list whether to list before watching again (else watch from the last resourceVersion)
     * @param delay how long to wait first
     * @param failures how many attempts in a row have now failed (the input of the next decision)
     */
    record Step(boolean list, Duration delay, int failures) {}

    private WatchRestart() {}

    /** How a watch ended: what it said, whether it ever delivered, how long it was open. */
    static End classify(boolean httpGone, boolean delivered, Duration open) {
        if (httpGone) {
            return End.GONE;
        }
        return delivered || open.compareTo(HEALTHY) >= 0 ? End.WORKED : End.FAILED;
    }

    /**
     * @param end how the last attempt ended
     * @param failuresBefore failed attempts in a row before this one
     * @param first the delay after the first failure
     * @param cap the longest delay
     * @param random a number in [0, 1) that places the delay between half the backoff and all of it
     */
    static Step next(End end, int failuresBefore, Duration first, Duration cap, double random) {
        if (end == End.WORKED) {
            return new Step(false, Duration.ZERO, 0);
        }
        if (end == End.GONE && failuresBefore == 0) {
            return new Step(true, Duration.ZERO, 1);
        }
        int failures = failuresBefore + 1;
        long backoff = backoffMillis(failures, first, cap);
        long delay = backoff / 2 + (long) (random * (backoff - backoff / 2));
        return new Step(true, Duration.ofMillis(delay), failures);
    }

    /** The most attempts (each a list, and a watch if the list worked) a client makes in {@code window} of failures. */
    static int maxAttempts(Duration window, Duration first, Duration cap) {
        int attempts = 1; // the attempt that failed first
        long at = 0;
        for (int failures = 1; ; failures++) {
            at += backoffMillis(failures, first, cap) / 2; // every delay at its shortest
            if (at > window.toMillis()) {
                return attempts;
            }
            attempts++;
        }
    }

    private static long backoffMillis(int failures, Duration first, Duration cap) {
        int doublings = Math.min(failures - 1, 30);
        return Math.min(cap.toMillis(), first.toMillis() << doublings);
    }
}
