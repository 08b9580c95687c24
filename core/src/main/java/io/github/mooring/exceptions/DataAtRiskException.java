package io.github.mooring.exceptions;

import java.util.Objects;

/**
 * A write was not sent because the master that Kubernetes left behind is empty (or far behind) while a replica still
 * holds the data, no repair came within the healer's bound, and the {@code onDataAtRisk} policy is to fail writes
 * rather than build on the empty master ({@code HealerSettings.Builder#onDataAtRisk}). Nothing was applied. The
 * message names the pods and the fix: promote the replica that holds the data (the healer does it when it leads; an
 * operator can), after which writes go out again by themselves; or choose to write to the empty master.
 */
public class DataAtRiskException extends MooringException {

    private static final long serialVersionUID = 1L;

    private final String holder;

    /**
     * @param holder the pod that holds the data, e.g. {@code redis-1 (10.0.0.2:6379)}
     * @param message the whole message: what is wrong, why writes fail, and what to do
     */
    public DataAtRiskException(String holder, String message) {
        super(message);
        this.holder = Objects.requireNonNull(holder, "holder");
    }

    /** The pod that holds the data, the one to promote. */
    public String holder() {
        return holder;
    }
}
