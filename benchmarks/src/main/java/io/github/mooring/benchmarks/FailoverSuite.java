package io.github.mooring.benchmarks;

import io.github.mooring.testkit.RedisPod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;

/**
 * Repeats each scenario on every setup at once, with every contender writing, and measures per contender and
 * repetition: the failover window, the failed calls the application saw, and the acknowledged writes missing from
 * the node that ended up master.
 */
final class FailoverSuite {

    /** Writing before the disruption, so that every contender has a last successful write before it. */
    private static final Duration LEAD_IN = Duration.ofMillis(700);
    /** A contender counts as back once it has written for this long without a failure. */
    private static final Duration STABLE = Duration.ofSeconds(1);
    /** An outage still going on at the end counts as "not recovered" when it is longer than this. */
    private static final long OPEN_OUTAGE_NANOS = 200_000_000;

    /**
     * One contender in one repetition.
     *
     * @param windowMs the longest time without a successful write, from the last one before the disruption to the
     *     end of the observation (NaN when it never wrote before the disruption)
     * @param censored the outage was still going on at the end: the window is at least {@code windowMs}
     * @param afterNewPodMs from the moment the new or restarted master container answered to the first write after
     *     the outage (replaced pod and container restart without Sentinels only; NaN otherwise)
     * @param lostBefore acknowledged while the old master was still master, missing from the final master
     *     (asynchronous replication, or an append-only file not yet written when the process died)
     * @param lostAfter acknowledged after that, missing from the final master: acknowledged by a node that was not
     *     (or was no longer) the master
     */
    record RepResult(
            Scenario scenario,
            int rep,
            Slot slot,
            double windowMs,
            boolean censored,
            double afterNewPodMs,
            int failures,
            Map<String, Integer> failureKinds,
            int acked,
            int lostBefore,
            int lostAfter,
            String finalMaster) {}

    /** The acknowledgement times of every contender across one repetition, for the chart. */
    record Timeline(
            Scenario scenario,
            Map<Slot, long[]> acks,
            Map<Setup, Long> disruptedAt,
            Map<Setup, Long> newPodUpAt,
            long end) {}

    private final List<Setup> setups;
    private final ExecutorService executor;
    private final Consumer<String> log;
    private final List<RepResult> results = new ArrayList<>();
    /** Contenders still not writing when the last observation ended: restarted right after the group is restored. */
    private final Set<Slot> stuck = ConcurrentHashMap.newKeySet();

    private Timeline timeline;

    FailoverSuite(List<Setup> setups, ExecutorService executor, Consumer<String> log) {
        this.setups = setups;
        this.executor = executor;
        this.log = log;
    }

    List<RepResult> results() {
        return results;
    }

    Timeline timeline() {
        return timeline;
    }

    /**
     * Restores every setup and makes sure every contender can write; each setup's contenders are checked as soon as
     * their own group is restored.
     */
    void prepare(Scenario previous) {
        long start = System.nanoTime();
        Map<String, Long> took = new ConcurrentHashMap<>();
        Parallel.run(
                executor,
                setups.stream()
                        .<Runnable>map(setup -> () -> {
                            setup.restore(previous);
                            took.put(setup.key(), (System.nanoTime() - start) / 1_000_000);
                            List<Runnable> checks = new ArrayList<>();
                            for (Slot slot : setup.slots()) {
                                checks.add(() -> {
                                    int before = slot.recreations();
                                    if (stuck.remove(slot)) {
                                        slot.recreate(executor); // an application that stopped working is restarted
                                    }
                                    // By Service name a fresh connection lands on a replica 2 times out of 3; through
                                    // HAProxy a new
                                    // connection fails until its DNS and health check caught up with the restored
                                    // group.
                                    boolean retries = slot.name().contains("Service name")
                                            || slot.name().contains("HAProxy");
                                    boolean ok = slot.ensureWritable(executor, retries ? 10 : 3);
                                    int restarts = slot.recreations() - before;
                                    if (restarts > 0) {
                                        took.put(slot + " x" + restarts, (System.nanoTime() - start) / 1_000_000);
                                    }
                                    if (!ok) {
                                        log.accept(
                                                "    ! " + slot + " cannot write even after " + restarts + " restarts");
                                    }
                                });
                            }
                            Parallel.run(executor, checks);
                        })
                        .toList());
        if (Boolean.getBoolean("bench.debug")) {
            log.accept("    prepared in " + (System.nanoTime() - start) / 1_000_000 + " ms: " + took);
        }
    }

