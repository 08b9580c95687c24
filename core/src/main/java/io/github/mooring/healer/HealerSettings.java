package io.github.mooring.healer;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.mooring.internal.Require;
import java.time.Duration;
import java.util.List;

/**
 * How the healer behaves. Defaults: {@link HealerMode#REPORT} (detect and explain, change nothing), act only on a
 * topology stable for 500 ms, at most one repair per second, a 15 s lease; where a repair may come but does not within
 * 20 s, writes fail with a {@code DataAtRiskException} ({@link DataAtRiskPolicy#FAIL_WRITES}).
 */
public final class HealerSettings {

    private final HealerMode mode;
    private final Duration stableFor;
    private final Duration minActionInterval;
    private final Duration leaseDuration;
    private final Duration renewDeadline;
    private final Duration retryPeriod;
    private final Duration clockSkewAllowance;
    private final String leaseName;
    private final String identity;
    private final KubernetesClient kubernetesClient;
    private final DataAtRiskPolicy onDataAtRisk;
    private final Duration dataAtRiskWait;
    private final boolean withoutLease;

    private HealerSettings(Builder b) {
        this.mode = b.mode;
        this.stableFor = b.stableFor;
        this.minActionInterval = b.minActionInterval;
        this.leaseDuration = b.leaseDuration;
        this.renewDeadline = b.renewDeadline;
        this.retryPeriod = b.retryPeriod;
        this.clockSkewAllowance = b.clockSkewAllowance;
        this.leaseName = b.leaseName;
        this.identity = b.identity;
        this.kubernetesClient = b.kubernetesClient;
        this.onDataAtRisk = b.onDataAtRisk;
        this.dataAtRiskWait = b.dataAtRiskWait;
        this.withoutLease = b.withoutLease;
    }

    public static HealerSettings defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public HealerMode mode() {
        return mode;
    }

    /**
     * How long a condition must persist, unchanged, before the healer acts on it. Data at risk is the exception: it is
     * repaired once a second probe round confirms it, since the application's writes wait for that repair.
     */
    public Duration stableFor() {
        return stableFor;
    }

    /** The least time between two repairs (a rate limit). */
    public Duration minActionInterval() {
        return minActionInterval;
    }

    /** How long a leader's lease lasts without renewal: another client takes over within this after a leader dies. */
    public Duration leaseDuration() {
        return leaseDuration;
    }

    public Duration renewDeadline() {
        return renewDeadline;
    }

    public Duration retryPeriod() {
        return retryPeriod;
    }

    /**
     * How far the clocks of two clients may disagree: part of the fence between a leader that lost its lease and the
     * next one (see {@link #commandTimeout()}).
     */
    public Duration clockSkewAllowance() {
        return clockSkewAllowance;
    }

    /**
     * The safety margin: {@code leaseDuration - renewDeadline - clockSkewAllowance}, at most 2 s. A leader sends a
     * repair command only within the renew deadline of its last renewal, and gives each command at most this long,
     * so that it has ended before another client may take the lease.
     */
    public Duration commandTimeout() {
        Duration margin = leaseDuration.minus(renewDeadline).minus(clockSkewAllowance);
        return margin.compareTo(Duration.ofSeconds(2)) < 0 ? margin : Duration.ofSeconds(2);
    }

    /** The Lease's name, or null for {@code mooring-healer-<service>}. */
    public String leaseName() {
        return leaseName;
    }

    /** This client's identity in the Lease, or null for the pod's host name plus a random suffix. */
    public String identity() {
        return identity;
    }

    /** The client for the Lease, or null to use the kubernetes source's (or the environment's). */
    public KubernetesClient kubernetesClient() {
        return kubernetesClient;
    }

    /** What writers get when the master is withheld for a repair that does not come within {@link #dataAtRiskWait()}. */
    public DataAtRiskPolicy onDataAtRisk() {
        return onDataAtRisk;
    }

    /** How long writes wait for a repair of data at risk before {@link #onDataAtRisk()} applies. */
    public Duration dataAtRiskWait() {
        return dataAtRiskWait;
    }

    /** Whether this client repairs without a Lease (see {@link Builder#repairWithoutLease()}). */
    public boolean withoutLease() {
        return withoutLease;
    }

    @Override
    public String toString() {
        return "HealerSettings[" + mode + (withoutLease ? " without Lease" : "") + ", stableFor=" + stableFor
                + ", lease=" + leaseDuration + ", onDataAtRisk=" + onDataAtRisk + " after " + dataAtRiskWait + "]";
    }

