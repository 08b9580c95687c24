package io.github.mooring.internal.probe;

import io.github.mooring.discovery.Endpoint;
import io.github.mooring.probe.ProbeResult;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Asks pods what they are, for the topology monitor. {@link RoleProber} does it over Lettuce; tests and tools may
 * supply their own.
 */
public interface Prober extends AutoCloseable {

    /** Probes every endpoint at once; completes when all have answered or failed, never exceptionally. */
    CompletableFuture<List<ProbeResult>> probe(Collection<Endpoint> endpoints);

    /** Forgets (and closes connections to) pods that are no longer endpoints. */
    void retain(Collection<Endpoint> endpoints);

    /**
     * Closes the kept connection to the pod at {@code address} ({@code host:port}), if any: its next probe connects and
     * authenticates anew, and so meets what a new client would (an application connection was just refused there).
     */
    default void reconnect(String address) {}

    /**
     * Tells {@code listener}, on any thread, the address ({@code host:port}) of a pod that closed the kept probe
     * connection (a crash, a restart, {@code CLIENT KILL}): something may have changed there, worth a round now. Not
     * called for connections the prober closes itself. It must not block.
     */
    default void onConnectionLost(Consumer<String> listener) {}

    /**
     * How long one probe of a pod may take before the pod is reported as not answering; connections suspect their
     * master when a reply is overdue by as much ({@code OverdueRules}).
     */
    default Duration timeout() {
        return ProbeSettings.DEFAULT_TIMEOUT;
    }

    @Override
    void close();
}
