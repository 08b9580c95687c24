package io.github.mooring.healer;

/**
 * What an application sees of a running healer, of a replication group ({@link Healer}) or of a Redis Cluster
 * ({@link ClusterHealer}): its mode, whether this client repairs, and its events. Health checks and endpoints read
 * it the same way for both.
 */
public interface HealerView {

    /** The mode the healer runs in: {@link HealerMode#REPORT} where repair was asked for but cannot work. */
    HealerMode mode();

    /** Whether this client holds the Lease, within the renew deadline of its last renewal (and so repairs). */
    boolean isLeader();

    /** This client's name in the Lease ({@link HealerSettings#identity()}, by default the pod's host name plus a random suffix). */
    String identity();

    /** Hears of what the healer finds and does. */
    void addListener(HealerListener listener);

    void removeListener(HealerListener listener);
}
