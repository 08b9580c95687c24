package io.github.mooring.internal.topology;

import io.github.mooring.discovery.Endpoint;
import io.github.mooring.probe.NodeReport;
import io.github.mooring.probe.ProbeResult;
import io.github.mooring.probe.Role;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;

/**
 * Test fixture: one pod as a probe round saw it, written the way a scenario reads. Pod {@code redis-N} lives at
 * {@code 10.0.0.(10+N):6379} unless {@link #at} says otherwise; masters hold 100 keys at offset 1000.
 */
public final class Pod {

    public static final Instant PROBED_AT = Instant.parse("2026-11-27T12:00:00Z");

    private final String name;
    private final Role role;
    private final String failure;
    private String rejectedUser;
    private String host;
    private int port = 6379;
    private boolean terminating;
    private boolean notReady;
    private String replId;
    private String replId2 = NodeReport.NO_REPL_ID;
    private long secondOffset = -1;
    private long offset = 1000;
    private long keys = 100;
    private boolean loading;
    private String masterHost;
    private int masterPort;
    private boolean linkUp;
    private long linkDownSeconds = -1;
    private boolean syncing;
    private Set<String> resolved = Set.of();
    private int sentinelLinks = ProbeResult.UNKNOWN_SENTINEL_LINKS;
    private String runId;
    private boolean clusterNode;

    private Pod(String name, Role role, String failure) {
        this.name = name;
        this.role = role;
        this.failure = failure;
        this.host = name != null && name.matches(".*-\\d+") ? "10.0.0." + (10 + ordinal(name)) : null;
        this.replId = "replid-of-" + name;
        this.runId = "run-" + name;
    }

    public static Pod master(String name) {
        return new Pod(name, Role.MASTER, null);
    }

    public static Pod replica(String name) {
        return new Pod(name, Role.REPLICA, null);
    }

    public static Pod sentinel(String name) {
        return new Pod(name, Role.SENTINEL, null).port(26379);
    }

    public static Pod unknownRole(String name) {
        return new Pod(name, Role.UNKNOWN, null);
    }

    public static Pod unreachable(String name, String failure) {
        return new Pod(name, null, failure);
    }

    /** The pod refused the probe's credentials of {@code user} with a {@code WRONGPASS} reply. */
    public static Pod refusing(String name, String user) {
        Pod pod = new Pod(
                name,
                null,
                "authentication refused (WRONGPASS invalid username-password pair or user is disabled.): check the"
                        + " Redis username and password");
        pod.rejectedUser = user;
        return pod;
    }

    /** The pod runs Redis Cluster: it reports {@code cluster_enabled:1}. */
    public Pod clusterNode() {
        this.clusterNode = true;
        return this;
    }

    public Pod at(String host) {
        this.host = host;
        return this;
    }

    /** Another Redis process than the default one of this pod (a restarted container, a replacement). */
    public Pod runId(String runId) {
        this.runId = runId;
        return this;
    }

    public Pod port(int port) {
        this.port = port;
        return this;
    }

    public Pod terminating() {
        this.terminating = true;
        return this;
    }

    /** Its endpoint is not ready (a readiness probe failing, or warming up) but not terminating. */
    public Pod notReady() {
        this.notReady = true;
        return this;
    }

    public Pod replId(String replId) {
        this.replId = replId;
        return this;
    }

    /** Promoted from the history {@code replId2} when that history was at {@code atOffset}. */
    public Pod promotedFrom(String replId2, long atOffset) {
        this.replId2 = replId2;
        this.secondOffset = atOffset + 1; // Redis reports second_repl_offset as the promotion offset + 1
        return this;
    }

    /** Promoted from the history {@code replId2}. */
    public Pod promotedFrom(String replId2) {
        this.replId2 = replId2;
        return this;
    }

    public Pod offset(long offset) {
        this.offset = offset;
        return this;
    }

    public Pod keys(long keys) {
        this.keys = keys;
        return this;
    }

    public Pod empty() {
        return keys(0);
    }

    public Pod loading() {
        this.loading = true;
        return this;
    }

    /** Replica of {@code host:6379} with its link up. */
    public Pod of(String host) {
        return of(host, 6379);
    }

    public Pod of(String host, int port) {
        this.masterHost = host;
        this.masterPort = port;
        this.linkUp = true;
        return this;
    }

    /** The link to the master is down, for {@code seconds} (-1: unknown, as a never-connected replica says). */
    public Pod linkDown(long seconds) {
        this.linkUp = false;
        this.linkDownSeconds = seconds;
        return this;
    }

    /** A full sync is running and the link has been down {@code seconds} (-1: unknown). */
    public Pod syncing(long seconds) {
        this.syncing = true;
        return linkDown(seconds);
    }

    /** The prober resolved {@code master_host} to these IPs. */
    public Pod resolvedTo(String... ips) {
        this.resolved = Set.of(ips);
        return this;
    }

    /** {@code count} Sentinels monitor the pod (0: Sentinels do not know it). */
    public Pod sentinels(int count) {
        this.sentinelLinks = count;
        return this;
    }

    public ProbeResult result() {
        Endpoint endpoint = new Endpoint(host, port, name, !terminating && !notReady, terminating);
        Duration latency = Duration.ofMillis(2);
        if (rejectedUser != null) {
            return ProbeResult.credentialsRejected(endpoint, PROBED_AT, latency, failure, rejectedUser);
        }
        if (failure != null) {
            return ProbeResult.failed(endpoint, PROBED_AT, latency, failure);
        }
        boolean replica = role == Role.REPLICA;
        NodeReport report = new NodeReport(
                role,
                runId,
                replId,
                replId2,
                secondOffset,
                offset,
                replica ? masterHost : null,
                replica ? masterPort : 0,
                replica && linkUp,
                replica && !linkUp ? linkDownSeconds : -1,
                syncing,
                loading,
                role == Role.SENTINEL ? 0 : keys,
                0,
                clusterNode);
        return ProbeResult.reached(endpoint, PROBED_AT, latency, report, resolved, sentinelLinks);
    }

    private static int ordinal(String name) {
        return Integer.parseInt(name.substring(name.lastIndexOf('-') + 1));
    }
}
