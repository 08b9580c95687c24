package io.github.mooring.client;

import static org.awaitility.Awaitility.await;

import io.github.mooring.MooringOptions;
import io.github.mooring.testkit.PodRuntime;
import io.github.mooring.testkit.RedisPod;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.Sentinels;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.UnpausedFailover;
import io.github.mooring.testkit.WriteCheck;
import io.github.mooring.topology.Node;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * One disruption with writers running through it: a StatefulSet of 3 pods (and Sentinels where the disruption needs
 * them), a MooringClient, writers on connections of their own, each writing for a second before the disruption; then
 * the disruption, recovery (every writer has two seconds' worth of acknowledgements after the master moved), a settled
 * end (every write has its outcome) and each writer's history checked on the master the group settled on.
 */
final class FailoverRun implements AutoCloseable {

    static final Duration SETTLE = Duration.ofSeconds(45);
    /** How far a promoted replica may lag behind on this shared 2-core machine (seconds were seen). */
    static final Duration REPLICATION_LAG = Duration.ofSeconds(5);

    /** What a run found. */
    record Result(Disruption disruption, RedisPod finalMaster, int failovers, Map<LedgerWriter, WriteCheck> checks) {
        WriteCheck check(LedgerWriter writer) {
            return checks.get(writer);
        }
    }

    final Disruption disruption;
    final RedisStatefulSet redis;
    final Sentinels sentinels;
    final MooringFixture mooring;
    private final List<LedgerWriter> writers = new ArrayList<>();
    private boolean burstAtDisruption;

    FailoverRun(SimulatedNamespace ns, Disruption disruption) {
        this(ns, disruption, PodRuntime.processes(), b -> b);
    }

    FailoverRun(SimulatedNamespace ns, Disruption disruption, PodRuntime runtime) {
        this(ns, disruption, runtime, b -> b);
    }

    FailoverRun(
            SimulatedNamespace ns,
            Disruption disruption,
            PodRuntime runtime,
            UnaryOperator<MooringOptions.Builder> settings) {
        this(ns, disruption, runtime, settings, set -> set);
    }

    /** With the StatefulSet adjusted by {@code statefulSet} (its IP families, for example). */
    FailoverRun(
            SimulatedNamespace ns,
            Disruption disruption,
            PodRuntime runtime,
            UnaryOperator<MooringOptions.Builder> settings,
            UnaryOperator<RedisStatefulSet.Builder> statefulSet) {
        this(ns, disruption, runtime, settings, statefulSet, sentinels -> sentinels, sentinels -> {});
    }

    /**
     * With the Sentinels adjusted by {@code sentinelSetup} and {@code beforeMooring} done to them once they are ready,
     * before Mooring starts (publishing them as a Service of their own, for example).
     */
    FailoverRun(
            SimulatedNamespace ns,
            Disruption disruption,
            PodRuntime runtime,
            UnaryOperator<MooringOptions.Builder> settings,
            UnaryOperator<RedisStatefulSet.Builder> statefulSet,
            UnaryOperator<Sentinels.Builder> sentinelSetup,
            Consumer<Sentinels> beforeMooring) {
        this(ns, disruption, runtime, statefulSet, sentinelSetup, beforeMooring, (set, b) -> settings.apply(b));
    }

    /** With Mooring's settings made from the started StatefulSet (its CA certificate, for example). */
    FailoverRun(
            SimulatedNamespace ns,
            Disruption disruption,
            PodRuntime runtime,
            UnaryOperator<RedisStatefulSet.Builder> statefulSet,
            UnaryOperator<Sentinels.Builder> sentinelSetup,
            Consumer<Sentinels> beforeMooring,
            BiFunction<RedisStatefulSet, MooringOptions.Builder, MooringOptions.Builder> settings) {
        this.disruption = disruption;
        this.redis = statefulSet
                .apply(ns.redis("redis").runtime(runtime).persistence(disruption.persistence))
                .start();
        this.sentinels = disruption.downAfter != null
                ? sentinelSetup
                        .apply(ns.sentinels(redis)
                                .downAfter(disruption.downAfter)
                                .failoverTimeout(Duration.ofSeconds(5)))
                        .start()
                : null;
        if (sentinels != null) {
            sentinels.awaitReady(SETTLE);
            beforeMooring.accept(sentinels);
        }
        this.mooring = new MooringFixture(ns, redis, b -> settings.apply(redis, b));
    }

    /**
     * Starts the disruption on the pipelining writer's thread, between issuing a burst and flushing it: that whole
     * burst meets the disruption (a demoted master refuses all of it). Otherwise the disruption comes whenever the
     * test gets to it, wherever the bursts are.
     */
    FailoverRun burstAtDisruption() {
        this.burstAtDisruption = true;
        return this;
    }

    /** A writer on a connection of its own. */
    <W extends LedgerWriter> W writer(Function<StatefulRedisConnection<String, String>, W> create) {
        W writer = create.apply(mooring.client.connect());
        writers.add(writer);
        return writer;
    }

    Result disruptAndRecover() {
        for (LedgerWriter writer : writers) {
            await().atMost(SETTLE).until(() -> writer.acknowledged.get() >= writer.targetOpsPerSecond);
        }
        String before = redis.pod(0).address();
        long epochBefore = sentinels != null ? configEpoch() : 0;
        long start = System.nanoTime();
        PipelinedLedgerWriter pipelined = writers.stream()
                .filter(PipelinedLedgerWriter.class::isInstance)
                .map(PipelinedLedgerWriter.class::cast)
                .findFirst()
                .orElse(null);
        if (pipelined != null && burstAtDisruption) {
            // A whole burst is issued before the disruption and flushed right after it: hundreds of writes in flight.
            pipelined
                    .beforeNextFlush(() -> disruption.apply(redis, sentinels))
                    .orTimeout(SETTLE.toSeconds(), TimeUnit.SECONDS)
                    .join();
        } else {
            disruption.apply(redis, sentinels);
        }
        await().atMost(SETTLE)
                .until(() -> mooring.client
                        .topology()
                        .master()
                        .map(m -> !m.address().equals(before) || disruption.inPlace())
                        .orElse(false));
        for (LedgerWriter writer : writers) {
            long ackedAtRecovery = writer.acknowledged.get();
            await().atMost(SETTLE)
                    .until(() -> writer.acknowledged.get() >= ackedAtRecovery + 2 * writer.targetOpsPerSecond);
        }
        long end = System.nanoTime();
        writers.forEach(LedgerWriter::stop);
        for (LedgerWriter writer : writers) {
            await().alias(writer.ledger.name() + " settles").atMost(SETTLE).until(() -> writer.pending() == 0);
        }
        if (sentinels != null) {
            // On a loaded machine Sentinel may fail over a second time: check where Sentinel's failovers ended, once
            // Mooring follows it there.
            await().alias("Mooring follows the master Sentinel names")
                    .atMost(SETTLE)
                    .until(() -> sentinels
                            .masterAddress()
                            .equals(mooring.client.topology().master().map(Node::address)));
        }
        String master = mooring.client.topology().master().orElseThrow().address();
        RedisPod finalMaster = redis.pods().stream()
                .filter(pod -> master.equals(pod.address()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no pod at " + master + ": " + redis));
        int failovers = sentinels != null ? (int) (configEpoch() - epochBefore) : disruption.unpaused ? 1 : 0;
        // Sentinel may promote a replica that lagged seconds behind on a loaded machine: Redis's loss, not Mooring's.
        UnpausedFailover[] allowance = disruption.unpaused && failovers > 0
                ? new UnpausedFailover[] {
                    UnpausedFailover.between(start, end).times(failovers).replicationLag(REPLICATION_LAG)
                }
                : new UnpausedFailover[0];
        Map<LedgerWriter, WriteCheck> checks = new LinkedHashMap<>();
        for (LedgerWriter writer : writers) {
            checks.put(writer, writer.check(finalMaster, allowance));
        }
        return new Result(disruption, finalMaster, failovers, checks);
    }

    /** Sentinel's configuration epoch of the master: one more per failover. */
    private long configEpoch() {
        Object reply = sentinels.command(0, "SENTINEL", "MASTER", sentinels.masterName());
        if (reply instanceof List<?> fields) {
            for (int i = 0; i + 1 < fields.size(); i += 2) {
                if ("config-epoch".equals(fields.get(i))) {
                    return Long.parseLong(String.valueOf(fields.get(i + 1)));
                }
            }
        }
        throw new IllegalStateException("SENTINEL MASTER answered " + reply);
    }

    @Override
    public void close() {
        writers.forEach(LedgerWriter::close);
        mooring.close();
    }
}
