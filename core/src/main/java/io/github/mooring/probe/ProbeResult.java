package io.github.mooring.probe;

import io.github.mooring.discovery.Endpoint;
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
 */
public record ProbeResult(Endpoint endpoint, Instant probedAt, Duration latency, NodeReport report, String failure,
        Set<String> masterHostAddresses) {

    public ProbeResult {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(probedAt, "probedAt");
        Objects.requireNonNull(latency, "latency");
        if (latency.isNegative()) {
            throw new IllegalArgumentException("latency must not be negative, was " + latency);
        }
        if ((report == null) == (failure == null)) {
            throw new IllegalArgumentException("exactly one of report and failure must be given");
        }
        if (failure != null && failure.isBlank()) {
            throw new IllegalArgumentException("failure must say what failed");
        }
        // Sorted, so that equal results print alike in logs.
        masterHostAddresses = masterHostAddresses == null ? Set.of()
                : Collections.unmodifiableSet(new TreeSet<>(masterHostAddresses));
        if (!masterHostAddresses.isEmpty() && (report == null || report.role() != Role.REPLICA)) {
            throw new IllegalArgumentException("masterHostAddresses belong to replicas only");
        }
    }

    /** The pod answered; a replica's {@code master_host} was resolved to {@code masterHostAddresses}. */
    public static ProbeResult reached(Endpoint endpoint, Instant probedAt, Duration latency, NodeReport report,
            Set<String> masterHostAddresses) {
        return new ProbeResult(endpoint, probedAt, latency, Objects.requireNonNull(report, "report"), null,
                masterHostAddresses);
    }

    /** The pod answered; no {@code master_host} resolution was done. */
    public static ProbeResult reached(Endpoint endpoint, Instant probedAt, Duration latency, NodeReport report) {
        return reached(endpoint, probedAt, latency, report, Set.of());
    }

    /** The pod could not be asked; {@code failure} says why. */
    public static ProbeResult failed(Endpoint endpoint, Instant probedAt, Duration latency, String failure) {
        return new ProbeResult(endpoint, probedAt, latency, null, Objects.requireNonNull(failure, "failure"),
                Set.of());
    }

    /** Whether the pod answered with a report. */
    public boolean reachable() {
        return report != null;
    }
}
