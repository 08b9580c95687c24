package io.github.mooring.boot.metrics;

import io.github.mooring.MooringClient;
import io.github.mooring.healer.Finding;
import io.github.mooring.healer.HealerEvent;
import io.github.mooring.topology.Topology;
import io.github.mooring.topology.TopologyEvent;
import io.github.mooring.topology.TopologyListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.LongTaskTimer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Micrometer meters for a {@link MooringClient}, all tagged with {@code service} and {@code namespace}:
 * <ul>
 * <li>{@code mooring.master.changes} (counter): the master moved to another pod, or to a new Redis process of the
 * same pod (the first master found at startup does not count).</li>
 * <li>{@code mooring.failover} (timer, tag {@code outcome}: {@code new-master} or {@code master-restored}): failover
 * windows, from the moment the master was lost to the moment there was one again. A switch seen within one probe
 * round (no round without master) records its detection time.</li>
 * <li>{@code mooring.master.absent} (long task timer): active while there is no master; its duration is the time
 * without master so far.</li>
 * <li>{@code mooring.probe.rounds} and {@code mooring.probe.failures} (counters): probe rounds, and probes of single
 * pods that failed (refused, timed out, rejected).</li>
 * <li>{@code mooring.retry.attempts} and {@code mooring.retry.exhausted} (counters): commands sent again after a pod
 * rejected them because of a failover, and commands that still failed after the last attempt.</li>
 * <li>{@code mooring.replicas.stale} (gauge): replicas that do not replicate from the master.</li>
 * <li>{@code mooring.credentials.rejected} (counter, tag {@code user}): times a pod started refusing the credentials
 * (a {@code CredentialsRejected} event); {@code mooring.pods.refusing.credentials} (gauge): pods that refuse them
 * now. Neither carries a secret.</li>
 * </ul>
 */
public final class MooringMetrics implements AutoCloseable {

    private final MooringClient client;

    private final Counter masterChanges;

    private final Timer failoverToNewMaster;

    private final Timer failoverToSameMaster;

    private final LongTaskTimer masterAbsent;

    private final Counter probeRounds;

    private final Counter probeFailures;

    private final Counter.Builder credentialsRejected;

    private final MeterRegistry registry;

    private final TopologyListener listener = this::onEvent;

    private @Nullable Instant lostMasterAt;

    private LongTaskTimer.@Nullable Sample absence;

    private volatile boolean closed;

