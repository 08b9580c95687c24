package io.github.mooring.testkit;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays the kubelet's readiness probe and the EndpointSlice/Endpoints controllers for one StatefulSet: every
 * probe period it PINGs each running pod (ready when PONG, not when {@code LOADING}, an error or no answer
 * within the probe timeout) and, when what it would publish changed, writes the EndpointSlice, the Endpoints
 * and the DNS records. Phase changes the kit makes itself (a container killed, a pod deleted) are published at
 * once, as the kubelet reports a dead container without waiting for a probe.
 */
final class EndpointController implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EndpointController.class);

    private final RedisStatefulSet set;
    private final Duration period;
    private final Duration timeout;
    private final int failureThreshold;
    private final ExecutorService probes;
    private final Map<String, Integer> failures = new HashMap<>();
    private final List<EndpointChange> history = new ArrayList<>();
    private final Map<String, Boolean> podReadiness = new HashMap<>();
    private List<EndpointState> published;
    private ScheduledFuture<?> loop;

    EndpointController(RedisStatefulSet set, Duration period, Duration timeout, int failureThreshold) {
        this.set = set;
        this.period = period;
        this.timeout = timeout;
        this.failureThreshold = failureThreshold;
        this.probes = Executors.newCachedThreadPool(r -> {
            Thread thread = new Thread(r, "mooring-testkit-probe-" + set.name());
            thread.setDaemon(true);
            return thread;
        });
    }

    void start(ScheduledExecutorService scheduler) {
        loop = scheduler.scheduleWithFixedDelay(this::safeRound, 0, period.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** One probe round, then publish. */
    void round() {
        List<RedisPod> pods = set.pods();
        List<Object> probed = new ArrayList<>();
        List<CompletableFuture<Boolean>> results = new ArrayList<>();
        for (RedisPod pod : pods) {
            Object container = pod.probedContainer();
            String target = pod.probeTarget();
            probed.add(container);
            results.add(
                    target == null || pod.readinessFails()
                            ? CompletableFuture.completedFuture(false)
                            : CompletableFuture.supplyAsync(() -> probe(target), probes));
        }
        for (int i = 0; i < pods.size(); i++) {
            RedisPod pod = pods.get(i);
            boolean passed = results.get(i).join();
            synchronized (this) {
                int failed = passed ? 0 : failures.getOrDefault(pod.name(), 0) + 1;
                failures.put(pod.name(), failed);
                // A result only counts for the container it probed: one killed, restarted or replaced meanwhile
                // is judged by the next round.
                if (passed) {
                    pod.probed(probed.get(i), true);
                } else if (failed >= failureThreshold || pod.probeTarget() == null) {
                    pod.probed(probed.get(i), false);
                }
            }
        }
        reconcileNow();
    }

    /** Publishes the current state if it differs from what was last published. */
    synchronized void reconcileNow() {
        if (set.isClosed()) {
            return;
        }
        List<EndpointState> states = new ArrayList<>(); // the primary family's
        List<List<EndpointState>> byFamily = new ArrayList<>();
        set.ipFamilies().forEach(family -> byFamily.add(new ArrayList<>()));
        for (RedisPod pod : set.pods()) {
            List<EndpointState> perFamily = pod.endpointStatesByFamily();
            if (perFamily.isEmpty()) {
                continue;
            }
            states.add(perFamily.get(0));
            for (int i = 0; i < byFamily.size(); i++) {
                byFamily.get(i).add(perFamily.get(i));
            }
        }
        if (states.equals(published)) {
            return;
        }
        // The moment the EndpointSlice was written, before the Endpoints object and the DNS records follow it: the
        // start of latency measurements, so it must not come after watchers could have seen the slice change.
        long writtenNanos = set.api().publishEndpoints(set.ipFamilies(), byFamily);
        Instant writtenAt = Instant.now().minusNanos(System.nanoTime() - writtenNanos);
        Map<String, List<String>> readyIps = new HashMap<>();
        for (List<EndpointState> family : byFamily) {
            for (EndpointState state : family) {
                if (state.ready()) {
                    readyIps.computeIfAbsent(state.pod(), pod -> new ArrayList<>())
                            .add(state.ip());
                }
            }
        }
        set.dns().publish(set.name(), set.namespace(), set.portName(), set.port(), readyIps);
        published = List.copyOf(states);
        history.add(new EndpointChange(writtenNanos, writtenAt, states));
        notifyAll();
        updatePodObjects(states);
    }

    /** The last update published, or null before the first. */
    synchronized EndpointChange lastPublished() {
        return history.isEmpty() ? null : history.get(history.size() - 1);
    }

    synchronized List<EndpointChange> history() {
        return List.copyOf(history);
    }

    synchronized EndpointChange waitForChangeAfter(int seen, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (history.size() <= seen) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return history.get(seen);
    }

    private void updatePodObjects(List<EndpointState> states) {
        for (EndpointState state : states) {
            Boolean before = podReadiness.put(state.pod() + "/" + state.uid(), state.ready());
            if (!Objects.equals(before, state.ready()) && !state.terminating()) {
                set.pods().stream()
                        .filter(p -> p.name().equals(state.pod()))
                        .findFirst()
                        .ifPresent(pod -> {
                            try {
                                set.api().updatePodReadiness(pod, state.ready());
                            } catch (RuntimeException e) {
                                log.debug("pod status of {} not updated: {}", pod.name(), e.toString());
                            }
                        });
            }
        }
    }

    private boolean probe(String ip) {
        try {
            Object reply = Resp.once(ip, set.port(), timeout, set.access(), "PING");
            return "PONG".equals(reply);
        } catch (IOException e) {
            return false;
        }
    }

    private void safeRound() {
        try {
            round();
        } catch (RuntimeException e) {
            if (!set.isClosed()) {
                log.warn("endpoint controller round for {} failed: {}", set.name(), e.toString());
            }
        }
    }

    @Override
    public void close() {
        if (loop != null) {
            loop.cancel(false);
        }
        probes.shutdownNow();
    }
}
