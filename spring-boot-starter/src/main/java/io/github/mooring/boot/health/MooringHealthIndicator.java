package io.github.mooring.boot.health;

import io.github.mooring.MooringClient;
import io.github.mooring.boot.TopologyHistory;
import io.github.mooring.topology.Node;
import io.github.mooring.topology.Topology;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * Health of the Redis replication group a {@link MooringClient} follows. It reads the latest topology (no Redis call
 * of its own), so it is cheap enough for any probe period.
 * <ul>
 * <li>{@code UP}: a master is elected; details name it (pod and address), the discovery source, the replicas, and
 * anything wrong that does not stop writes: stale replicas, a split brain (several pods claiming master, one
 * chosen), unreachable pods.</li>
 * <li>{@code OUT_OF_SERVICE}: no master for less than the failover wait: a failover is in progress, and commands wait
 * for the next master (they will complete once it is there). Details say why and since when.</li>
 * <li>{@code DOWN}: no master for longer than the failover wait: commands fail with {@code NoMasterException} until a
 * master appears. Details say why and since when. Also at once, without waiting, when there is no master and a pod
 * refuses the application's credentials: commands then fail at once with {@code CredentialsRejectedException}.</li>
 * </ul>
 * Pods that refuse the credentials are listed under {@code credentialsRejected} (pod, user and the pod's reply, never
 * the secret) whatever the status: while the master refuses them, connections already authenticated keep working
 * (the status stays {@code UP}), but new ones cannot be opened.
 * Both non-UP states map to HTTP 503 on the health endpoint. Include {@code mooring} in a readiness group if the
 * application cannot serve without Redis; never in liveness, since restarting the application brings no master back.
 */
public class MooringHealthIndicator extends AbstractHealthIndicator {

    private final MooringClient client;

    private final TopologyHistory history;

    /**
     * @param client the client whose topology is reported
     * @param history when the master went missing, recorded from the client's events
     */
    public MooringHealthIndicator(MooringClient client, TopologyHistory history) {
        super("Mooring health check failed");
        this.client = client;
        this.history = history;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        Topology topology = client.topology();
        builder.withDetail("service", client.options().service())
                .withDetail("namespace", client.options().namespace())
                .withDetail("source", topology.source())
                .withDetail("topologyVersion", topology.version());
        if (topology.master().isPresent()) {
            Node master = topology.master().get();
            builder.up()
                    .withDetail(
                            "master",
                            master.endpoint().podName() != null
                                    ? master.endpoint().podName()
                                    : master.address())
                    .withDetail("address", master.address())
                    .withDetail("replicas", topology.replicas().size());
        } else {
            Instant now = Instant.now();
            Instant since = history.noMasterSince().orElse(now);
            Duration without = Duration.between(since, now);
            Duration failoverWait = client.options().failoverWait();
            if (without.compareTo(failoverWait) < 0
                    && topology.credentialsRefusal().isEmpty()) {
                builder.outOfService();
            } else {
                builder.down();
            }
            builder.withDetail("reason", topology.noMasterReason().orElse("no master"))
                    .withDetail("noMasterSince", since.toString())
                    .withDetail("failoverWait", failoverWait.toString());
        }
        if (!topology.staleReplicas().isEmpty()) {
            builder.withDetail(
                    "staleReplicas",
                    topology.staleReplicas().stream()
                            .map(stale -> stale.replica().displayName() + " follows " + stale.follows() + " ("
                                    + stale.reason() + ")")
                            .toList());
        }
        topology.dataAtRisk()
                .ifPresent(risk -> builder.withDetail(
                        "dataAtRisk",
                        risk.description()
                                + (topology.masterWithheld() ? "; writes wait for the healer's repair" : "")));
        client.healer().ifPresent(healer -> builder.withDetail(HealerDetail.KEY, HealerDetail.of(healer)));
        topology.splitBrain().ifPresent(split -> {
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("chosen", split.winner().displayName());
            details.put("others", split.losers().stream().map(Node::displayName).toList());
            details.put("decidedBy", split.decidedBy());
            builder.withDetail("splitBrain", details);
        });
        List<String> unreachable = topology.unreachable().stream()
                .map(result -> result.endpoint().displayName() + ": "
                        + (result.failure() != null
                                ? result.failure()
                                : result.report().role()))
                .toList();
        if (!unreachable.isEmpty()) {
            builder.withDetail("unreachable", unreachable);
        }
        List<String> refusing = topology.credentialsRejected().stream()
                .map(result ->
                        result.endpoint().displayName() + ": user " + result.rejectedUser() + ": " + result.failure())
                .toList();
        if (!refusing.isEmpty()) {
            builder.withDetail("credentialsRejected", refusing);
        }
        history.lastChange()
                .ifPresent(change -> builder.withDetail(
                        "lastChange", change.at() + " " + change.event() + ": " + change.description()));
    }
}
