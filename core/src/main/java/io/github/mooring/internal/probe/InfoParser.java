package io.github.mooring.internal.probe;

import io.github.mooring.probe.NodeReport;
import io.github.mooring.probe.Role;
import io.lettuce.core.RedisCommandExecutionException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletionException;

/**
 * Turns the bulk strings Redis returns for {@code INFO replication}, {@code INFO persistence},
 * {@code INFO keyspace} and {@code INFO server} (or for these and {@code cluster} in one {@code INFO}) into a
 * {@link NodeReport}.
 *
 * <p>Reads Redis 6.2 and 7.x output: CRLF (or LF) lines, {@code # Section} headers and {@code key:value}
 * fields. Unknown fields are ignored, missing ones take the neutral value documented on
 * {@link NodeReport}. Any argument may be {@code null} or empty (a Sentinel answers only {@code server}).
 */
public final class InfoParser {

    private InfoParser() {}

    /**
     * Parses the reply of one {@code INFO replication persistence keyspace server cluster} (Redis 7 and later), whose
     * sections come in the server's order under their {@code # Section} headers.
     */
    public static NodeReport parse(String info) {
        Map<String, StringBuilder> sections = new HashMap<>();
        StringBuilder current = null;
        for (String line : info == null ? new String[0] : info.split("\r?\n")) {
            if (line.startsWith("# ")) {
                current = sections.computeIfAbsent(
                        line.substring(2).trim().toLowerCase(Locale.ROOT), s -> new StringBuilder());
            } else if (current != null) {
                current.append(line).append('\n');
            }
        }
        return parse(
                section(sections, "replication"),
                section(sections, "persistence"),
                section(sections, "keyspace"),
                section(sections, "server"),
                section(sections, "cluster"));
    }

    /**
     * Whether {@code failure} is a server's refusal of several sections in one {@code INFO}: Redis before 7.0 answers
     * {@code ERR syntax error} (6.x) or {@code ERR wrong number of arguments} (older).
     */
    public static boolean refusesSeveralSections(Throwable failure) {
        Throwable cause =
                failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        String message = cause instanceof RedisCommandExecutionException ? cause.getMessage() : null;
        return message != null
                && (message.startsWith("ERR syntax error") || message.startsWith("ERR wrong number of arguments"));
    }

    private static String section(Map<String, StringBuilder> sections, String name) {
        StringBuilder section = sections.get(name);
        return section == null ? null : section.toString();
    }

    /**
     * Parses the four sections asked one by one (Redis before 7.0): whether the pod is a cluster node is read from
     * {@code redis_mode} in {@code server}, so that the fallback costs no fifth command. Never fails on odd content.
     */
    public static NodeReport parse(String replication, String persistence, String keyspace, String server) {
        return parse(replication, persistence, keyspace, server, null);
    }

    /** Parses the five sections; never fails on odd content, only reports less. */
    public static NodeReport parse(
            String replication, String persistence, String keyspace, String server, String cluster) {
        Map<String, String> repl = fields(replication);
        Map<String, String> srv = fields(server);
        Role role = role(srv.get("redis_mode"), repl.get("role"));
        boolean replica = role == Role.REPLICA;
        boolean linkUp = replica && "up".equals(repl.get("master_link_status"));
        long masterOffset = number(repl.get("master_repl_offset"), 0);
        return new NodeReport(
                role,
                srv.get("run_id"),
                repl.get("master_replid"),
                repl.get("master_replid2"),
                number(repl.get("second_repl_offset"), -1),
                replica ? number(repl.get("slave_repl_offset"), masterOffset) : masterOffset,
                replica ? repl.get("master_host") : null,
                replica ? (int) number(repl.get("master_port"), 0) : 0,
                linkUp,
                replica && !linkUp ? linkDownSince(repl, srv) : -1,
                replica && number(repl.get("master_sync_in_progress"), 0) == 1,
                number(fields(persistence).get("loading"), 0) == 1,
                keys(fields(keyspace)),
                (int) number(repl.get("connected_slaves"), replicaLines(repl)),
                clusterEnabled(fields(cluster), srv));
    }

    /** {@code cluster_enabled:1}, or a server that says {@code redis_mode:cluster} (the same flag, in every version). */
    private static boolean clusterEnabled(Map<String, String> cluster, Map<String, String> server) {
        return "1".equals(cluster.get("cluster_enabled")) || "cluster".equals(server.get("redis_mode"));
    }

    private static Role role(String mode, String role) {
        if ("sentinel".equals(mode)) {
            return Role.SENTINEL;
        }
        if ("master".equals(role)) {
            return Role.MASTER;
        }
        return "slave".equals(role) || "replica".equals(role) ? Role.REPLICA : Role.UNKNOWN;
    }

    private static long linkDownSince(Map<String, String> repl, Map<String, String> srv) {
        long seconds = number(repl.get("master_link_down_since_seconds"), -1);
        if (seconds < 0) {
            return -1;
        }
        // Older servers print "now - 0" (about 1.7e9) for a replica that never connected; the link cannot
        // have been down longer than the process has lived.
        long uptime = number(srv.get("uptime_in_seconds"), -1);
        return uptime >= 0 ? Math.min(seconds, uptime) : seconds;
    }

    /** Sums {@code keys=} over {@code db0:keys=3,expires=0,avg_ttl=0} lines. */
    private static long keys(Map<String, String> keyspace) {
        long total = 0;
        for (Map.Entry<String, String> db : keyspace.entrySet()) {
            if (db.getKey().matches("db\\d+")) {
                for (String attribute : db.getValue().split(",")) {
                    if (attribute.startsWith("keys=")) {
                        total += Math.max(0, number(attribute.substring(5), 0));
                    }
                }
            }
        }
        return total;
    }

    /** Counts {@code slave0:ip=...} lines, for output that lacks {@code connected_slaves}. */
    private static long replicaLines(Map<String, String> repl) {
        return repl.keySet().stream().filter(key -> key.matches("slave\\d+")).count();
    }

    private static Map<String, String> fields(String section) {
        Map<String, String> fields = new HashMap<>();
        if (section == null) {
            return fields;
        }
        for (String line : section.split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && !line.startsWith("#")) {
                fields.put(
                        line.substring(0, colon).trim(),
                        line.substring(colon + 1).trim());
            }
        }
        return fields;
    }

    private static long number(String value, long fallback) {
        if (value == null) {
            return fallback;
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}
