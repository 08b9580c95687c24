package io.github.mooring.discovery;

import java.util.Optional;

/** A running discovery of one Service's endpoints, started by {@link EndpointSource#watch}. */
public interface EndpointWatch extends AutoCloseable {

    /** The last snapshot delivered, if any. */
    Optional<EndpointSnapshot> current();

    /**
     * Asks the source to look again now, e.g. before a probe round. Sources that are pushed to (a Kubernetes
     * watch) ignore it; polling sources (DNS, static hostnames) query at once.
     */
    void refresh();

    /**
     * Like {@link #refresh()}, when the caller has reason to think the source missed a change (no pod is master,
     * the connection layer suspects the master): sources that rate-limit their checks check sooner.
     */
    default void refreshUrgently() {
        refresh();
    }

    /** The source at work now, as topology snapshots report it ({@code kubernetes}, {@code dns}, ...). */
    String sourceName();

    /** Stops watching; no listener calls follow. */
    @Override
    void close();
}
