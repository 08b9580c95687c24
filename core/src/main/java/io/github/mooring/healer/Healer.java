package io.github.mooring.healer;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.github.mooring.discovery.Endpoint;
import io.github.mooring.discovery.ServiceRef;
import io.github.mooring.internal.probe.InfoParser;
import io.github.mooring.internal.probe.NodeClient;
import io.github.mooring.internal.topology.DataAtRiskGate;
import io.github.mooring.internal.topology.TopologyMonitor;
import io.github.mooring.probe.NodeReport;
import io.github.mooring.probe.ProbeResult;
import io.github.mooring.probe.Role;
import io.github.mooring.topology.DataAtRisk;
import io.github.mooring.topology.Topology;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.protocol.ProtocolVersion;
import io.lettuce.core.resource.ClientResources;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Repairs what Kubernetes breaks in a Redis replication group, or (the default) says what it would do. It reads
 * every topology the monitor publishes, turns it into {@link Finding}s with {@link Diagnosis}, reports each new one
 * once, and in {@link HealerMode#REPAIR} mode, when this client holds the Service's Lease, fixes the most urgent one
 * after it has been stable for a while: every step re-checked on the pod right before it is sent, at most one repair
 * per interval, never behind Sentinel's back.
 */
public final class Healer implements HealerView, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Healer.class);

    /** The Role rule repair mode needs. */
    public static final String LEASE_RULE =
            "{apiGroups: [\"coordination.k8s.io\"], resources: [\"leases\"], verbs: [\"get\", \"create\", \"update\"]}";

    private final HealerSettings settings;
    private final ServiceRef service;
    private final TopologyMonitor monitor;
    private final RedisURI uriTemplate;
    private final NodeClient commands;
    private volatile HealerMode mode;
    private final String identity;
    private final HealerLoop loop;
    private final Map<String, RepairTiming.Sighting> firstSeen = new HashMap<>(); // healer thread only
    private final Set<String> reported = new HashSet<>(); // healer thread only
    private final Set<String> sentinelReported = new HashSet<>(); // healer thread only
    // Healer thread only: the probe rounds seen. Not the topology's version, which changes only with the group: a
    // round that confirms data at risk has the version of the one that found it.
    private long rounds;
    private volatile boolean leaderReported; // healer thread writes; what the last LeadershipChanged said
    private LeaseLeadership lease;

    private Healer(
            HealerSettings settings,
            ServiceRef service,
            TopologyMonitor monitor,
            RedisURI uriTemplate,
            SslOptions sslOptions,
            ClientResources resources,
            HealerMode mode) {
        this.settings = settings;
        this.service = service;
        this.monitor = monitor;
        this.uriTemplate = uriTemplate;
        this.mode = mode;
        this.identity = settings.identity() != null ? settings.identity() : defaultIdentity();
        this.commands = NodeClient.create(resources);
        commands.setOptions(ClientOptions.builder()
                .autoReconnect(false)
                .protocolVersion(ProtocolVersion.RESP2)
                .sslOptions(sslOptions)
                .build());
        this.loop = new HealerLoop(log, service, "mooring-healer-" + service.name());
    }

    /**
     * Why repair mode cannot work for this Service, or empty when it can: it needs the Kubernetes API for its Lease,
     * and RBAC must allow the Lease. Checked before the monitor starts, because only a client that may repair
     * withholds an empty master from writers.
     */
    public static Optional<String> repairUnavailable(
            HealerSettings settings, ServiceRef service, KubernetesClient client, String sourceName) {
        if (settings.mode() != HealerMode.REPAIR || settings.withoutLease()) {
            return Optional.empty();
        }
        if (client == null) {
            String why = "kubernetes".equals(sourceName) || "auto".equals(sourceName)
                    ? "no Kubernetes client is available (the " + sourceName + " source found no in-cluster"
                            + " service account)"
                    : "discovery does not use the Kubernetes API (" + sourceName + " source)";
            return Optional.of("repair needs the Kubernetes API for its Lease, and " + why
                    + "; give the healer one with HealerSettings.Builder#kubernetesClient. The healer only reports");
        }
        try {
            client.leases()
                    .inNamespace(service.namespace())
                    .withName(leaseName(settings, service))
                    .get();
            return Optional.empty();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 403 || e.getCode() == 401) {
                return Optional.of("RBAC forbids the Lease '" + leaseName(settings, service) + "' in namespace '"
                        + service.namespace() + "'; the healer only reports. Grant the service account the Role rule "
                        + LEASE_RULE);
            }
            return Optional.of("cannot read the Lease '" + leaseName(settings, service) + "': " + e.getMessage()
                    + "; the healer only reports");
        }
    }

    /**
     * The mode a healer of {@code settings} runs in: theirs, or {@link HealerMode#REPORT} where
     * {@link #repairUnavailable} says repair cannot work (logged as a warning with the reason). Called by
     * {@code MooringClient} and {@code MooringClusterClient} before they start anything.
     */
    public static HealerMode effectiveMode(
            HealerSettings settings, ServiceRef service, KubernetesClient client, String sourceName) {
        Optional<String> noRepair = repairUnavailable(settings, service, client, sourceName);
        if (noRepair.isPresent()) {
            log.warn("{}: {}", service, noRepair.get());
            return HealerMode.REPORT;
        }
        return settings.mode();
    }

    /**
     * Starts healing {@code service}. {@code mode} is the effective mode ({@link HealerMode#REPORT} when repair is
     * unavailable); {@code client} is needed for {@link HealerMode#REPAIR}. Called by {@code MooringClient}, which
     * owns the monitor; applications configure the healer through {@code MooringOptions.Builder#healer}.
     */
    public static Healer start(
            HealerSettings settings,
            ServiceRef service,
            TopologyMonitor monitor,
            RedisURI uriTemplate,
            SslOptions sslOptions,
            ClientResources resources,
            KubernetesClient client,
            HealerMode mode) {
        Healer healer = new Healer(settings, service, monitor, uriTemplate, sslOptions, resources, mode);
        if (mode == HealerMode.REPAIR && settings.withoutLease()) {
            healer.submit(healer::leadAlone);
        } else if (mode == HealerMode.REPAIR) {
            healer.lead(client);
        }
        monitor.observe(topology -> healer.submit(() -> healer.onTopology(topology)));
        return healer;
    }

    @Override
    public HealerMode mode() {
        return mode;
    }

    @Override
    public boolean isLeader() {
        return loop.leads(lease, mode, settings);
    }

    /** Whether this client may still act in {@code term}: the Lease holds, or it repairs alone and is open. */
    private boolean holds(long term) {
        return lease != null ? lease.holds(term) : isLeader();
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

    // ---------------------------------------------------------------- leadership

    private void lead(KubernetesClient client) {
        lease = loop.lead(
                client,
                settings,
                identity,
                "mooring-healer-lease-" + service.name(),
                this::leadership,
                this::fallBackToReport);
    }

    /** Repair without a Lease (one application replica, by the user's word): said once, then it leads. */
    private void leadAlone() {
        log.warn(
                "{}: the healer repairs without a Lease (repairWithoutLease): safe only while this is the one client"
                        + " that uses Mooring for this Service",
                service);
        leadership(true);
    }

    private void leadership(boolean nowLeader) {
        if (leaderReported == nowLeader) {
            return;
        }
        leaderReported = nowLeader;
        log.info("{}: this client ({}) {} the healer", service, identity, nowLeader ? "now leads" : "no longer leads");
        emit(new HealerEvent.LeadershipChanged(Instant.now(), nowLeader, identity));
        if (nowLeader) {
            // Consider whatever is wrong now, with a fresh stability clock.
            firstSeen.clear();
            monitor.suspect("healer leadership");
        }
    }

    /** Repair is impossible: say so once, report from now on, and stop holding writers back for a repair. */
    private void fallBackToReport(String why) {
        if (mode != HealerMode.REPAIR) {
            return;
        }
        mode = HealerMode.REPORT;
        log.warn("{}: {}", service, why);
        emit(new HealerEvent.RepairUnavailable(Instant.now(), why));
        respondToRisk(monitor.topology(), sentinelsPresent);
    }

    // ---------------------------------------------------------------- Sentinels

    private volatile boolean sentinelsPresent;

    /**
     * Where Sentinels manage the group, a master that comes back empty will be replaced by Sentinel's promotion of a
     * replica: writers wait for it (the monitor withholds that master) instead of writing what Sentinel's failover
     * then throws away.
     */
    private void checkSentinels(Topology topology) {
        if (topology.version() == 0) {
            return;
        }
        boolean present = sentinelsManagingLately(topology).isPresent();
        if (present != sentinelsPresent) {
            sentinelsPresent = present;
            log.info(
                    "{}: {}",
                    service,
                    present
                            ? "Sentinels manage this group: if its master comes back empty, writes wait for Sentinel's promotion"
                            : "no Sentinels are connected to this group");
        }
        respondToRisk(topology, mode == HealerMode.REPAIR || present);
    }

    // ---------------------------------------------------------------- data at risk: the onDataAtRisk policy

    private String riskKey; // healer thread only: the risk seen last, and since when
    private long riskSinceNanos;
    private final Map<String, DataAtRisk> letThrough = new HashMap<>(); // healer thread: risks the policy let through

    /**
     * What writers get while data is at risk ({@link DataAtRiskResponse}): the master withheld while a repair may
     * come, then, without one within the bound, writes refused or let through to the empty master.
     */
    private void respondToRisk(Topology topology, boolean repairMayCome) {
        Optional<DataAtRisk> risk = topology.dataAtRisk();
        String key = risk.map(Diagnosis::riskKey).orElse(null);
        long now = System.nanoTime();
        if (!Objects.equals(key, riskKey)) {
            riskKey = key;
            riskSinceNanos = now;
        }
        // Forgotten once its holder no longer holds that history (an operator settled it), not when the risk goes:
        // writes to the empty master soon make the key counts look harmless while the holder still has the data.
        letThrough.values().removeIf(diverged -> !Diagnosis.stillHolds(topology, diverged));
        DataAtRiskResponse.Decision decision = DataAtRiskResponse.decide(
                risk,
                repairMayCome,
                key != null && letThrough.containsKey(key),
                settings.onDataAtRisk(),
                settings.dataAtRiskWait(),
                Duration.ofNanos(now - riskSinceNanos));
        DataAtRiskGate gate = monitor.dataAtRisk();
        switch (decision.action()) {
            case WRITE -> {
                gate.refuseWrites(null);
                gate.withhold(repairMayCome);
            }
            case WAIT -> {
                gate.refuseWrites(null);
                gate.withhold(true);
            }
            case REFUSE_WRITES -> {
                String why = refusal(risk.get(), repairMayCome);
                if (!why.equals(gate.refusalReason())) {
                    log.warn("{}: writes fail from now on: {}", service, why);
                    emit(new HealerEvent.DataAtRiskPolicyApplied(
                            Instant.now(), risk.get(), DataAtRiskPolicy.FAIL_WRITES, why));
                }
                gate.withhold(true);
                gate.refuseWrites(why);
            }
            case LET_THROUGH -> {
                if (letThrough.putIfAbsent(key, risk.get()) == null) {
                    String what = "no repair within " + settings.dataAtRiskWait() + ": writes go to "
                            + risk.get().master().displayName() + " (onDataAtRisk WRITE_TO_NEW_MASTER); what "
                            + risk.get().holder().displayName() + " holds is no longer written to, and the healer"
                            + " will not promote it over the new writes: "
                            + risk.get().description();
                    log.warn("{}: {}", service, what);
                    emit(new HealerEvent.DataAtRiskPolicyApplied(
                            Instant.now(), risk.get(), DataAtRiskPolicy.WRITE_TO_NEW_MASTER, what));
                }
                gate.refuseWrites(null);
                gate.withhold(false);
            }
        }
    }

    /** What a refused write says: the situation, why no repair came, and the fixes. */
    private String refusal(DataAtRisk risk, boolean repairMayCome) {
        String holder = risk.holder().displayName();
        String who = mode == HealerMode.REPAIR
                ? (isLeader()
                        ? "this client leads the healer but its repair did not succeed"
                        : "this client does not lead the healer (Lease '" + leaseName(settings, service)
                                + "') and its leader did not repair it")
                : "Sentinel did not promote " + holder;
        return "data at risk on " + service + " and no repair within " + settings.dataAtRiskWait() + " (" + who
                + "): " + risk.description() + ". Writing to " + risk.master().displayName() + " would build on"
                + " nothing and lose " + holder + "'s data, so writes fail (onDataAtRisk FAIL_WRITES) until " + holder
                + " is promoted. Fix: run REPLICAOF NO ONE on " + holder + " and REPLICAOF "
                + risk.holder().endpoint().host() + " "
                + risk.holder().endpoint().port()
                + " on the others (or let the healer's leader do it: repair mode, RBAC " + LEASE_RULE
                + "); writes then resume by themselves. To write to the empty master instead, set"
                + " HealerSettings onDataAtRisk(WRITE_TO_NEW_MASTER, ...) (mooring.healer.on-data-at-risk)";
    }

    // ---------------------------------------------------------------- diagnosis and repair (healer thread)

    private void onTopology(Topology topology) {
        if (loop.closed() || topology.version() == 0) {
            return;
        }
        rounds++;
        checkSentinels(topology); // first: the onDataAtRisk policy decides what Diagnosis may repair
        List<Finding> findings = Diagnosis.of(topology, letThrough.values());
        Set<String> keys = findings.stream().map(Finding::key).collect(Collectors.toSet());
        long now = System.nanoTime();
        firstSeen.keySet().retainAll(keys);
        reported.retainAll(keys);
        for (Finding finding : findings) {
            if (firstSeen.putIfAbsent(finding.key(), new RepairTiming.Sighting(now, rounds)) == null
                    && finding instanceof Finding.DataAtRiskFinding
                    && mode == HealerMode.REPAIR
                    && isLeader()) {
                monitor.suspect("healer confirms " + finding.key()); // writes wait: confirm it at once
            }
            if (reported.add(finding.key())) {
                if (finding.fix().isEmpty()) {
                    log.warn("{}: {}", service, finding.description()); // it says what to do by hand
                } else {
                    log.warn(
                            "{}: {}. {}: {}",
                            service,
                            finding.description(),
                            mode == HealerMode.REPAIR
                                    ? "Repair"
                                    : "Fix (the healer only reports; set repair mode or run it)",
                            finding.fix().stream().map(RepairAction::toString).collect(Collectors.joining("; ")));
                }
                emit(new HealerEvent.FindingReported(Instant.now(), finding, mode));
            }
        }
        if (mode != HealerMode.REPAIR
                || !isLeader()
                || findings.isEmpty()
                || findings.get(0).fix().isEmpty()) {
            return;
        }
        Finding urgent = findings.get(0);
        RepairTiming.Decision timing = RepairTiming.decide(
                urgent,
                firstSeen.get(urgent.key()),
                now,
                rounds,
                loop.lastActionNanos(),
                settings.stableFor(),
                settings.minActionInterval());
        if (!timing.repairNow()) {
            return;
        }
        Optional<String> sentinels = sentinelsManagingLately(topology);
        if (sentinels.isPresent()) {
            if (sentinelReported.add(urgent.key())) {
                String why = "Sentinels manage this group (" + sentinels.get() + "): leaving the repair to them";
                log.warn("{}: {}", service, why);
                emit(new HealerEvent.RepairUnavailable(Instant.now(), why));
            }
            return;
        }
        repair(urgent);
    }

    private void repair(Finding finding) {
        long term = lease == null ? 0 : lease.term();
        loop.takeSteps(finding, term, this::holds, new HealerLoop.Steps() {
            @Override
            public Optional<String> recheck(RepairAction action, long term) {
                return Healer.this.recheck(action);
            }

            @Override
            public String send(RepairAction action, long term) {
                return Healer.this.send(action, term);
            }
        });
        // Not again until the condition has been stable again on fresh topologies.
        firstSeen.remove(finding.key());
        monitor.suspect("healer repaired " + finding.key());
    }

    /** Why {@code action} must not be sent now (asked of the pods themselves, right before), or empty. */
    private Optional<String> recheck(RepairAction action) {
        NodeReport target = replication(action.target());
        if (target == null) {
            return Optional.of(action.target().displayName() + " does not answer");
        }
        if (action.kind() == RepairAction.Kind.PROMOTE) {
            if (target.role() == Role.MASTER) {
                return Optional.of("it is master already");
            }
            // Out of sight is not dead (Diagnosis rule 1), asked again now.
            return target.masterLinkUp()
                    ? Optional.of("its link to " + target.masterAddress() + " is up: that master lives")
                    : Optional.empty();
        }
        if (target.role() == Role.REPLICA
                && action.host().equals(target.masterHost())
                && action.port() == target.masterPort()) {
            return Optional.of("it follows " + action.host() + ":" + action.port() + " already");
        }
        NodeReport master = replication(Endpoint.of(action.host(), action.port()));
        if (master == null || master.role() != Role.MASTER) {
            return Optional.of(action.host() + ":" + action.port() + " is not a master right now");
        }
        if (target.historyAheadOf(master)) { // never follow less history (Diagnosis rule 2), asked again now
            return Optional.of("its replication history goes beyond " + action.host() + ":" + action.port()
                    + "'s (offset " + target.replOffset() + " against " + master.replOffset() + ")");
        }
        return Optional.empty();
    }

    /** The replication section of {@code endpoint}'s INFO, read as the probes read it; null when it does not answer. */
    private NodeReport replication(Endpoint endpoint) {
        try (StatefulRedisConnection<String, String> connection = connect(endpoint)) {
            return InfoParser.parse(connection.sync().info("replication"), "", "", "");
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Sends {@code action}, only while the lease holds, bounded by the safety margin (see {@link LeaseLeadership}). */
    private String send(RepairAction action, long term) {
        try (StatefulRedisConnection<String, String> connection = connect(action.target())) {
            if (!holds(term)) {
                throw new IllegalStateException("the Lease was lost while connecting; not sent");
            }
            connection.setTimeout(settings.commandTimeout());
            RedisCommands<String, String> sync = connection.sync();
            return action.kind() == RepairAction.Kind.PROMOTE
                    ? sync.replicaofNoOne()
                    : sync.replicaof(action.host(), action.port());
        }
    }

    /** Sentinels stay "present" this long after they were last seen: they drop and re-open links in a failover. */
    private static final Duration SENTINEL_MEMORY = Duration.ofMinutes(2);

    private volatile String lastSentinels;
    private volatile long lastSentinelsNanos;

    /** The Sentinels connected now, or seen within {@link #SENTINEL_MEMORY}. */
    private Optional<String> sentinelsManagingLately(Topology topology) {
        Optional<String> now = sentinelsManaging(topology);
        if (now.isPresent()) {
            lastSentinels = now.get();
            lastSentinelsNanos = System.nanoTime();
            return now;
        }
        if (lastSentinels != null && System.nanoTime() - lastSentinelsNanos < SENTINEL_MEMORY.toNanos()) {
            return Optional.of(lastSentinels + ", seen "
                    + Duration.ofNanos(System.nanoTime() - lastSentinelsNanos).toSeconds() + " s ago");
        }
        return Optional.empty();
    }

    /**
     * Which pods Sentinels monitor, as the probe counted them ({@code PUBSUB NUMSUB __sentinel__:hello}: every
     * Sentinel keeps that subscription on each pod it monitors), if any: the one Sentinel detector the election uses
     * too. A pod Sentinel does not know (a recreated master) has none, its replicas do.
     */
    private static Optional<String> sentinelsManaging(Topology topology) {
        List<ProbeResult> monitored = topology.reports().stream()
                .filter(ProbeResult::monitoredBySentinels)
                .toList();
        if (monitored.isEmpty()) {
            return Optional.empty();
        }
        int most = monitored.stream().mapToInt(ProbeResult::sentinelLinks).max().orElse(0);
        return Optional.of(most + " Sentinel(s) monitor "
                + monitored.stream().map(r -> r.endpoint().displayName()).collect(Collectors.joining(", ")));
    }

    private StatefulRedisConnection<String, String> connect(Endpoint endpoint) {
        return commands.connect(endpoint, uriTemplate, Duration.ofSeconds(2), "mooring-healer");
    }

    // ---------------------------------------------------------------- plumbing

    private void submit(Runnable task) {
        loop.submit(task);
    }

    private void emit(HealerEvent event) {
        loop.emit(event);
    }

    static String leaseName(HealerSettings settings, ServiceRef service) {
        return settings.leaseName() != null ? settings.leaseName() : "mooring-healer-" + service.name();
    }

    static String defaultIdentity() {
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                host = "client";
            }
        }
        return host + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /**
     * Stops healing. A leader hands its Lease back (no holder): another client takes over at its next attempt, within
     * its retry period (measured: {@code HealerLeadershipIT}), instead of after the lease duration.
     */
    @Override
    public void close() {
        loop.refuseTasks();
        if (lease != null) {
            lease.close();
        }
        loop.close();
        commands.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    @Override
    public String toString() {
        return "Healer[" + service + ", " + mode + (isLeader() ? ", leader" : "") + "]";
    }
}
