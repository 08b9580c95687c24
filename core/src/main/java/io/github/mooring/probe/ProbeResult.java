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
 * @param rejectedUser        the user whose credentials the pod refused ({@code WRONGPASS}, {@code NOAUTH},
 *                            {@code NOPERM}, also during the connection's handshake), {@code "default"} when no user
 *                            name was given; {@code null} when the probe was not refused for its credentials. A pod
 *                            that refuses the credentials is up: it is never taken for unreachable
 */
public record ProbeResult(
        Endpoint endpoint,
        Instant probedAt,
        Duration latency,
        NodeReport report,
        String failure,
        Set<String> masterHostAddresses,
        int sentinelLinks,
        String rejectedUser) {

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
        if (rejectedUser != null && failure == null) {
            throw new IllegalArgumentException("rejectedUser belongs to failed probes only");
        }
    }

    /** A result that was not refused for its credentials. */
    public ProbeResult(
            Endpoint endpoint,
            Instant probedAt,
            Duration latency,
            NodeReport report,
            String failure,
            Set<String> masterHostAddresses,
            int sentinelLinks) {
        this(endpoint, probedAt, latency, report, failure, masterHostAddresses, sentinelLinks, null);
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

    /**
     * The pod refused the probe's credentials: {@code failure} says how (the server's reply, never the secret),
     * {@code user} whose (the user name, or {@code "default"}).
     */
    public static ProbeResult credentialsRejected(
            Endpoint endpoint, Instant probedAt, Duration latency, String failure, String user) {
        return new ProbeResult(
                endpoint,
                probedAt,
                latency,
                null,
                Objects.requireNonNull(failure, "failure"),
                Set.of(),
                UNKNOWN_SENTINEL_LINKS,
                Objects.requireNonNull(user, "user"));
    }

    /** Whether the pod refused the probe's credentials (it is up, but would not say what it is). */
    public boolean credentialsRejected() {
        return rejectedUser != null;
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
