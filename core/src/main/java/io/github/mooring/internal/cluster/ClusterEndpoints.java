package io.github.mooring.internal.cluster;

import io.github.mooring.discovery.DiscoveryException;
import io.github.mooring.discovery.Endpoint;
import io.github.mooring.discovery.EndpointListener;
import io.github.mooring.discovery.EndpointSnapshot;
import io.lettuce.core.RedisURI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Service's current endpoints as Lettuce refresh sources: every endpoint that is not terminating, ready or not (a
 * node answers {@code CLUSTER NODES} before its readiness probe passes, and says where it is). Tells its listener of
 * every change.
 */
public final class ClusterEndpoints implements EndpointListener {

    private static final Logger log = LoggerFactory.getLogger("io.github.mooring.topology");

    private final RedisURI connectionSettings;
    private volatile EndpointSnapshot snapshot;
    private volatile DiscoveryException lastProblem;
    private volatile Runnable onChange = () -> {};

    /** {@code connectionSettings}: credentials, TLS, timeouts every source's URI carries (its host and port are not used). */
    public ClusterEndpoints(RedisURI connectionSettings) {
        this.connectionSettings = connectionSettings;
    }

    /** What runs after every change of the endpoints (on the source's thread: it must not block). */
    public void onChange(Runnable onChange) {
        this.onChange = onChange;
    }

    @Override
    public void onEndpoints(EndpointSnapshot snapshot) {
        EndpointSnapshot before = this.snapshot;
        synchronized (this) {
            this.snapshot = snapshot;
            notifyAll();
        }
        if (!snapshot.sameEndpoints(before)) {
            onChange.run();
        }
    }

    @Override
    public void onError(DiscoveryException error) {
        lastProblem = error;
        log.debug("endpoint source: {}", error.getMessage());
    }

    /** The refresh sources: one URI per endpoint that is not terminating, in the snapshot's order. */
    public List<RedisURI> sources() {
        return endpoints().stream().map(this::uri).toList();
    }

    /** The current endpoints that are not terminating (pod names and all), in the snapshot's order. */
    public List<Endpoint> endpoints() {
        EndpointSnapshot current = snapshot;
        if (current == null) {
            return List.of();
        }
        return current.endpoints().stream()
                .filter(endpoint -> !endpoint.terminating())
                .toList();
    }

    /** The current endpoint at {@code address} ({@code host:port}, canonical), or one without a pod name. */
    public Endpoint endpointAt(String host, int port) {
        String address = Endpoint.address(host, port);
        return endpoints().stream()
                .filter(endpoint -> endpoint.address().equals(address))
                .findFirst()
                .orElseGet(() -> Endpoint.of(host, port));
    }

    /** Waits until some endpoint is known; returns the sources, or empty when none came within {@code timeout}. */
    public synchronized List<RedisURI> awaitSources(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (sources().isEmpty()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return List.of();
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return sources();
    }

    /** The source's last problem, if it reported one. */
    public Optional<DiscoveryException> lastProblem() {
        return Optional.ofNullable(lastProblem);
    }

    private RedisURI uri(Endpoint endpoint) {
        return RedisURI.builder(connectionSettings)
                .withHost(endpoint.host())
                .withPort(endpoint.port())
                .build();
    }
}