    /**
     * Registers the meters in {@code registry} and starts recording {@code client}'s events.
     *
     * @param client the client to observe
     * @param registry where the meters go
     */
    public MooringMetrics(MooringClient client, MeterRegistry registry) {
        this.client = client;
        Tags tags = Tags.of(
                "service",
                client.options().service(),
                "namespace",
                client.options().namespace());
        this.masterChanges = Counter.builder("mooring.master.changes")
                .description("Times the master moved to another pod or Redis process")
                .tags(tags)
                .register(registry);
        Timer.Builder failover = Timer.builder("mooring.failover")
                .description("Failover windows: from losing the master to having one again")
                .tags(tags);
        this.failoverToNewMaster = failover.tag("outcome", "new-master").register(registry);
        this.failoverToSameMaster = failover.tag("outcome", "master-restored").register(registry);
        this.masterAbsent = LongTaskTimer.builder("mooring.master.absent")
                .description("Time without master, while there is none")
                .tags(tags)
                .register(registry);
        this.probeRounds = Counter.builder("mooring.probe.rounds")
                .description("Probe rounds (every pod asked its role)")
                .tags(tags)
                .register(registry);
        this.probeFailures = Counter.builder("mooring.probe.failures")
                .description("Probes of single pods that failed")
                .tags(tags)
                .register(registry);
        Counter retries = Counter.builder("mooring.retry.attempts")
                .description("Commands sent again after a pod rejected them because of a failover")
                .tags(tags)
                .register(registry);
        Counter exhausted = Counter.builder("mooring.retry.exhausted")
                .description("Commands still rejected after the last retry")
                .tags(tags)
                .register(registry);
        Gauge.builder(
                        "mooring.replicas.stale",
                        client,
                        c -> c.topology().staleReplicas().size())
                .description("Replicas that do not replicate from the master")
                .tags(tags)
                .register(registry);

        Gauge.builder(
                        "mooring.pods.refusing.credentials",
                        client,
                        c -> c.topology().credentialsRejected().size())
                .description("Pods that refuse the application's Redis credentials now")
                .tags(tags)
                .register(registry);
        this.credentialsRejected = Counter.builder("mooring.credentials.rejected")
                .description("Times a pod started refusing the application's Redis credentials")
                .tags(tags);
        this.registry = registry;

        client.retry()
                .getEventPublisher()
                .onRetry(event -> {
                    if (!closed) {
                        retries.increment();
                    }
                })
                .onError(event -> {
                    if (!closed) {
                        exhausted.increment();
                    }
                });
        Counter.Builder findings = Counter.builder("mooring.healer.findings")
                .description("Conditions the healer found (stale replicas, data at risk, split brain)")
                .tags(tags);
        Counter.Builder actions = Counter.builder("mooring.healer.actions")
                .description("Commands the healer sent to pods (outcome taken), or planned and did not (skipped)")
                .tags(tags);
        client.addHealerListener(event -> {
            if (closed) {
                return;
            }
            if (event instanceof HealerEvent.FindingReported found) {
                findings.tag("kind", kind(found.finding())).register(registry).increment();
            } else if (event instanceof HealerEvent.ActionTaken taken) {
                actions.tag("command", taken.action().kind().name().toLowerCase(Locale.ROOT))
                        .tag("outcome", "taken")
                        .register(registry)
                        .increment();
            } else if (event instanceof HealerEvent.ActionSkipped skipped) {
                actions.tag("command", skipped.action().kind().name().toLowerCase(Locale.ROOT))
                        .tag("outcome", "skipped")
                        .register(registry)
                        .increment();
            }
        });
        client.observe(this::onTopology);
        client.addListener(listener);
        onTopology(client.topology());
    }

    private static String kind(Finding finding) {
        if (finding instanceof Finding.DataAtRiskFinding) {
            return "data-at-risk";
        }
        if (finding instanceof Finding.WritesLetThroughFinding) {
            return "diverged";
        }
        return finding instanceof Finding.SplitBrainFinding ? "split-brain" : "stale-replicas";
    }

    /** Every published topology (one per probe round), on the monitor's thread. */
    private synchronized void onTopology(Topology topology) {
        if (closed) {
            return;
        }
        if (topology.version() > 0) {
            probeRounds.increment();
            probeFailures.increment(topology.reports().stream()
                    .filter(result -> result.failure() != null)
                    .count());
        }
        if (topology.hasMaster()) {
            if (absence != null) {
                absence.stop();
                absence = null;
            }
        } else if (absence == null) {
            absence = masterAbsent.start();
        }
    }

    private synchronized void onEvent(TopologyEvent event) {
        if (closed) {
            return;
        }
        if (event instanceof TopologyEvent.NoMaster noMaster
                && noMaster.previous().isPresent()) {
            lostMasterAt = event.at();
        } else if (event instanceof TopologyEvent.MasterChanged changed
                && changed.previous().isPresent()) {
            masterChanges.increment();
            failoverToNewMaster.record(
                    lostMasterAt != null ? Duration.between(lostMasterAt, event.at()) : changed.detection());
            lostMasterAt = null;
        } else if (event instanceof TopologyEvent.CredentialsRejected rejected) {
            credentialsRejected.tag("user", rejected.user()).register(registry).increment();
        } else if (event instanceof TopologyEvent.MasterRestored restored) {
            failoverToSameMaster.record(
                    lostMasterAt != null ? Duration.between(lostMasterAt, event.at()) : restored.outage());
            lostMasterAt = null;
        }
    }

    /** Stops recording; the meters stay registered with their last values. */
    @Override
    public synchronized void close() {
        closed = true;
        client.removeListener(listener);
        if (absence != null) {
            absence.stop();
            absence = null;
        }
    }
}
