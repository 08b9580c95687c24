package io.github.mooring.topology;

import io.github.mooring.internal.Require;
import io.github.mooring.probe.ProbeResult;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One immutable snapshot of the replication group, as the monitor publishes it: the {@link Election} of one probe
 * round, what every pod reported, when, and from which discovery source. Each published snapshot has a higher
 * version than the one before.
 *
 * @param version    0 before the first probe round, then increasing by snapshot
 * @param observedAt when the probe round ran ({@link Instant#EPOCH} for the {@linkplain #initial initial} snapshot)
 * @param source     the discovery source that named the endpoints, e.g. "kubernetes", "dns", "static"
 * @param election   the outcome of the election over {@code reports}
 * @param reports    every probe result of the round
 * @param dataAtRisk present when the elected master is empty (or far behind) while a stale replica holds the data
 * @param masterWithheld whether the elected master is withheld from clients because of {@code dataAtRisk} (the
 *                   healer's repair mode): then {@link #master()} is empty and writes wait for the repair
 */
public record Topology(
        long version,
        Instant observedAt,
        String source,
        Election election,
        List<ProbeResult> reports,
        Optional<DataAtRisk> dataAtRisk,
        boolean masterWithheld) {

    public Topology {
        Require.zeroOrPositive(version, "version");
        Objects.requireNonNull(observedAt, "observedAt");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(election, "election");
        reports = List.copyOf(reports);
        Objects.requireNonNull(dataAtRisk, "dataAtRisk");
        if (masterWithheld && dataAtRisk.isEmpty()) {
            throw new IllegalArgumentException("a master is withheld only when data is at risk");
        }
    }

    /** A snapshot without a data-at-risk assessment. */
    public Topology(long version, Instant observedAt, String source, Election election, List<ProbeResult> reports) {
        this(version, observedAt, source, election, reports, Optional.empty(), false);
    }

    /** The snapshot before any probe round has completed: version 0, no master. */
    public static Topology initial(String source) {
        Election none = new Election(
                Optional.empty(),
                List.of(),
                List.of(),
                List.of(),
                Optional.empty(),
                "no probe round has completed yet");
        return new Topology(0, Instant.EPOCH, source, none, List.of());
    }

    /** The master clients should write to, if any (none while an empty master is withheld). */
    public Optional<Node> master() {
        return masterWithheld ? Optional.empty() : election.master();
    }

    /** Whether there is a master to write to. */
    public boolean hasMaster() {
        return master().isPresent();
    }

    /** Every replica, stale ones included. */
    public List<Node> replicas() {
        return election.replicas();
    }

    /** Replicas that do not replicate from the master. */
    public List<StaleReplica> staleReplicas() {
        return election.staleReplicas();
    }

    /** Endpoints that took no part in the election (probe failed, Sentinel, master loading or terminating). */
    public List<ProbeResult> unreachable() {
        return election.unreachable();
    }

    /** Endpoints that refused the probe's credentials: up, but they would not say what they are. */
    public List<ProbeResult> credentialsRejected() {
        return election.credentialsRejected();
    }

    /**
     * The refusal that stands between writers and the master, if any: the master's, when it refuses the credentials
     * Mooring has (connections already authenticated to it go on working; new ones cannot authenticate), or, while
     * there is no master, that of the first pod that refuses them (the master may well be among them). Writes that
     * need a new connection fail at once with it instead of waiting for a master.
     */
    public Optional<ProbeResult> credentialsRefusal() {
        List<ProbeResult> rejected = credentialsRejected();
        if (rejected.isEmpty()) {
            return Optional.empty();
        }
        Optional<Node> master = master();
        if (master.isEmpty()) {
            return masterWithheld ? Optional.empty() : Optional.of(rejected.get(0));
        }
        String address = master.get().address();
        return rejected.stream()
                .filter(result -> result.endpoint().address().equals(address))
                .findFirst();
    }

    /** Present when several pods claimed to be master. */
    public Optional<SplitBrain> splitBrain() {
        return election.splitBrain();
    }

    /** Why there is no master; empty when there is one. */
    public Optional<String> noMasterReason() {
        if (masterWithheld) {
            DataAtRisk risk = dataAtRisk.orElseThrow();
            return Optional.of("data at risk: " + risk.description() + "; writes wait until "
                    + risk.holder().displayName() + " is promoted (REPLICAOF NO ONE) and the others follow it");
        }
        return Optional.ofNullable(election.noMasterReason());
    }

    /**
     * One log line, e.g. {@code Topology v7 (kubernetes): master redis-1 (10.0.0.2:6379), 2 replicas (1 stale),
     * 0 unreachable, split brain with 1 other master (succession)}.
     */
    @Override
    public String toString() {
        StringBuilder line = new StringBuilder("Topology v")
                .append(version)
                .append(" (")
                .append(source)
                .append("): ")
                .append(master().map(master -> "master " + master.displayName())
                        .orElseGet(() -> "no master (" + noMasterReason().orElse("") + ")"))
                .append(", ")
                .append(count(replicas().size(), "replica"));
        if (!staleReplicas().isEmpty()) {
            line.append(" (").append(staleReplicas().size()).append(" stale)");
        }
        line.append(", ").append(unreachable().size()).append(" unreachable");
        if (!credentialsRejected().isEmpty()) {
            line.append(", ").append(credentialsRejected().size()).append(" refusing the credentials");
        }
        dataAtRisk.ifPresent(risk -> line.append(", DATA AT RISK: ").append(risk.description()));
        splitBrain()
                .ifPresent(split -> line.append(", split brain with ")
                        .append(count(split.losers().size(), "other master"))
                        .append(" (")
                        .append(split.decidedBy())
                        .append(')'));
        return line.toString();
    }

    private static String count(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }
}
