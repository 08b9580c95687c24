package io.github.mooring.topology;

import io.github.mooring.discovery.Endpoint;
import io.github.mooring.probe.NodeReport;
import java.util.Objects;

/**
 * A pod that answered a probe: where it is and what it said.
 *
 * @param endpoint where the pod is
 * @param report   what it reported about itself
 */
public record Node(Endpoint endpoint, NodeReport report) {

    public Node {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(report, "report");
    }

    /** {@code host:port} of the pod. */
    public String address() {
        return endpoint.address();
    }

    /** {@code redis-0 (10.1.2.3:6379)}, or the address alone when the pod name is unknown. */
    public String displayName() {
        return endpoint.displayName();
    }
}
