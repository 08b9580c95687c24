package io.github.mooring.probe;

import io.github.mooring.discovery.Endpoint;
import io.github.mooring.internal.Require;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The outcome of probing one endpoint: either the pod's {@link NodeReport} or why it could not be obtained.
 *
 * @param endpoint            the endpoint probed
 * @param probedAt            when the probe started
 * @param latency             how long the probe took (or ran until it failed)
 * @param report              what the pod said, or {@code null} when the probe failed
 * @param failure             why the probe failed, worded for user-facing errors (e.g. "connection refused",
 *                            "timed out after 500ms", "NOAUTH Authentication required"), or {@code null}
 * @param masterHostAddresses the IPs a replica's {@code master_host} resolved to (just that IP when it is one);
 *                            empty when the pod is no replica or the name did not resolve
 * @param sentinelLinks       how many Sentinels monitor the pod: each one that does keeps a subscription to its
 *                            {@code __sentinel__:hello} channel ({@code PUBSUB NUMSUB}); -1 when unknown (the probe
 *                            failed, or the pod would not answer that command)
 */
public record ProbeResult(
        Endpoint endpoint,
        Instant probedAt,
        Duration latency,
        NodeReport report,
        String failure,
        Set<String> masterHostAddresses,
        int sentinelLinks) {

    /** {@link #sentinelLinks()} when the pod was not asked, or did not say. */
    public static final int UNKNOWN_SENTINEL_LINKS = -1;

    public ProbeResult {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(probedAt, "probedAt");
        Objects.requireNonNull(latency, "latency");
        Require.zeroOrPositive(latency, "latency");
        if ((report == null) == (failure == null)) {
            throw new IllegalArgumentException("exactly one of report and failure must be given");
        }
        if (failure != null && failure.isBlank()) {
            throw new IllegalArgumentException("failure must say what failed");
        }
        // Sorted, so that equal results print alike in logs.
        masterHostAddresses = masterHostAddresses == null
                ? Set.of()
                : Collections.unmodifiableSet(new TreeSet<>(masterHostAddresses));
        if (!masterHostAddresses.isEmpty() && (report == null || report.role() != Role.REPLICA)) {
            throw new IllegalArgumentException("masterHostAddresses belong to replicas only");
        }
        if (sentinelLinks < UNKNOWN_SENTINEL_LINKS || report == null && sentinelLinks != UNKNOWN_SENTINEL_LINKS) {
            throw new IllegalArgumentException(
                    "sentinelLinks must be -1 (unknown) or a count of a pod that answered," + " was " + sentinelLinks);
        }
    }

    /**
     * The pod answered; a replica's {@code master_host} was resolved to {@code masterHostAddresses}, and
     * {@code sentinelLinks} Sentinels monitor it (-1: unknown).
     */
    public static ProbeResult reached(
            Endpoint endpoint,
            Instant probedAt,
            Duration latency,
            NodeReport report,
            Set<String> masterHostAddresses,
            int sentinelLinks) {
        return new ProbeResult(
                endpoint,
                probedAt,
                latency,
                Objects.requireNonNull(report, "report"),
                null,
                masterHostAddresses,
                sentinelLinks);
    }

    /** The pod answered; a replica's {@code master_host} was resolved to {@code masterHostAddresses}. */
    public static ProbeResult reached(
            Endpoint endpoint, Instant probedAt, Duration latency, NodeReport report, Set<String> masterHostAddresses) {
        return reached(endpoint, probedAt, latency, report, masterHostAddresses, UNKNOWN_SENTINEL_LINKS);
    }

    /** The pod answered; no {@code master_host} resolution was done. */
    public static ProbeResult reached(Endpoint endpoint, Instant probedAt, Duration latency, NodeReport report) {
        return reached(endpoint, probedAt, latency, report, Set.of());
    }

    /** The pod could not be asked; {@code failure} says why. */
    public static ProbeResult failed(Endpoint endpoint, Instant probedAt, Duration latency, String failure) {
        return new ProbeResult(
                endpoint,
                probedAt,
                latency,
                null,
                Objects.requireNonNull(failure, "failure"),
                Set.of(),
                UNKNOWN_SENTINEL_LINKS);
    }

    /** Whether the pod answered with a report. */
    public boolean reachable() {
        return report != null;
    }

    /** Whether the pod said that at least one Sentinel monitors it. */
    public boolean monitoredBySentinels() {
        return sentinelLinks > 0;
    }
}
