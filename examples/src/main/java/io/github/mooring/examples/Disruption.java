package io.github.mooring.examples;

import java.util.Locale;

/**
 * What the demo does to the master, in the order it always does them: every disruption but the last leaves pod 0
 * master, which is what the common charts' startup script (pod 0 starts as master) needs to stay sane.
 */
public enum Disruption {

    /** {@code kubectl delete pod redis-0}: the StatefulSet recreates it a second later with a new IP. */
    REPLACE("replace", "delete the master pod; the StatefulSet recreates it with a new IP"),

    /** The master's container is killed (OOM, crash) and the kubelet restarts it in place: same pod, same IP. */
    RESTART("restart", "kill the master's container; the kubelet restarts it in place (same IP)"),

    /** A planned failover to redis-1 with Redis's FAILOVER command (writes paused until the replica caught up). */
    FAILOVER("failover", "fail over from redis-0 to redis-1 (Redis FAILOVER: roles swapped, nothing lost)");

    private final String flag;
    private final String description;

    Disruption(String flag, String description) {
        this.flag = flag;
        this.description = description;
    }

    /** The name used in {@code --disruptions}. */
    public String flag() {
        return flag;
    }

    /** One line for {@code --help}. */
    public String description() {
        return description;
    }

    /** The disruption named {@code flag} (case-insensitive). */
    public static Disruption ofFlag(String flag) {
        String wanted = flag.trim().toLowerCase(Locale.ROOT);
        for (Disruption disruption : values()) {
            if (disruption.flag.equals(wanted)) {
                return disruption;
            }
        }
        throw new IllegalArgumentException("unknown disruption '" + flag.trim() + "': use replace, restart, failover"
                + " (comma-separated) or none");
    }
}
