package io.github.mooring.internal.sentinel;

import io.github.mooring.discovery.Endpoint;
import java.util.List;
import java.util.Optional;

/**
 * What a Sentinel said, parsed: a hello (published every 2 s on {@code __sentinel__:hello} of every pod it
 * monitors, and at once when it learns of a new master) or one of the events it publishes on its own channels
 * ({@code +switch-master}, {@code +odown}, {@code +try-failover}, ...). Messages that do not parse are
 * {@linkplain #parse(String, String) empty}: a Sentinel of a newer version may say more, never less.
 */
public sealed interface SentinelMessage {

    /** The channel every Sentinel publishes its hello on, on every pod it monitors. */
    String HELLO_CHANNEL = "__sentinel__:hello";

    /** The master this message is about. */
    String masterName();

    /**
     * A Sentinel's hello: {@code <ip>,<port>,<run id>,<current epoch>,<master name>,<master ip>,<master port>,<config
     * epoch>}.
     *
     * @param sentinel the address the Sentinel announces (where its clients reach it)
     * @param master the address of the master, as this Sentinel's configuration at {@code configEpoch} says
     */
    record Hello(String sentinel, String runId, long currentEpoch, String masterName, String master, long configEpoch)
            implements SentinelMessage {}

    /**
     * {@code +switch-master <name> <old ip> <old port> <new ip> <new port>}: this Sentinel now names another master.
     * Also {@code +promoted-slave slave <ip:port> <ip> <port> @ <name> <old ip> <old port>}: the failover's leader saw
     * the replica answer as master. From there the failover can no longer be aborted (Sentinel goes on to reconfigure
     * the other replicas, then switches), so the new master takes writes now rather than after that reconfiguration.
     *
     * @param event the channel it came on: {@code +switch-master} or {@code +promoted-slave}
     */
    record Switch(String masterName, String from, String to, String event) implements SentinelMessage {}

    /**
     * An event about a failover of {@code master}: one of {@code +sdown}, {@code +odown}, {@code +try-failover}, {@code +elected-leader},
     * {@code +failover-state-*} (in progress) or {@code -sdown}, {@code -odown}, {@code -failover-abort-*} (over without
     * a switch).
     *
     * @param replica the replica the event is about ({@code +failover-state-send-slaveof-noone} and
     *     {@code +failover-state-wait-promotion} name the one being promoted), or null for an event about the master
     */
    record Failover(String masterName, String master, String event, boolean inProgress, String replica)
            implements SentinelMessage {
        public Failover(String masterName, String master, String event, boolean inProgress) {
            this(masterName, master, event, inProgress, null);
        }
    }

    /** {@code +new-epoch <epoch>}: the Sentinel voted in (or started) a failover at this epoch. */
    record NewEpoch(long epoch) implements SentinelMessage {
        @Override
        public String masterName() {
            return "";
        }
    }

    /** Parses a message published on {@code channel}; empty for channels and payloads that say nothing we use. */
    static Optional<SentinelMessage> parse(String channel, String message) {
        if (channel == null || message == null) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(parseOrNull(channel, message.trim()));
        } catch (RuntimeException malformed) { // a number that is none, a missing field
            return Optional.empty();
        }
    }

    private static SentinelMessage parseOrNull(String channel, String message) {
        if (HELLO_CHANNEL.equals(channel)) {
            String[] f = message.split(",");
            return f.length < 8
                    ? null
                    : new Hello(
                            address(f[0], f[1]),
                            f[2],
                            Long.parseLong(f[3]),
                            f[4],
                            address(f[5], f[6]),
                            Long.parseLong(f[7]));
        }
        String[] f = message.split(" ");
        if ("+switch-master".equals(channel)) {
            return f.length < 5 ? null : new Switch(f[0], address(f[1], f[2]), address(f[3], f[4]), channel);
        }
        if ("+promoted-slave".equals(channel)) {
            int at = List.of(f).indexOf("@");
            return at != 4 || f.length < 8 || !"slave".equals(f[0])
                    ? null
                    : new Switch(f[5], address(f[6], f[7]), address(f[2], f[3]), channel);
        }
        if ("+new-epoch".equals(channel)) {
            return new NewEpoch(Long.parseLong(f[0]));
        }
        boolean starts = channel.equals("+sdown")
                || channel.equals("+odown")
                || channel.equals("+try-failover")
                || channel.equals("+elected-leader")
                || channel.startsWith("+failover-state-");
        boolean ends = channel.equals("-sdown") || channel.equals("-odown") || channel.startsWith("-failover-abort-");
        if (!starts && !ends) {
            return null;
        }
        // "%@" of a master: "master <name> <ip> <port> ..."; of another instance: "... @ <master> <ip> <port>".
        // A replica's or a Sentinel's own sdown/odown says nothing about the master.
        boolean aboutTheMasterOnly = channel.endsWith("sdown") || channel.endsWith("odown");
        int at = aboutTheMasterOnly ? -1 : List.of(f).indexOf("@");
        if (at >= 0 && f.length >= at + 4) {
            String replica = at == 4 && "slave".equals(f[0]) ? address(f[2], f[3]) : null;
            return new Failover(f[at + 1], address(f[at + 2], f[at + 3]), channel, starts, replica);
        }
        return f.length >= 4 && "master".equals(f[0]) ? new Failover(f[1], address(f[2], f[3]), channel, starts) : null;
    }

    private static String address(String ip, String port) {
        return Endpoint.address(ip, Integer.parseInt(port));
    }
}