    /** Builds {@link HealerSettings}. */
    public static final class Builder {
        private HealerMode mode = HealerMode.REPORT;
        private Duration stableFor = Duration.ofMillis(500);
        private Duration minActionInterval = Duration.ofSeconds(1);
        private Duration leaseDuration = Duration.ofSeconds(15);
        private Duration renewDeadline = Duration.ofSeconds(10);
        private Duration retryPeriod = Duration.ofSeconds(2);
        private Duration clockSkewAllowance = Duration.ofMillis(500);
        private String leaseName;
        private String identity;
        private KubernetesClient kubernetesClient;
        private DataAtRiskPolicy onDataAtRisk = DataAtRiskPolicy.FAIL_WRITES;
        private Duration dataAtRiskWait = Duration.ofSeconds(20);
        private boolean withoutLease;

        private Builder() {}

        public Builder mode(HealerMode mode) {
            this.mode = Require.nonNull(mode, "mode");
            return this;
        }

        public Builder stableFor(Duration stableFor) {
            this.stableFor = Require.zeroOrPositive(stableFor, "stableFor");
            return this;
        }

        public Builder minActionInterval(Duration interval) {
            this.minActionInterval = Require.zeroOrPositive(interval, "minActionInterval");
            return this;
        }

        /** Lease timing, as in client-go: duration > renew deadline > retry period. */
        public Builder lease(Duration leaseDuration, Duration renewDeadline, Duration retryPeriod) {
            this.leaseDuration = Require.zeroOrPositive(leaseDuration, "leaseDuration");
            this.renewDeadline = Require.zeroOrPositive(renewDeadline, "renewDeadline");
            this.retryPeriod = Require.zeroOrPositive(retryPeriod, "retryPeriod");
            return this;
        }

        /** How far two clients' clocks may disagree (default 500 ms); less than lease duration - renew deadline. */
        public Builder clockSkewAllowance(Duration allowance) {
            this.clockSkewAllowance = Require.zeroOrPositive(allowance, "clockSkewAllowance");
            return this;
        }

        public Builder leaseName(String leaseName) {
            this.leaseName = Require.nonNull(leaseName, "leaseName");
            return this;
        }

        public Builder identity(String identity) {
            this.identity = Require.nonNull(identity, "identity");
            return this;
        }

        public Builder kubernetesClient(KubernetesClient client) {
            this.kubernetesClient = Require.nonNull(client, "kubernetesClient");
            return this;
        }

        /**
         * When the master came back empty while a replica holds the data, and the master is withheld from writers
         * for a repair (repair mode, or Sentinels that will promote), what writers get if no repair comes within
         * {@code after} (default {@link DataAtRiskPolicy#FAIL_WRITES} after 20 s, longer than the default Lease, so
         * that another client can take over a dead leader's repair first). Zero or positive.
         */
        public Builder onDataAtRisk(DataAtRiskPolicy policy, Duration after) {
            this.onDataAtRisk = Require.nonNull(policy, "onDataAtRisk");
            this.dataAtRiskWait = Require.zeroOrPositive(after, "dataAtRiskWait");
            return this;
        }

        /**
         * Repair without a Lease: this client repairs as if it always led. Only for a Service that exactly one
         * application replica uses Mooring for (a single-replica Deployment, a batch job), where the Kubernetes API
         * or the Lease's RBAC is not available. The risk, if a second client does the same: nothing elects one of
         * them, so two may repair the same condition at once from different probe rounds (one promotes a replica
         * while the other re-points it), and nothing fences a client that stalled mid-repair against the other. With
         * one client, repairs are as safe as with a Lease: each step is still re-checked on the pod right before it.
         */
        public Builder repairWithoutLease() {
            this.withoutLease = true;
            return this;
        }

        public HealerSettings build() {
            if (!(leaseDuration.compareTo(renewDeadline) > 0 && renewDeadline.compareTo(retryPeriod) > 0)) {
                throw Require.invalid(
                        "lease",
                        "leaseDuration > renewDeadline > retryPeriod",
                        List.of(leaseDuration, renewDeadline, retryPeriod));
            }
            if (leaseDuration.minus(renewDeadline).compareTo(clockSkewAllowance) <= 0) {
                throw Require.invalid(
                        "clockSkewAllowance",
                        "less than leaseDuration - renewDeadline (the safety margin of a repair command)",
                        List.of(clockSkewAllowance, leaseDuration.minus(renewDeadline)));
            }
            return new HealerSettings(this);
        }
    }
}
