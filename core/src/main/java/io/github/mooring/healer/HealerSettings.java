package io.github.mooring.healer;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Objects;

/**
 * How the healer behaves. Defaults: {@link HealerMode#REPORT} (detect and explain, change nothing), act only on a
 * topology stable for 500 ms, at most one repair per second, a 15 s lease.
 */
public final class HealerSettings {

    private final HealerMode mode;
    private final Duration stableFor;
    private final Duration minActionInterval;
    private final Duration leaseDuration;
    private final Duration renewDeadline;
    private final Duration retryPeriod;
    private final String leaseName;
    private final String identity;
    private final KubernetesClient kubernetesClient;

    private HealerSettings(Builder b) {
        this.mode = b.mode;
        this.stableFor = b.stableFor;
        this.minActionInterval = b.minActionInterval;
        this.leaseDuration = b.leaseDuration;
        this.renewDeadline = b.renewDeadline;
        this.retryPeriod = b.retryPeriod;
        this.leaseName = b.leaseName;
        this.identity = b.identity;
        this.kubernetesClient = b.kubernetesClient;
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

    /** How long a condition must persist, unchanged, before the healer acts on it. */
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

    @Override
    public String toString() {
        return "HealerSettings[" + mode + ", stableFor=" + stableFor + ", lease=" + leaseDuration + "]";
    }

    /** Builds {@link HealerSettings}. */
    public static final class Builder {
        private HealerMode mode = HealerMode.REPORT;
        private Duration stableFor = Duration.ofMillis(500);
        private Duration minActionInterval = Duration.ofSeconds(1);
        private Duration leaseDuration = Duration.ofSeconds(15);
        private Duration renewDeadline = Duration.ofSeconds(10);
        private Duration retryPeriod = Duration.ofSeconds(2);
        private String leaseName;
        private String identity;
        private KubernetesClient kubernetesClient;

        private Builder() {}

        public Builder mode(HealerMode mode) {
            this.mode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        public Builder stableFor(Duration stableFor) {
            this.stableFor = requireNonNegative(stableFor, "healer stable-for");
            return this;
        }

        public Builder minActionInterval(Duration interval) {
            this.minActionInterval = requireNonNegative(interval, "healer min action interval");
            return this;
        }

        /** Lease timing, as in client-go: duration > renew deadline > retry period. */
        public Builder lease(Duration leaseDuration, Duration renewDeadline, Duration retryPeriod) {
            this.leaseDuration = requireNonNegative(leaseDuration, "lease duration");
            this.renewDeadline = requireNonNegative(renewDeadline, "lease renew deadline");
            this.retryPeriod = requireNonNegative(retryPeriod, "lease retry period");
            return this;
        }

        public Builder leaseName(String leaseName) {
            this.leaseName = Objects.requireNonNull(leaseName, "leaseName");
            return this;
        }

        public Builder identity(String identity) {
            this.identity = Objects.requireNonNull(identity, "identity");
            return this;
        }

        public Builder kubernetesClient(KubernetesClient client) {
            this.kubernetesClient = Objects.requireNonNull(client, "client");
            return this;
        }

        public HealerSettings build() {
            if (!(leaseDuration.compareTo(renewDeadline) > 0 && renewDeadline.compareTo(retryPeriod) > 0)) {
                throw new IllegalArgumentException("lease timing must satisfy duration > renew deadline > retry period,"
                        + " was " + leaseDuration + ", " + renewDeadline + ", " + retryPeriod);
            }
            return new HealerSettings(this);
        }

        private static Duration requireNonNegative(Duration d, String what) {
            if (d == null || d.isNegative()) {
                throw new IllegalArgumentException(what + " must be zero or positive, was " + d);
            }
            return d;
        }
    }
}