    void run(Scenario scenario, int rep) throws Exception {
        List<Setup> taking = setups.stream().filter(s -> s.takesPart(scenario)).toList();
        List<TimedWriter> writers = new ArrayList<>();
        for (Setup setup : taking) {
            for (Slot slot : setup.slots()) {
                writers.add(new TimedWriter(slot));
            }
        }
        long started = System.nanoTime();
        writers.forEach(TimedWriter::start);
        Benchmark.pause(LEAD_IN);

        Map<Setup, long[]> disruption = new LinkedHashMap<>();
        Parallel.run(
                executor,
                taking.stream()
                        .<Runnable>map(setup -> () -> {
                            long[] times = setup.disrupt(scenario);
                            synchronized (disruption) {
                                disruption.put(setup, times);
                            }
                        })
                        .toList());
        long disrupted = disruption.values().stream().mapToLong(t -> t[1]).max().orElseThrow();

        boolean thawed = false;
        long settleUntil = -1;
        while (true) {
            long now = System.nanoTime();
            long elapsed = now - disrupted;
            if (scenario == Scenario.FROZEN && !thawed && elapsed >= Scenario.FREEZE.toNanos()) {
                Parallel.run(
                        executor,
                        taking.stream().<Runnable>map(setup -> setup::thaw).toList());
                thawed = true;
            }
            if (elapsed >= scenario.cap().toNanos() || settleUntil > 0 && now >= settleUntil) {
                break;
            }
            if (settleUntil < 0
                    && elapsed >= scenario.minObservation().toNanos()
                    && allBack(writers, disruption, now)
                    && taking.stream().allMatch(Setup::settled)) {
                settleUntil = now + 500_000_000L; // let a last switch (a Sentinel demotion) show
            }
            Benchmark.pause(Duration.ofMillis(50));
        }
        long end = System.nanoTime();
        Map<TimedWriter, TimedWriter.Record> records = new LinkedHashMap<>();
        List<Runnable> stops = new ArrayList<>();
        for (TimedWriter writer : writers) {
            stops.add(() -> {
                TimedWriter.Record record = writer.stop(3_000);
                synchronized (records) {
                    records.put(writer, record);
                }
            });
        }
        Parallel.run(executor, stops);
        if (scenario == Scenario.FROZEN && !thawed) {
            taking.forEach(Setup::thaw);
        }

        StringBuilder line = new StringBuilder(
                String.format("  %-17s #%-2d %4.1f s:", scenario.key(), rep, (end - disrupted) / 1e9));
        Map<Slot, long[]> acks = new LinkedHashMap<>();
        Map<Setup, Long> newPodUp = new LinkedHashMap<>();
        for (Setup setup : taking) {
            long[] times = disruption.get(setup);
            Optional<RedisPod> authority = setup.authority();
            RedisPod pod0 = setup.set().pod(0);
            newPodUp.put(setup, pod0.runningSinceNanos());
            for (TimedWriter writer : writers) {
                if (writer.slot().setup() != setup) {
                    continue;
                }
                TimedWriter.Record record = records.get(writer);
                acks.put(writer.slot(), record.ackTimes());
                RepResult result = measure(
                        scenario,
                        rep,
                        writer.slot(),
                        record,
                        times[0],
                        times[1],
                        end,
                        started,
                        authority,
                        setup.sentinels() == null ? pod0.runningSinceNanos() : 0);
                results.add(result);
                if (result.censored() || Double.isNaN(result.windowMs())) {
                    stuck.add(writer.slot());
                }
                line.append(' ')
                        .append(setup.key())
                        .append('/')
                        .append(writer.slot().id())
                        .append('=')
                        .append(
                                Double.isNaN(result.windowMs())
                                        ? "?"
                                        : (result.censored() ? ">" : "") + Math.round(result.windowMs()))
                        .append(
                                result.lostBefore() + result.lostAfter() > 0
                                        ? "(lost " + (result.lostBefore() + result.lostAfter()) + ")"
                                        : "");
            }
        }
        log.accept(line.toString());
        if (scenario == Scenario.POD_REPLACED && timeline == null) {
            Map<Setup, Long> at = new LinkedHashMap<>();
            disruption.forEach((setup, t) -> at.put(setup, t[0]));
            timeline = new Timeline(scenario, acks, at, newPodUp, end);
        }
    }

