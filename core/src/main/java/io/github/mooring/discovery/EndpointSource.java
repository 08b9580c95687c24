package io.github.mooring.discovery;

/**
 * Where the candidate pods of a Service come from. A source is an immutable description; {@link #watch} starts
 * discovering one Service and keeps the listener informed until the watch is closed.
 * <p>
 * Implementations: {@link #auto()} (the default: Kubernetes API, else DNS), {@link #kubernetes()}, {@link #dns()},
 * {@link #staticNodes(String...)}. Applications with another registry can implement this interface.
 */
public interface EndpointSource {

    /** A short name for logs and topology snapshots: {@code kubernetes}, {@code dns}, {@code static}, {@code auto}. */
    String name();

    /**
     * Starts discovering {@code service}. The first snapshot may arrive before this method returns or later;
     * problems arrive as {@link EndpointListener#onError} and never end the watch.
     */
    EndpointWatch watch(ServiceRef service, EndpointListener listener);

    /** The Kubernetes API when allowed, cluster DNS otherwise. */
    static EndpointSource auto() {
        return AutoSource.defaults();
    }

    /** Kubernetes API with default settings; see {@link KubernetesSource#builder()} for others. */
    static KubernetesSource kubernetes() {
        return KubernetesSource.builder().build();
    }

    /** Cluster DNS with default settings; see {@link DnsSource#builder()} for others. */
    static DnsSource dns() {
        return DnsSource.builder().build();
    }

    /** A fixed list of {@code host:port}. */
    static StaticSource staticNodes(String... hostAndPorts) {
        return StaticSource.of(hostAndPorts);
    }
}
