package io.github.mooring.internal.topology;

import io.github.mooring.discovery.ServiceRef;
import io.github.mooring.topology.DataAtRisk;
import io.github.mooring.topology.Node;
import io.github.mooring.topology.SplitBrain;
import io.github.mooring.topology.StaleReplica;
import io.github.mooring.topology.TopologyEvent;
import java.util.stream.Collectors;
import org.slf4j.Logger;

/** The log line each topology event deserves: changes an operator must act on at WARN, recoveries at INFO. */
public final class TopologyEventLog {

    private TopologyEventLog() {}

    /** Logs {@code event} of {@code service}'s topology as it deserves (also used for a Redis Cluster's events). */
    public static void log(Logger log, ServiceRef service, TopologyEvent event) {
        if (event instanceof TopologyEvent.SourceDegraded e) {
            log.warn("{}: discovery moved from {} to {}: {}", service, e.from(), e.to(), e.reason());
        } else if (event instanceof TopologyEvent.SourceRestored e) {
            log.info("{}: discovery is back from {} to {}: {}", service, e.from(), e.to(), e.reason());
        } else if (event instanceof TopologyEvent.MasterRestored e) {
            log.info(
                    "{}: master {} is back after {} ms without master",
                    service,
                    e.master().displayName(),
                    e.outage().toMillis());
        } else if (event instanceof TopologyEvent.MasterChanged e) {
            log.info(
                    "{}: master is now {} ({}; noticed by {} in {} ms)",
                    service,
                    e.master().displayName(),
                    e.reason(),
                    e.trigger(),
                    e.detection().toMillis());
        } else if (event instanceof TopologyEvent.NoMaster e) {
            log.warn("{}: no master: {}", service, e.reason());
        } else if (event instanceof TopologyEvent.DataAtRiskDetected e) {
            DataAtRisk risk = e.dataAtRisk();
            log.warn(
                    "{}: DATA AT RISK: {}. Fix: REPLICAOF NO ONE on {}, then REPLICAOF {} {} on the others{}",
                    service,
                    risk.description(),
                    risk.holder().displayName(),
                    risk.holder().endpoint().host(),
                    risk.holder().endpoint().port(),
                    e.topology().masterWithheld() ? " (writes wait meanwhile)" : "");
        } else if (event instanceof TopologyEvent.SplitBrainDetected e) {
            SplitBrain split = e.splitBrain();
            log.warn(
                    "{}: split brain: {} report master; writes go to {} ({}), not to {}",
                    service,
                    split.losers().size() + 1,
                    split.winner().displayName(),
                    split.decidedBy(),
                    split.losers().stream().map(Node::displayName).collect(Collectors.joining(", ")));
        } else if (event instanceof TopologyEvent.CredentialsRejected e) {
            log.warn(
                    "{}: {} refused the credentials of user {}: {}. Connections already authenticated to it keep"
                            + " working; writes that need a new connection fail at once (CredentialsRejectedException)"
                            + " until the RedisURI's credentials are the pods' current ones",
                    service,
                    e.pod().displayName(),
                    e.user(),
                    e.reason());
        } else if (event instanceof TopologyEvent.StaleReplicaDetected e) {
            StaleReplica stale = e.staleReplica();
            log.warn(
                    "{}: replica {} is stale ({}): it follows {}",
                    service,
                    stale.replica().displayName(),
                    stale.reason(),
                    stale.follows());
        }
        // DiscoveryFailed: the source logs its own problems, once each.
    }
}
