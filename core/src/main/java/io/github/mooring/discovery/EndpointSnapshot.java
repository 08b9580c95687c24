package io.github.mooring.discovery;

import java.time.Instant;
import java.util.List;

/**
 * Everything a source knows about the Service's endpoints at one moment: a full replacement, never a delta.
 *
 * @param source the source that produced it ({@code kubernetes}, {@code kubernetes (endpoints)}, {@code dns}, ...)
 * @param endpoints every endpoint, ready or not
 * @param observedAt when the source learned it
 * @param nanoTime {@link System#nanoTime()} at the same moment, to measure how long reacting took
 */
public record EndpointSnapshot(String source, List<Endpoint> endpoints, Instant observedAt, long nanoTime) {

    public EndpointSnapshot {
        endpoints = List.copyOf(endpoints);
    }

    public static EndpointSnapshot now(String source, List<Endpoint> endpoints) {
        return new EndpointSnapshot(source, endpoints, Instant.now(), System.nanoTime());
    }

    /** The endpoints worth probing: ready and not terminating. */
    public List<Endpoint> candidates() {
        return endpoints.stream().filter(e -> e.ready() && !e.terminating()).toList();
    }

    /** Whether {@code other} lists the same endpoints in the same states (ignoring when). */
    public boolean sameEndpoints(EndpointSnapshot other) {
        return other != null && other.endpoints.size() == endpoints.size() && other.endpoints.containsAll(endpoints);
    }
}
