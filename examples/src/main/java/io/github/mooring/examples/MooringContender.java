package io.github.mooring.examples;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.mooring.MooringClient;
import io.github.mooring.MooringOptions;
import io.github.mooring.discovery.KubernetesSource;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.topology.TopologyEvent;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.time.Duration;
import java.util.function.Consumer;

/** The application as Mooring connects it: by Service name, following the master the Kubernetes API points to. */
final class MooringContender implements Contender {

    private final KubernetesClient kubernetes;
    private final MooringClient client;
    private final StatefulRedisConnection<String, String> connection;

    private MooringContender(KubernetesClient kubernetes, MooringClient client) {
        this.kubernetes = kubernetes;
        this.client = client;
        this.connection = client.connect();
    }

    /**
     * Connects through the namespace's API server, as an application pod's service account would, and tells
     * {@code narrator} what Mooring notices.
     */
    static MooringContender connect(
            SimulatedNamespace ns,
            RedisStatefulSet set,
            Duration timeout,
            PodLabels labels,
            Consumer<String> narrator) {
        KubernetesClient kubernetes = ns.api().newClient();
        MooringClient client;
        try {
            client = MooringClient.create(MooringOptions.builder()
                    .service(set.name())
                    .namespace(ns.name())
                    .source(KubernetesSource.builder().client(kubernetes).build())
                    // The same per-write patience as the plain client: a write waits for a new master at most this
                    // long.
                    .redisUri(RedisURI.builder()
                            .withHost(set.serviceDnsName())
                            .withTimeout(timeout)
                            .build())
                    .build());
        } catch (RuntimeException e) {
            kubernetes.close();
            throw e;
        }
        try {
            MooringContender contender = new MooringContender(kubernetes, client);
            client.addListener(event -> narrator.accept(describe(event, labels)));
            return contender;
        } catch (RuntimeException e) {
            client.close();
            kubernetes.close();
            throw e;
        }
    }

    @Override
    public String name() {
        return "Mooring";
    }

    @Override
    public RedisAsyncCommands<String, String> commands() {
        return connection.async();
    }

    @Override
    public String believedMaster(PodLabels labels) {
        return client.topology()
                .master()
                .map(node -> labels.label(node.endpoint().host()))
                .orElse("(no master: writes wait)");
    }

    @Override
    public boolean reportsFateUnknown() {
        return true;
    }

    @Override
    public void close() {
        try {
            client.close();
        } finally {
            kubernetes.close();
        }
    }

    /** One short line per event; the labels carry no role here, as roles may have changed since the last refresh. */
    private static String describe(TopologyEvent event, PodLabels labels) {
        String what;
        if (event instanceof TopologyEvent.MasterChanged changed) {
            what = "master is now " + labels.name(changed.master().endpoint().host()) + " ("
                    + firstClause(changed.reason()) + "; noticed in "
                    + changed.detection().toMillis()
                    + " ms); writes go there";
        } else if (event instanceof TopologyEvent.NoMaster none) {
            what = "no master (" + upTo(none.reason(), ':') + "); writes wait";
        } else if (event instanceof TopologyEvent.MasterRestored restored) {
            what = "master " + labels.name(restored.master().endpoint().host()) + " is back after "
                    + restored.outage().toMillis() + " ms";
        } else if (event instanceof TopologyEvent.StaleReplicaDetected stale) {
            what = "replica "
                    + labels.name(stale.staleReplica().replica().endpoint().host()) + " is stale: it follows "
                    + labels.name(hostOf(stale.staleReplica().follows()));
        } else if (event instanceof TopologyEvent.SplitBrainDetected split) {
            what = "split brain: " + split.splitBrain();
        } else {
            what = event.toString();
        }
        return "Mooring: " + what;
    }

    /** The first part of a reason: {@code "redis-0 (10.0.0.1:6379) is no longer an endpoint"}. */
    private static String firstClause(String reason) {
        return upTo(reason, ';');
    }

    private static String upTo(String text, char end) {
        int at = text.indexOf(end);
        return at < 0 ? text : text.substring(0, at);
    }

    /** {@code 10.0.0.1:6379} to {@code 10.0.0.1}. */
    private static String hostOf(String address) {
        int colon = address.lastIndexOf(':');
        return colon > 0 ? address.substring(0, colon) : address;
    }
}
