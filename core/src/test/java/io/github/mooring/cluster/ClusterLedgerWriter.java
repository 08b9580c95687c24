package io.github.mooring.cluster;

import io.github.mooring.exceptions.CommandNotResentException;
import io.github.mooring.exceptions.CredentialsRejectedException;
import io.github.mooring.testkit.RedisCluster;
import io.github.mooring.testkit.WriteCheck;
import io.github.mooring.testkit.WriteLedger;
import io.github.mooring.topology.NoMasterException;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An application writing through one cluster connection at a steady rate, in turn to several {@link WriteLedger}s
 * (each ledger's keys share one hash tag, so one slot; the ledgers' slots are spread over every master),
 * synchronously (one write at a time) or asynchronously (up to 500 in flight). It keeps the time of every
 * acknowledgement per ledger, to measure write gaps.
 * <p>
 * A Mooring writer ({@code knowsFates}) takes Mooring's failures at their word: {@link NoMasterException} and
 * {@link CommandNotResentException} say the write was not applied (the ledger's check fails if it was), everything
 * else is of unknown fate. A plain Lettuce writer's failures are all of unknown fate: Lettuce sends again what a lost
 * node connection had written, so an error reply to the second attempt says nothing of the first.
 */
final class ClusterLedgerWriter implements AutoCloseable {

    private static final int MAX_IN_FLIGHT = 500;

    private final String name;
    final List<WriteLedger> ledgers;
    private final StatefulRedisClusterConnection<String, String> connection;
    private final boolean async;
    private final boolean knowsFates;
    private final ScheduledExecutorService timer;
    private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
    private final AtomicLong issued = new AtomicLong();
    final AtomicLong acknowledged = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicLong fateUnknown = new AtomicLong();
    final Map<String, AtomicLong> failures = new ConcurrentHashMap<>();
    private final Map<WriteLedger, Acks> acks = new ConcurrentHashMap<>();
    private long turn;

    /** {@code perMaster} ledgers whose slots each master of {@code cluster} serves, named after {@code name}. */
    ClusterLedgerWriter(
            String name,
            RedisCluster cluster,
            int perMaster,
            StatefulRedisClusterConnection<String, String> connection,
            boolean async,
            boolean knowsFates,
            int opsPerSecond) {
        this.name = name;
        this.ledgers = ledgersOverEveryMaster(name, cluster, perMaster);
        this.connection = connection;
        this.async = async;
        this.knowsFates = knowsFates;
        ledgers.forEach(ledger -> acks.put(ledger, new Acks()));
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "writer-" + name);
            thread.setDaemon(true);
            return thread;
        });
        timer.scheduleAtFixedRate(this::tick, 0, 1_000_000_000L / opsPerSecond, TimeUnit.NANOSECONDS);
    }

    private static List<WriteLedger> ledgersOverEveryMaster(String name, RedisCluster cluster, int perMaster) {
        Map<Object, Integer> taken = new ConcurrentHashMap<>();
        List<WriteLedger> ledgers = new ArrayList<>();
        int masters = cluster.masters().size();
        for (int i = 0; ledgers.size() < perMaster * masters && i < 10_000; i++) {
            WriteLedger candidate = WriteLedger.named(name + "-" + i);
            Object master =
                    cluster.masterOf(SlotHash.getSlot(candidate.logKey())).orElse(null);
            if (master != null && taken.merge(master, 1, Integer::sum) <= perMaster) {
                ledgers.add(candidate);
            }
        }
        return List.copyOf(ledgers);
    }

    private void tick() {
        if (async && !inFlight.tryAcquire()) {
            return; // as many in flight as the application allows: it waits
        }
        WriteLedger ledger = ledgers.get((int) (turn++ % ledgers.size()));
        WriteLedger.Write write = ledger.next();
        issued.incrementAndGet();
        if (async) {
            var commands = connection.async();
            var reply = write.target() == WriteLedger.Target.LOG
                    ? commands.rpush(write.key(), write.value()).thenApply(ignored -> "OK")
                    : commands.set(write.key(), write.value());
            reply.whenComplete((ignored, failure) -> {
                inFlight.release();
                settle(ledger, write, failure);
            });
            return;
        }
        try {
            if (write.target() == WriteLedger.Target.LOG) {
                connection.sync().rpush(write.key(), write.value());
            } else {
                connection.sync().set(write.key(), write.value());
            }
            settle(ledger, write, null);
        } catch (RuntimeException e) {
            settle(ledger, write, e);
        }
    }

    private void settle(WriteLedger ledger, WriteLedger.Write write, Throwable failure) {
        if (failure == null) {
            ledger.acknowledged(write.seq());
            acknowledged.incrementAndGet();
            acks.get(ledger).add(System.nanoTime());
            return;
        }
        Throwable cause =
                failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        String message = String.valueOf(cause.getMessage());
        failures.computeIfAbsent(
                        cause.getClass().getSimpleName() + ": " + message.substring(0, Math.min(60, message.length())),
                        k -> new AtomicLong())
                .incrementAndGet();
        boolean notApplied = cause instanceof NoMasterException
                || cause instanceof CommandNotResentException
                || cause instanceof CredentialsRejectedException;
        if (knowsFates && notApplied) {
            ledger.failed(write.seq());
            failed.incrementAndGet();
        } else {
            ledger.fateUnknown(write.seq());
            fateUnknown.incrementAndGet();
        }
    }

    /** The ledgers whose slot {@code master} serves. */
    List<WriteLedger> ledgersOn(RedisCluster cluster, Object master) {
        return ledgers.stream()
                .filter(ledger -> cluster.masterOf(SlotHash.getSlot(ledger.logKey()))
                        .filter(master::equals)
                        .isPresent())
                .toList();
    }

    /** The first acknowledgement at or after {@code nanoTime} on every one of {@code ledgers}, or -1. */
    long firstAckAfter(List<WriteLedger> ledgers, long nanoTime) {
        long latest = -1;
        for (WriteLedger ledger : ledgers) {
            long first = acks.get(ledger).firstAfter(nanoTime);
            if (first < 0) {
                return -1;
            }
            latest = Math.max(latest, first);
        }
        return latest;
    }

    /** The longest time between {@code from} and {@code to} without an acknowledgement on any of {@code ledgers}. */
    Duration longestGap(List<WriteLedger> ledgers, long from, long to) {
        return Duration.ofNanos(gap(ledgers, from, to)[0]);
    }

    /** When the longest gap on {@code ledgers} between {@code from} and {@code to} ended. */
    long endOfLongestGap(List<WriteLedger> ledgers, long from, long to) {
        return gap(ledgers, from, to)[1];
    }

    private long[] gap(List<WriteLedger> ledgers, long from, long to) {
        long[] times = ledgers.stream()
                .flatMapToLong(ledger -> Arrays.stream(acks.get(ledger).snapshot()))
                .filter(time -> time >= from && time <= to)
                .sorted()
                .toArray();
        long previous = from;
        long longest = 0;
        long end = to;
        for (long time : times) {
            if (time - previous > longest) {
                longest = time - previous;
                end = time;
            }
            previous = time;
        }
        if (to - previous > longest) {
            longest = to - previous;
            end = to;
        }
        return new long[] {longest, end};
    }

    void stop() {
        timer.shutdown();
    }

    /** Waits until every write issued has its outcome (at most {@code timeout}). */
    void awaitSettled(Duration timeout) throws InterruptedException {
        timer.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (acknowledged.get() + failed.get() + fateUnknown.get() < issued.get() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    /** Each ledger's history checked on its slot's final master. */
    List<WriteCheck> check(RedisCluster cluster) {
        return ledgers.stream()
                .map(ledger -> ledger.check(
                        cluster.masterOf(SlotHash.getSlot(ledger.logKey())).orElseThrow()))
                .toList();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }

    @Override
    public String toString() {
        return name + (async ? " (async)" : " (sync)") + ": issued=" + issued + " acked=" + acknowledged + " failed="
                + failed + " fateUnknown=" + fateUnknown + " " + failures;
    }

    /** Acknowledgement times of one ledger. */
    private static final class Acks {
        private long[] times = new long[1024];
        private int count;

        synchronized void add(long time) {
            if (count == times.length) {
                times = Arrays.copyOf(times, count * 2);
            }
            times[count++] = time;
        }

        synchronized long firstAfter(long nanoTime) {
            for (int i = 0; i < count; i++) {
                if (times[i] >= nanoTime) {
                    return times[i];
                }
            }
            return -1;
        }

        synchronized long[] snapshot() {
            return Arrays.copyOf(times, count);
        }
    }
}
