package io.github.mooring.discovery;

/**
 * Receives what an {@link EndpointWatch} learns. Calls come from the source's own thread, one at a time.
 */
public interface EndpointListener {

    /** The Service's endpoints changed (or were listed for the first time). */
    void onEndpoints(EndpointSnapshot snapshot);

    /**
     * The source has a problem. The last snapshot stays valid: a source that recovers (a watch reconnects, a DNS
     * query succeeds again) sends a new snapshot.
     */
    void onError(DiscoveryException error);

    /**
     * The watch went back to the source it prefers after standing in with another (the auto source: the Kubernetes
     * API again after DNS). Called before the first snapshot of {@code source}.
     *
     * @param source the source in use from now on ({@code kubernetes})
     * @param reason why it could go back, in words
     */
    default void onSourceRestored(String source, String reason) {}
}
