package io.github.mooring.healer;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.mooring.discovery.DiscoveryException;
import io.github.mooring.discovery.Endpoint;
import io.github.mooring.discovery.EndpointListener;
import io.github.mooring.discovery.EndpointSnapshot;
import io.github.mooring.discovery.EndpointSource;
import io.github.mooring.discovery.EndpointWatch;
import io.github.mooring.discovery.ServiceRef;
import io.github.mooring.internal.probe.NodeClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.ProtocolVersion;
import io.lettuce.core.resource.ClientResources;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Repairs what Kubernetes breaks in a Redis Cluster behind a Service, or (the default) says what it would do: the
 * cluster counterpart of {@link Healer}, with the same {@link HealerSettings}, {@link HealerEvent}s and Lease.
 *
 * <p>Each round (at once when the Service's endpoints change, every {@value #ROUND_MILLIS} ms while something is
 * wrong, every {@value #CALM_SECONDS} s while nothing is) it asks every pod of the Service for {@code CLUSTER NODES},
 * on one connection per pod that it keeps, and turns the answers into {@link ClusterFinding}s (see
 * {@link ClusterDiagnosis} for the rules). A finding is reported once it has lasted {@link HealerSettings#stableFor()}
 * (Redis fixes a replaced node's address by gossip within a fraction of a second: that is not worth a warning); failed
 * node IDs only once they have lingered {@value #LINGER_SECONDS} s (a pod replaced with its volume comes back as the
 * same node within that). In {@link HealerMode#REPAIR} mode, while this client holds the Service's Lease, it fixes the
 * first finding that has a fix: every command re-checked on the pod right before it is sent and sent only within the
 * Lease's safety margin, at most one repair per {@link HealerSettings#minActionInterval()}.
 *
 * <p>The fixes only add knowledge: {@code CLUSTER MEET} with a pod's current IP (a cluster whose pods were all
 * replaced at once re-forms without a start script that rewrites {@code nodes.conf}), and an empty pod made the
 * replica of the master that lost one ({@code CLUSTER MEET}, then {@code CLUSTER REPLICATE}). It never runs
 * {@code CLUSTER FORGET} and never moves slots: both would need an explicit setting, which does not exist yet.
 *
 * <p>Started by {@code MooringClusterClient} when {@code MooringOptions}' healer mode is not {@link HealerMode#OFF};
 * it watches the Service on its own.
 */
public final class ClusterHealer implements HealerView, AutoCloseable {

    // The replication healer's logger: one category to configure for both.
    private static final Logger log = LoggerFactory.getLogger(Healer.class);

    static final long ROUND_MILLIS = 500;
    static final long CALM_SECONDS = 5;
    static final long LINGER_SECONDS = 30;
    /** How long a {@code CLUSTER REPLICATE} waits for the empty node to know its master after the MEET. */
    private static final Duration KNOWS_MASTER_WAIT = Duration.ofSeconds(5);

    private final HealerSettings settings;
    private final ServiceRef service;
    private final RedisURI uriTemplate;
    private final NodeClient commands;
    private final String identity;
    private final HealerLoop loop;
    private final Map<String, RepairTiming.Sighting> firstSeen = new HashMap<>(); // healer thread only
    private long rounds; // healer thread only: the rounds so far, the versions of what they saw
    private final Set<String> reported = new HashSet<>(); // healer thread only
    private volatile List<ClusterFinding> current = List.of();
    private final Map<Endpoint, StatefulRedisConnection<String, String>> connections = new HashMap<>(); // healer thread
    private long lastRoundNanos; // healer thread only
    private boolean somethingWrong; // healer thread only: the last round found something
    private volatile HealerMode mode;
    private volatile List<Endpoint> endpoints = List.of();
    private volatile boolean leaderReported;
    private LeaseLeadership lease;
    private EndpointWatch watch;

    private ClusterHealer(
            HealerSettings settings,
            ServiceRef service,
            RedisURI uriTemplate,
            SslOptions sslOptions,
            ClientResources resources,
            HealerMode mode) {
        this.settings = settings;
        this.service = service;
        this.uriTemplate = uriTemplate;
        this.mode = mode;
        this.identity = settings.identity() != null ? settings.identity() : Healer.defaultIdentity();
        this.commands = NodeClient.create(resources);
        commands.setOptions(ClientOptions.builder()
                .autoReconnect(false)
                .protocolVersion(ProtocolVersion.RESP2)
                .sslOptions(sslOptions)
                .build());
        this.loop = new HealerLoop(log, service, "mooring-cluster-healer-" + service.name());
    }

    /**
     * Starts healing the cluster behind {@code service}, found through {@code source}. {@code mode} is the effective
     * mode ({@link HealerMode#REPORT} when {@link Healer#repairUnavailable} says repair cannot work); {@code client}
     * holds the Lease in {@link HealerMode#REPAIR} mode (null with {@link HealerSettings#withoutLease()}).
     * {@code uriTemplate} gives the credentials, TLS and timeouts of every connection to a pod (its host is not used).
     */
    public static ClusterHealer start(
            HealerSettings settings,
            ServiceRef service,
            EndpointSource source,
            RedisURI uriTemplate,
            SslOptions sslOptions,
            ClientResources resources,
            KubernetesClient client,
            HealerMode mode) {
        Objects.requireNonNull(settings, "settings");
        if (mode == HealerMode.OFF) {
            throw new IllegalArgumentException("a cluster healer in mode OFF: start none");
        }
        ClusterHealer healer = new ClusterHealer(settings, service, uriTemplate, sslOptions, resources, mode);
        try {
            if (mode == HealerMode.REPAIR && settings.withoutLease()) {
                healer.submit(() -> {
                    log.warn(
                            "{}: the cluster healer repairs without a Lease (repairWithoutLease): safe only while this"
                                    + " is the one client that heals this Service",
                            service);
                    healer.leadership(true);
                });
            } else if (mode == HealerMode.REPAIR) {
                healer.lead(Objects.requireNonNull(client, "a Kubernetes client for the Lease"));
            }
            healer.watch = source.watch(service, healer.new Endpoints());
            healer.loop.every(Duration.ofMillis(ROUND_MILLIS), healer::paced);
            return healer;
        } catch (RuntimeException e) {
            healer.close();
            throw e;
        }
    }

    @Override
    public HealerMode mode() {
        return mode;
    }

    /**
     * What is wrong now: the findings reported (they lasted {@link HealerSettings#stableFor()}) and still seen in the
     * last round, most urgent first; empty when the cluster is sound. For health and metrics.
     */
    public List<ClusterFinding> findings() {
        return current;
    }

    @Override
    public boolean isLeader() {
        return loop.leads(lease, mode, settings);
    }

    @Override
    public String identity() {
        return identity;
    }

    @Override
    public void addListener(HealerListener listener) {
        loop.addListener(listener);
    }

    @Override
    public void removeListener(HealerListener listener) {
        loop.removeListener(listener);
    }

    // ---------------------------------------------------------------- leadership (as Healer's)

    private void lead(KubernetesClient client) {
        lease = loop.lead(
                client, settings, identity, "mooring-cluster-healer-lease-" + service.name(), this::leadership, why -> {
                    mode = HealerMode.REPORT;
                    log.warn("{}: {}", service, why);
                    emit(new HealerEvent.RepairUnavailable(Instant.now(), why));
                });
    }

    private void leadership(boolean nowLeader) {
        if (leaderReported == nowLeader) {
            return;
        }
        leaderReported = nowLeader;
        log.info(
                "{}: this client ({}) {} the cluster healer",
                service,
                identity,
                nowLeader ? "now leads" : "no longer leads");
        emit(new HealerEvent.LeadershipChanged(Instant.now(), nowLeader, identity));
        if (nowLeader) {
            firstSeen.clear(); // whatever is wrong now, with a fresh stability clock
            round();
        }
    }

    private boolean holds(long term) {
        return lease != null ? lease.holds(term) : isLeader();
    }

    // ---------------------------------------------------------------- rounds (healer thread)

    /** The Service's endpoints; a change starts a round at once. */
    private final class Endpoints implements EndpointListener {
        @Override
        public void onEndpoints(EndpointSnapshot snapshot) {
            List<Endpoint> now =
                    snapshot.endpoints().stream().filter(e -> !e.terminating()).toList();
            if (!now.equals(endpoints)) {
                endpoints = now;
                submit(ClusterHealer.this::round);
            }
        }

        @Override
        public void onError(DiscoveryException error) {
            log.debug("{}: cluster healer endpoint source: {}", service, error.getMessage());
        }
    }

    /** The pace: a round each {@value #ROUND_MILLIS} ms while something is wrong, else each {@value #CALM_SECONDS} s. */
    private void paced() {
        if (somethingWrong || System.nanoTime() - lastRoundNanos >= TimeUnit.SECONDS.toNanos(CALM_SECONDS)) {
            round();
        }
    }

    private void round() {
        if (loop.closed()) {
            return;
        }
        lastRoundNanos = System.nanoTime();
        rounds++;
        List<ClusterFinding> findings = ClusterDiagnosis.of(observe(endpoints));
        somethingWrong = !findings.isEmpty();
        Set<String> keys = findings.stream().map(Finding::key).collect(Collectors.toSet());
        long now = System.nanoTime();
        firstSeen.keySet().retainAll(keys);
        reported.retainAll(keys);
        for (ClusterFinding finding : findings) {
            firstSeen.putIfAbsent(finding.key(), new RepairTiming.Sighting(now, rounds));
            if (lasted(finding, now, reportAfter(finding)) && reported.add(finding.key())) {
                report(finding);
            }
        }
        current = findings.stream().filter(f -> reported.contains(f.key())).toList();
        if (mode != HealerMode.REPAIR || !isLeader()) {
            return;
        }
        Optional<ClusterFinding> urgent =
                findings.stream().filter(f -> !f.fix().isEmpty()).findFirst();
        if (urgent.isPresent()
                && RepairTiming.decide(
                                urgent.get(),
                                firstSeen.get(urgent.get().key()),
                                now,
                                rounds,
                                loop.lastActionNanos(),
                                settings.stableFor(),
                                settings.minActionInterval())
                        .repairNow()) {
            repair(urgent.get());
        }
    }

    private boolean lasted(Finding finding, long now, Duration wait) {
        return now - firstSeen.get(finding.key()).nanos() >= wait.toNanos();
    }

    private Duration reportAfter(ClusterFinding finding) {
        Duration linger = Duration.ofSeconds(LINGER_SECONDS);
        return finding instanceof ClusterFinding.FailedNodesLingerFinding
                        && settings.stableFor().compareTo(linger) < 0
                ? linger
                : settings.stableFor();
    }

    private void report(ClusterFinding finding) {
        if (finding.fix().isEmpty()) {
            log.warn("{}: {}", service, finding.description()); // it says what to do by hand
        } else {
            log.warn(
                    "{}: {}. {}: {}",
                    service,
                    finding.description(),
                    mode == HealerMode.REPAIR ? "Repair" : "Fix (the healer only reports; set repair mode or run it)",
                    finding.fix().stream().map(RepairAction::toString).collect(Collectors.joining("; ")));
        }
        emit(new HealerEvent.FindingReported(Instant.now(), finding, mode));
    }

    /**
     * {@code CLUSTER NODES} of every endpoint, asked at once, each on the connection kept for its pod; a pod that does
     * not answer within {@value #ANSWER_MILLIS} ms is left out of this round and its connection dropped.
     */
    private List<ClusterView> observe(List<Endpoint> pods) {
        connections.entrySet().removeIf(kept -> {
            boolean gone = !pods.contains(kept.getKey());
            if (gone) {
                closeIfOpen(kept.getValue());
            }
            return gone;
        });
        Map<Endpoint, CompletableFuture<ClusterView>> asked = new HashMap<>();
        for (Endpoint pod : pods) {
            asked.put(
                    pod,
                    connection(pod)
                            .thenCompose(connection ->
                                    connection.async().clusterNodes().toCompletableFuture())
                            .thenApply(reply -> ClusterView.parse(pod, reply))
                            .completeOnTimeout(null, ANSWER_MILLIS, TimeUnit.MILLISECONDS)
                            .exceptionally(failure -> null));
        }
        List<ClusterView> views = new ArrayList<>();
        for (Endpoint pod : pods) {
            ClusterView answered = asked.get(pod).join();
            if (answered != null) {
                views.add(answered);
            } else {
                StatefulRedisConnection<String, String> dropped = connections.remove(pod);
                if (dropped != null) {
                    closeIfOpen(dropped);
                }
            }
        }
        return views;
    }

    private static final long ANSWER_MILLIS = 1500;

    private CompletableFuture<StatefulRedisConnection<String, String>> connection(Endpoint pod) {
        StatefulRedisConnection<String, String> kept = connections.get(pod);
        if (kept != null && kept.isOpen()) {
            return CompletableFuture.completedFuture(kept);
        }
        CompletableFuture<StatefulRedisConnection<String, String>> opening = commands.connectAsync(
                        pod, uriTemplate, Duration.ofSeconds(1), "mooring-cluster-healer")
                .toCompletableFuture();
        // Kept once open, on this thread (a late one is closed when its pod leaves).
        return opening.thenApply(connection -> {
            connection.setTimeout(settings.commandTimeout());
            submit(() -> keep(pod, connection));
            return connection;
        });
    }

    // ---------------------------------------------------------------- repair (healer thread)

    private void repair(ClusterFinding finding) {
        long term = lease == null ? 0 : lease.term();
        loop.takeSteps(finding, term, this::holds, new HealerLoop.Steps() {
            @Override
            public Optional<String> recheck(RepairAction action, long term) {
                return ClusterHealer.this.recheck(action, term);
            }

            @Override
            public String send(RepairAction action, long term) {
                return ClusterHealer.this.send(action, term);
            }
        });
        firstSeen.remove(finding.key()); // not again until it has been stable again
    }

    /** Why {@code action} must not be sent now (asked of the pods themselves, right before), or empty. */
    private Optional<String> recheck(RepairAction action, long term) {
        ClusterView target = clusterNodes(action.target());
        if (target == null || target.self().isEmpty()) {
            return Optional.of(action.target().displayName() + " does not answer CLUSTER NODES");
        }
        if (action.kind() == RepairAction.Kind.MEET) {
            String address = Endpoint.address(action.host(), action.port());
            Optional<ClusterView.Line> known = target.lines().stream()
                    .filter(l -> l.hasAddress() && l.address().equals(address))
                    .findFirst();
            if (known.isPresent()) {
                return Optional.of("it knows a node at " + address + " already ("
                        + known.get().id() + ")");
            }
            ClusterView met = clusterNodes(Endpoint.of(action.host(), action.port()));
            return met == null || met.self().isEmpty()
                    ? Optional.of(address + " does not answer CLUSTER NODES")
                    : Optional.empty();
        }
        if (action.kind() != RepairAction.Kind.REPLICATE) {
            return Optional.of(action.kind() + " is no cluster command");
        }
        ClusterView.Line self = target.self().orElseThrow();
        if (action.nodeId().equals(self.masterId())) {
            return Optional.of("it replicates " + action.nodeId() + " already");
        }
        if (self.slots() > 0 || self.masterId() != null) {
            return Optional.of("it is no longer an empty node (" + String.join(",", self.flags()) + ", " + self.slots()
                    + " slots)");
        }
        // The MEET just sent needs a handshake before the node knows its master.
        long deadline = System.nanoTime() + KNOWS_MASTER_WAIT.toNanos();
        while (!knowsMaster(target, action.nodeId())) {
            if (System.nanoTime() > deadline || !holds(term)) {
                return Optional.of("it did not learn master " + action.nodeId() + " within " + KNOWS_MASTER_WAIT);
            }
            sleepBriefly();
            target = clusterNodes(action.target());
            if (target == null) {
                return Optional.of(action.target().displayName() + " does not answer CLUSTER NODES");
            }
        }
        return Optional.empty();
    }

    private static boolean knowsMaster(ClusterView view, String masterId) {
        return view.lines().stream()
                .anyMatch(l -> l.id().equals(masterId) && l.master() && l.hasAddress() && !l.failed());
    }

    private ClusterView clusterNodes(Endpoint endpoint) {
        try {
            return ClusterView.parse(endpoint, connect(endpoint).sync().clusterNodes());
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Sends {@code action}, only while the lease holds, bounded by the safety margin (see {@link LeaseLeadership}). */
    private String send(RepairAction action, long term) {
        StatefulRedisConnection<String, String> connection = connect(action.target());
        if (!holds(term)) {
            throw new IllegalStateException("the Lease was lost while connecting; not sent");
        }
        RedisCommands<String, String> sync = connection.sync();
        if (action.kind() == RepairAction.Kind.REPLICATE) {
            return sync.clusterReplicate(action.nodeId());
        }
        CommandArgs<String, String> args = new CommandArgs<>(StringCodec.UTF8);
        action.command().subList(1, action.command().size()).forEach(args::add);
        return sync.dispatch(CommandType.CLUSTER, new StatusOutput<>(StringCodec.UTF8), args);
    }

    /**
     * The connection kept for {@code pod}, opened now if there is none: every command on it is bounded by the Lease's
     * safety margin ({@link HealerSettings#commandTimeout()}).
     */
    private StatefulRedisConnection<String, String> connect(Endpoint pod) {
        StatefulRedisConnection<String, String> kept = connections.get(pod);
        if (kept != null && kept.isOpen()) {
            return kept;
        }
        StatefulRedisConnection<String, String> opened =
                commands.connect(pod, uriTemplate, Duration.ofSeconds(2), "mooring-cluster-healer");
        opened.setTimeout(settings.commandTimeout());
        keep(pod, opened);
        return opened;
    }

    private void keep(Endpoint pod, StatefulRedisConnection<String, String> connection) {
        StatefulRedisConnection<String, String> before = connections.put(pod, connection);
        if (before != null && before != connection) {
            closeIfOpen(before);
        }
    }

    /** Closes {@code connection} unless its pod closed it already (Lettuce warns about closing it twice). */
    private static void closeIfOpen(StatefulRedisConnection<String, String> connection) {
        if (connection.isOpen()) {
            connection.closeAsync();
        }
    }

    private static void sleepBriefly() {
        try {
            Thread.sleep(50); // polling a node's table while its bus shakes hands
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---------------------------------------------------------------- plumbing

    private void submit(Runnable task) {
        loop.submit(task);
    }

    private void emit(HealerEvent event) {
        loop.emit(event);
    }

    /** Stops healing; a leader hands its Lease back (see {@link Healer#close()}). */
    @Override
    public void close() {
        loop.refuseTasks();
        if (watch != null) {
            watch.close();
        }
        if (lease != null) {
            lease.close();
        }
        loop.close();
        connections.values().forEach(ClusterHealer::closeIfOpen);
        commands.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    @Override
    public String toString() {
        return "ClusterHealer[" + service + ", " + mode + (isLeader() ? ", leader" : "") + "]";
    }
}
