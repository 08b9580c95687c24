package io.github.mooring.internal.probe;

import io.github.mooring.discovery.Endpoint;
import io.github.mooring.probe.ProbeResult;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Asks pods what they are, for the topology monitor. {@link RoleProber} does it over Lettuce; tests and tools may
 * supply their own.
 */
public interface Prober extends AutoCloseable {

    /** Probes every endpoint at once; completes when all have answered or failed, never exceptionally. */
    CompletableFuture<List<ProbeResult>> probe(Collection<Endpoint> endpoints);

    /** Forgets (and closes connections to) pods that are no longer endpoints. */
    void retain(Collection<Endpoint> endpoints);

    @Override
    void close();
}
