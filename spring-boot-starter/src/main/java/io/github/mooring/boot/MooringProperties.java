package io.github.mooring.boot;

import io.github.mooring.discovery.IpFamilyPreference;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Configuration of Mooring's connection factory ({@code mooring.*}). Only {@link #service()} is required: with it,
 * every connection Spring Data Redis opens goes to the live master of that Kubernetes Service's Redis pods.
 * Credentials, TLS, database, client name and timeouts stay in {@code spring.data.redis.*}; only the host and port
 * part of those settings is replaced.
 * <p>
 * Invalid values fail the application's start with a failure analysis naming the property and what to change.
 *
 * @param enabled Whether Mooring provides the application's Redis connection factory. When false, Spring Boot's own
 *        Redis auto-configuration applies as if Mooring were not on the classpath.
 * @param service Name of the Kubernetes Service in front of the Redis pods, for example 'redis'. Setting it turns
 *        Mooring on.
 * @param mode What the Service's pods are: 'auto' (found out once at start: a Service whose pods report
 *        cluster_enabled:1 is a Redis Cluster, any other a replication group; a spring.data.redis.cluster.* setting
 *        means a cluster), 'replication' (one master with replicas: the connection factory follows the master) or
 *        'cluster' (a Redis Cluster: the connection factory is a cluster one, on Mooring's cluster client, which
 *        follows the Service's endpoints).
 * @param namespace Namespace of the Service. Defaults to the namespace of the pod the application runs in (from its
 *        service account); outside a pod, to the namespace of the kubeconfig's current context; else 'default'.
 * @param port Service port that carries Redis, by name (as in the Service's ports[].name) or by number.
 * @param ipFamily Which address family the pods are reached by: 'ipv4-preferred' (the Service's only family, IPv4 on a
 *        dual-stack cluster), 'ipv6-preferred' (IPv6 on a dual-stack cluster), 'ipv4-only' or 'ipv6-only'. One family
 *        per Service, so that each pod is one node: the kubernetes source reads the EndpointSlices of that address
 *        type, the dns source asks A or AAAA records accordingly.
 * @param source Where the Service's pods are discovered: 'auto' (the Kubernetes API of the pod's service account or,
 *        outside a pod, of the kubeconfig's current context or KUBERNETES_MASTER, when RBAC allows it; else cluster
 *        DNS), 'kubernetes', 'dns' or 'static'. Defaults to 'auto', or to 'static' when static nodes are set.
 * @param staticNodes Redis nodes of the 'static' source, as host:port (port 6379 when omitted), for running outside
 *        Kubernetes and for tests.
 * @param dns Settings of the 'dns' source (also the fallback of 'auto').
 * @param probe How often and how patiently Mooring asks each pod its role.
 * @param failoverWait How long a command may wait for a master during a failover before it fails with a
 *        NoMasterException. Long enough for Kubernetes to restart a Redis container or replace its pod.
 * @param startupWait How long the application's start waits for a first master before it fails with the topology
 *        problem spelled out. Defaults to the failover wait.
 * @param masterStallTimeout How long connections stay on a master that stopped answering (a GC pause, CPU
 *        throttling, a frozen node, a network partition) while no other master is elected, counted from the first
 *        probe round that finds it not answering. Meanwhile new commands wait for it, in order (each up to the
 *        failover wait), and written ones complete when it answers again; afterwards the connections are cut and
 *        written, unanswered commands fail with a CommandFateUnknownException. Defaults to the failover wait, so that
 *        a stall shorter than the failover wait costs no error.
 * @param maxQueuedCommands Maximum number of commands one connection holds while there is no master; more fail at
 *        once.
 * @param staleReplicaAfter How long a replica's link to the master may be down before the replica is reported stale
 *        (in health, the endpoint and metrics).
 * @param retry Retrying of commands that a pod rejected because of a failover (READONLY, LOADING, MASTERDOWN).
 * @param idempotentCommands Commands, besides read-only ones, that may be sent again when their connection died
 *        before the reply came, because applying them twice does no harm (for example SET, HSET, DEL, EXPIRE).
 *        Others then fail with a CommandFateUnknownException.
 * @param healer What Mooring does about replication that Kubernetes broke: stale replicas, a master that came back
 *        empty beside a replica holding the data, split brain.
 * @param sentinel Where Redis Sentinels manage the group: how Mooring follows their failovers.
 */
@ConfigurationProperties("mooring")
public record MooringProperties(
        @DefaultValue("true") boolean enabled,
        @Nullable String service,
        @DefaultValue("auto") Mode mode,
        @Nullable String namespace,
        @DefaultValue("redis") String port,
        @DefaultValue("ipv4-preferred") IpFamilyPreference ipFamily,
        @Nullable Source source,
        List<String> staticNodes,
        @DefaultValue Dns dns,
        @DefaultValue Probe probe,
        @DefaultValue("30s") Duration failoverWait,
        @Nullable Duration startupWait,
        @Nullable Duration masterStallTimeout,
        @DefaultValue("100000") int maxQueuedCommands,
        @DefaultValue("10s") Duration staleReplicaAfter,
        @DefaultValue Retry retry,
        Set<String> idempotentCommands,
        @DefaultValue Healer healer,
        @DefaultValue Sentinel sentinel) {

    /** Normalizes absent collections to empty ones. */
    public MooringProperties {
        staticNodes = staticNodes == null ? List.of() : List.copyOf(staticNodes);
        idempotentCommands = idempotentCommands == null ? Set.of() : Set.copyOf(idempotentCommands);
    }

    /** The source in force: {@link #source()} if set, else {@code static} with static nodes, else {@code auto}. */
    public Source effectiveSource() {
        if (source != null) {
            return source;
        }
        return staticNodes.isEmpty() ? Source.AUTO : Source.STATIC;
    }

    /** What the Service's pods are, and so which connection factory Mooring provides. */
    public enum Mode {
        /** Found out once at start, from spring.data.redis.cluster.* or else from what the pods report. */
        AUTO,
        /** A replication group (one master with replicas, with or without Sentinel). */
        REPLICATION,
        /** A Redis Cluster. */
        CLUSTER
    }

    /** Where the Service's pods are discovered. */
    public enum Source {
        /** The Kubernetes API (in a pod, or outside one through a kubeconfig) when RBAC allows it; else cluster DNS. */
        AUTO,
        /** The Kubernetes API: a watch on the Service's EndpointSlices (needs list/watch RBAC). */
        KUBERNETES,
        /** Cluster DNS: the headless Service's A records, queried every {@code mooring.dns.interval}. */
        DNS,
        /** A fixed list of nodes ({@code mooring.static-nodes}). */
        STATIC
    }

    /**
     * Settings of the DNS source.
     *
     * @param nameServers DNS servers to ask, as host or host:port (port 53 when omitted). Defaults to those in
     *        /etc/resolv.conf.
     * @param interval How often the Service's name is resolved. A change is seen within one interval, whatever TTL
     *        the DNS server hands out.
     * @param srv Whether to look up the Service port's SRV records, which give the port and each pod's name.
     *        Requires mooring.port to be a port name.
     * @param clusterDomain DNS domain of the cluster.
     * @param queryTimeout How long one DNS query may take.
     */
    public record Dns(
            List<String> nameServers,
            @DefaultValue("1s") Duration interval,
            @DefaultValue("false") boolean srv,
            @DefaultValue("cluster.local") String clusterDomain,
            @DefaultValue("2s") Duration queryTimeout) {

        /** Normalizes an absent list to an empty one. */
        public Dns {
            nameServers = nameServers == null ? List.of() : List.copyOf(nameServers);
        }
    }

    /**
     * How Mooring probes the pods ({@code INFO} on each, to learn its role and replication state).
     *
     * @param interval The fast pace: a probe round this often while anything is doubtful (no master, a pod that does
     *        not answer or refuses the credentials, a replica not linked, a split brain, stale replica or data at risk,
     *        a discovery problem, a Sentinel failover, a change or an event within calm-after). Events probe at once
     *        whatever the pace: endpoint changes, lost connections, READONLY, command timeouts, Sentinel messages, a
     *        probe connection the pod closed.
     * @param timeout How long one probe of one pod may take. A slower pod counts as unreachable.
     * @param connectTimeout How long opening a probe connection may take.
     * @param calmInterval The calm pace: while nothing is doubtful, one probe round at a random point between half of
     *        this and all of it after the last one (default 30s, or the interval when that is longer; at least the
     *        interval). Each Redis pod then gets about 2 x clients / (0.75 x calm-interval) probe commands per second
     *        (Redis 7; 5 per probe before) instead of 5 x clients per interval. It bounds how late a change no event reports is seen (a master
     *        demoted or a replica promoted by hand while connections stay up and the application only reads, a
     *        frozen master nobody sends a command to): at most calm-interval + interval + timeout. Set it to the
     *        interval to probe at the fast pace always.
     * @param calmAfter How long the fast pace goes on after the topology changed or an event started a round.
     */
    public record Probe(
            @DefaultValue("1s") Duration interval,
            @DefaultValue("1s") Duration timeout,
            @DefaultValue("500ms") Duration connectTimeout,
            @Nullable Duration calmInterval,
            @DefaultValue("10s") Duration calmAfter) {}

    /**
     * Retrying of commands that a pod rejected because of a failover. A rejected command was not applied, so
     * sending it again is always safe; retries back off exponentially (doubling) from the initial to the maximum
     * backoff.
     *
     * @param enabled Whether rejected commands are retried. When false, the rejection reaches the application at
     *        once.
     * @param maxAttempts Maximum number of attempts per command, the first one included.
     * @param initialBackoff Pause before the first retry.
     * @param maxBackoff Longest pause between two attempts.
     */
    public record Retry(
            @DefaultValue("true") boolean enabled,
            @DefaultValue("12") int maxAttempts,
            @DefaultValue("20ms") Duration initialBackoff,
            @DefaultValue("1s") Duration maxBackoff) {}

    /**
     * The healer: what Mooring does about replication that Kubernetes broke.
     *
     * @param mode What the healer does: 'report' (detect, log one WARN per condition with the commands that would
     *        fix it, change nothing),
     *        'repair' (the same, then fix it, one application pod at a time under a Kubernetes Lease; needs RBAC get,
     *        create and update on coordination.k8s.io leases), or 'off'.
     * @param stableFor How long a condition must persist before the healer repairs it (data at risk is repaired
     *        once a second probe round confirms it: writes wait for that repair).
     * @param minActionInterval Least time between two repairs.
     * @param leaseDuration How long the repairing pod's Lease lasts without renewal; another pod takes over within
     *        this when it goes away.
     * @param leaseRenewDeadline How long the leader keeps trying to renew its Lease before it stops repairing.
     * @param leaseRetryPeriod How often pods try to acquire or renew the Lease.
     * @param onDataAtRisk When the master came back empty while a replica holds the data, writes wait for the repair
     *        (repair mode, or Sentinel's promotion); what they get if none comes within
     *        mooring.healer.data-at-risk-wait: 'fail-writes' (they fail at once with a DataAtRiskException naming the
     *        pods and the fix, until the replica is promoted; nothing acknowledged is lost) or 'write-to-new-master'
     *        (they go to the empty master; the healer then never promotes the replica over them and reports the
     *        divergence).
     * @param dataAtRiskWait How long writes wait for a repair of data at risk before mooring.healer.on-data-at-risk
     *        applies. Longer than the Lease duration, so that another pod can take over a dead leader's repair.
     * @param withoutLease Whether repair mode repairs without a Lease (no Kubernetes API or Lease RBAC needed). Only
     *        when exactly one application pod uses Mooring for this Service: two pods without a Lease may repair at
     *        once, in different directions, and nothing fences a pod that stalled mid-repair.
     */
    public record Healer(
            @DefaultValue("report") HealerMode mode,
            @DefaultValue("500ms") Duration stableFor,
            @DefaultValue("1s") Duration minActionInterval,
            @DefaultValue("15s") Duration leaseDuration,
            @DefaultValue("10s") Duration leaseRenewDeadline,
            @DefaultValue("2s") Duration leaseRetryPeriod,
            @DefaultValue("fail-writes") OnDataAtRisk onDataAtRisk,
            @DefaultValue("20s") Duration dataAtRiskWait,
            @DefaultValue("false") boolean withoutLease) {}

    /** What writers get when data at risk is not repaired in time, as mooring.healer.on-data-at-risk spells it. */
    public enum OnDataAtRisk {
        /** Writes fail at once with a DataAtRiskException until the replica holding the data is promoted. */
        FAIL_WRITES,
        /** Writes go to the empty master; the healer never promotes the replica over them. */
        WRITE_TO_NEW_MASTER
    }

    /**
     * Where Redis Sentinels manage the group. Mooring finds them by itself (they subscribe to every pod's
     * __sentinel__:hello channel), or behind mooring.sentinel.service, and follows their failovers; without Sentinels
     * these settings do nothing.
     *
     * @param failoverHold How long new writes wait while Sentinel fails the master over (from its +sdown/+odown or
     *        +try-failover of the master to its +switch-master or abort), instead of going to a master Sentinel is
     *        about to replace, where they would be lost. After it they go to that master anyway; 0s never holds.
     * @param username User name of the Sentinels' own ACL user (with +subscribe and +psubscribe), when they have
     *        one; needs mooring.sentinel.password. The pods' credentials stay in spring.data.redis.*.
     * @param password Password of the Sentinels themselves (their requirepass, or the password of
     *        mooring.sentinel.username), when they ask for one; empty means none. Never logged or shown.
     * @param service The Kubernetes Service in front of the Sentinels, in the Redis Service's namespace (e.g.
     *        redis-sentinel), where they run as a Deployment or StatefulSet of their own or announce addresses the
     *        application cannot reach: Mooring then follows exactly the Sentinels behind it, discovered as the Redis
     *        Service is (mooring.source) and followed as they change. Unset (the default): Sentinels are found
     *        through the pods' hello channel, at the addresses they announce. Not with mooring.source=static.
     * @param servicePort The port of mooring.sentinel.service the Sentinels listen on, by name (as in the Service's
     *        ports[].name) or number.
     */
    public record Sentinel(
            @DefaultValue("5s") Duration failoverHold,
            @Nullable String username,
            @Nullable String password,
            @Nullable String service,
            @DefaultValue("26379") String servicePort) {

        /** Without the password: properties are printed in logs and failure reports. */
        @Override
        public String toString() {
            return "Sentinel[failoverHold=" + failoverHold + ", username=" + username + ", password="
                    + (password == null ? "none" : "******") + ", service=" + service + ", servicePort=" + servicePort
                    + "]";
        }
    }

    /** Healer modes, as {@code mooring.healer.mode} spells them. */
    public enum HealerMode {
        /** No checks. */
        OFF,
        /** Detect and explain; change nothing (the default). */
        REPORT,
        /** Detect, explain and repair, one application pod at a time. */
        REPAIR
    }
}