    private boolean allBack(List<TimedWriter> writers, Map<Setup, long[]> disruption, long now) {
        for (TimedWriter writer : writers) {
            long disruptedAt = disruption.get(writer.slot().setup())[1];
            if (writer.lastAck() <= disruptedAt
                    || writer.lastAck() < now - 300_000_000L
                    || writer.lastFailure() > now - STABLE.toNanos()) {
                return false;
            }
        }
        return true;
    }

    private RepResult measure(
            Scenario scenario,
            int rep,
            Slot slot,
            TimedWriter.Record record,
            long t0,
            long t1,
            long end,
            long started,
            Optional<RedisPod> authority,
            long newPodUp) {
        long[] ackTimes = record.ackTimes();
        int before = record.lastAckIndexAtOrBefore(t0);
        double window = Double.NaN;
        boolean censored = false;
        double afterNewPod = Double.NaN;
        if (before >= 0) {
            long previous = ackTimes[before];
            long longest = 0;
            long longestEnd = -1;
            for (int i = before + 1; i < ackTimes.length; i++) {
                long gap = ackTimes[i] - previous;
                if (gap > longest) {
                    longest = gap;
                    longestEnd = ackTimes[i];
                }
                previous = ackTimes[i];
            }
            long tail = end - previous;
            if (tail > longest && tail > OPEN_OUTAGE_NANOS) {
                window = tail / 1e6;
                censored = true;
            } else {
                window = longest / 1e6;
                if (newPodUp > 0
                        && longestEnd > newPodUp
                        && (scenario == Scenario.POD_REPLACED || scenario == Scenario.RESTART)) {
                    afterNewPod = (longestEnd - newPodUp) / 1e6;
                }
            }
        }
        int lostBefore = 0;
        int lostAfter = 0;
        String finalMaster = authority.map(RedisPod::name).orElse("none");
        if (authority.isPresent()) {
            BitSet present = new BitSet();
            Object reply = authority.get().command("KEYS", TimedWriter.keyPattern(slot));
            if (reply instanceof List<?> keys) {
                for (Object key : keys) {
                    String text = String.valueOf(key);
                    present.set(Integer.parseInt(text.substring(text.lastIndexOf(':') + 1)));
                }
            }
            // Until the disruptive action completed (the process dead, SIGSTOP delivered) the old master was the
            // master; a manual failover makes another node master with its first command.
            long split = scenario == Scenario.MANUAL_FAILOVER ? t0 : t1;
            long[] seqs = record.ackSeqs();
            for (int i = 0; i < seqs.length; i++) {
                if (!present.get((int) seqs[i])) {
                    if (ackTimes[i] <= split) {
                        lostBefore++;
                    } else {
                        lostAfter++;
                    }
                }
            }
        } else {
            lostBefore = -1;
            lostAfter = -1;
        }
        return new RepResult(
                scenario,
                rep,
                slot,
                window,
                censored,
                afterNewPod,
                record.failuresBetween(started, end),
                record.failureKinds(),
                ackTimes.length,
                lostBefore,
                lostAfter,
                finalMaster);
    }
}
