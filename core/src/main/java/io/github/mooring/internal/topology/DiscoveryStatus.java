package io.github.mooring.internal.topology;

import io.github.mooring.discovery.DiscoveryException;
import io.github.mooring.discovery.EndpointSnapshot;
import java.util.Objects;

/**
 * What discovery has said lately, as the monitor keeps it between rounds. Immutable; each piece of news gives a new
 * status (pure transitions, no I/O).
 *
 * @param endpoints the latest endpoints; null until discovery reports any
 * @param error the problem discovery has now; null once it reports endpoints again
 * @param reportedError the message of the last problem reported to listeners (each is reported once)
 * @param sourceChangeReason the problem that may make the source change (auto: kubernetes to dns), kept until the
 *        switch has been reported or the source in use reports endpoints
 * @param lastingProblem a problem waiting cannot cure (Service or port not found, RBAC, NXDOMAIN), kept for
 *        {@code awaitMaster} to fail fast while no endpoint was ever seen
 * @param sawEndpoints whether discovery ever reported an endpoint
 * @param restoredReason why discovery went back to the source it prefers, kept until that change of source has been
 *        reported (a {@code SourceRestored} instead of a {@code SourceDegraded})
 */
record DiscoveryStatus(
        EndpointSnapshot endpoints,
        DiscoveryException error,
        String reportedError,
        String sourceChangeReason,
        DiscoveryException lastingProblem,
        boolean sawEndpoints,
        String restoredReason) {

    static DiscoveryStatus initial() {
        return new DiscoveryStatus(null, null, null, null, null, false, null);
    }

    /**
     * New endpoints: the end of the current problem. A problem that may have made the source change is kept when
     * the snapshot comes from another source than the published topology's (the switch is yet to be reported).
     */
    DiscoveryStatus withEndpoints(EndpointSnapshot snapshot, String publishedSource, boolean firstRoundDone) {
        boolean sameSource = !firstRoundDone || snapshot.source().equals(publishedSource);
        return new DiscoveryStatus(
                snapshot,
                null,
                null,
                sameSource ? null : sourceChangeReason,
                lastingProblem,
                sawEndpoints || !snapshot.endpoints().isEmpty(),
                restoredReason);
    }

    /** A problem: kept, and worth reporting when it says something new ({@link #isNew(DiscoveryException)}). */
    DiscoveryStatus withError(DiscoveryException problem) {
        Objects.requireNonNull(problem, "problem");
        return new DiscoveryStatus(
                endpoints,
                problem,
                problem.getMessage(),
                problem.getMessage(),
                isLasting(problem) ? problem : lastingProblem,
                sawEndpoints,
                restoredReason);
    }

    /** Whether {@code problem} differs from the one last reported. */
    boolean isNew(DiscoveryException problem) {
        return !problem.getMessage().equals(reportedError);
    }

    /** Why the source changed, for the {@code SourceDegraded} event. */
    String whySourceChanged() {
        return sourceChangeReason != null ? sourceChangeReason : error != null ? error.getMessage() : "source changed";
    }

    DiscoveryStatus sourceChangeReported() {
        return new DiscoveryStatus(endpoints, error, reportedError, null, lastingProblem, sawEndpoints, null);
    }

    /** The watch went back to the source it prefers: the next change of source is a restoration. */
    DiscoveryStatus withSourceRestored(String reason) {
        return new DiscoveryStatus(
                endpoints, error, reportedError, sourceChangeReason, lastingProblem, sawEndpoints, reason);
    }

    /**
     * The problem that makes waiting for a master pointless: one waiting cannot cure, from the source in use
     * ({@code activeSource}, null before the watch started), while no endpoint was ever seen. The auto source reports
     * why it left the Kubernetes API and then waits for DNS: a problem of a source no longer in use is no reason.
     */
    DiscoveryException reasonToStopWaiting(String activeSource) {
        if (lastingProblem == null || sawEndpoints) {
            return null;
        }
        boolean fromSourceInUse = activeSource == null
                || lastingProblem.source() == null
                || activeSource.startsWith(lastingProblem.source());
        return fromSourceInUse ? lastingProblem : null;
    }

    /** Problems that waiting does not cure: configuration or permissions. */
    static boolean isLasting(DiscoveryException problem) {
        return switch (problem.reason()) {
            case SERVICE_NOT_FOUND, PORT_NOT_FOUND, FORBIDDEN, NOT_RESOLVABLE -> true;
            default -> false;
        };
    }
}
