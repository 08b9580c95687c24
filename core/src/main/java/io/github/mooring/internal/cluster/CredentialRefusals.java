package io.github.mooring.internal.cluster;

import io.github.mooring.probe.ProbeResult;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which pods of a Redis Cluster refuse the client's credentials now, by address: a probe that was refused for them
 * puts a pod here, a probe or a topology view that authenticated takes it out. A refusal is its own state, never
 * "unreachable": it cuts no connection and changes no topology, it only lets commands that need a new connection to
 * that pod fail at once. Thread-safe.
 */
public final class CredentialRefusals {

    private final Map<String, ProbeResult> byAddress = new ConcurrentHashMap<>();

    /**
     * What a probe of a pod says about its credentials: returns the refusal when the pod has just started refusing
     * (raise the event once), empty otherwise (still refusing, accepting again, or not reached at all: an unreachable
     * pod says nothing about credentials and leaves what was known).
     */
    public Optional<ProbeResult> record(ProbeResult probe) {
        String address = probe.endpoint().address();
        if (probe.credentialsRejected()) {
            return byAddress.put(address, probe) == null ? Optional.of(probe) : Optional.empty();
        }
        if (probe.reachable()) {
            byAddress.remove(address);
        }
        return Optional.empty();
    }

    /** The pod at {@code address} authenticated (a topology view came from it): it refuses nothing now. */
    public void accepted(String address) {
        byAddress.remove(address);
    }

    /** The standing refusal of the pod at {@code address} ({@code host:port}, canonical), if it refuses. */
    public Optional<ProbeResult> at(String address) {
        return Optional.ofNullable(byAddress.get(address));
    }

    /** Every standing refusal. */
    public List<ProbeResult> all() {
        return List.copyOf(byAddress.values());
    }
}
