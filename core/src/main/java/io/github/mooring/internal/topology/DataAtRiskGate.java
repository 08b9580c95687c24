package io.github.mooring.internal.topology;

import io.github.mooring.exceptions.DataAtRiskException;
import io.github.mooring.topology.DataAtRisk;
import io.github.mooring.topology.Topology;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What data at risk ({@link DataAtRisk}) does to writers, as the healer decides it: whether the master is withheld
 * (something will repair it: the healer in repair mode, or Sentinel's promotion), and whether writes that wait for it
 * fail at once instead (the {@code onDataAtRisk} policy, once its bound passed without a repair). Set on the healer's
 * thread; read by the monitor's rounds and by the connections.
 */
public final class DataAtRiskGate {

    private final Runnable changed;
    private volatile boolean withhold;
    private volatile String refusal; // why writes fail at once while the master is withheld, or null

    /** {@code changed} runs when what writers get may have changed (the monitor probes again). */
    DataAtRiskGate(boolean withhold, Runnable changed) {
        this.withhold = withhold;
        this.changed = changed;
    }

    /** Whether the master is withheld when data is at risk (publish no master; writes wait for the repair). */
    public boolean withholds() {
        return withhold;
    }

    public void withhold(boolean withhold) {
        if (this.withhold != withhold) {
            this.withhold = withhold;
            changed.run();
        }
    }

    /**
     * Writes that wait for the withheld master fail at once, with {@code why} (what is wrong and what to do), or wait
     * again when null.
     */
    public void refuseWrites(String why) {
        if (!Objects.equals(refusal, why)) {
            refusal = why;
            changed.run();
        }
    }

    /** Why writes fail at once while the master is withheld, or null while they wait. */
    public String refusalReason() {
        return refusal;
    }

    /** Why waiting for a master is pointless: writes are refused ({@link #refusal}), else {@code other}'s reason. */
    RuntimeException refusalOr(Topology topology, Supplier<RuntimeException> other) {
        return refusal(topology, "No master for writes")
                .map(RuntimeException.class::cast)
                .orElseGet(other);
    }

    /**
     * The failure for {@code what} (e.g. {@code "SET was not sent"}) while {@code topology} withholds its master and
     * writes are refused; empty otherwise (a master is there again, or writes wait).
     */
    public Optional<DataAtRiskException> refusal(Topology topology, String what) {
        String why = refusal;
        if (why == null || !topology.masterWithheld()) {
            return Optional.empty();
        }
        return Optional.of(new DataAtRiskException(
                topology.dataAtRisk().orElseThrow().holder().displayName(), what + ": " + why));
    }
}
