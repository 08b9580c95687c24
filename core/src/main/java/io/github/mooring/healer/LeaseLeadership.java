package io.github.mooring.healer;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who repairs: one Kubernetes Lease per Service, acquired and renewed on its own thread, never on the repair thread.
 *
 * <p>Fencing by time. A renewal sent at {@code t} (this JVM's monotonic clock, taken before the request) lets this
 * client act until {@code t + renewDeadline}; another candidate takes over no earlier than {@code t + leaseDuration}
 * by its own clock. So a repair command started while {@link #holds(long)} is true and bounded by
 * {@link HealerSettings#commandTimeout()} (at most {@code leaseDuration - renewDeadline - clockSkewAllowance}) has
 * ended before anyone else may act, even across a clock skew of up to the allowance. What Redis itself does with a
 * command delayed in the network is beyond any client's fence.
 *
 * <p>Losing the lease, by time or by seeing another holder, starts a new term: a repair started in an older term stops
 * before its next command.
 */
final class LeaseLeadership implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LeaseLeadership.class);

    /** What the healer hears from its lease, on the lease's threads. */
    interface Listener {
        void leadershipChanged(boolean leader);

        /** Leading is impossible (RBAC, no Lease API): said once, and the lease stops trying. */
        void cannotLead(String why);
    }

    private final KubernetesClient client;
    private final String namespace;
    private final String name;
    private final String identity;
    private final HealerSettings settings;
    private final Listener listener;
    private final ScheduledExecutorService timer;
    private final AtomicBoolean leader = new AtomicBoolean();
    private final AtomicLong term = new AtomicLong();
    private volatile long renewedAtNanos;
    private volatile boolean stopped;

    LeaseLeadership(
            KubernetesClient client,
            String namespace,
            String name,
            String identity,
            HealerSettings settings,
            String threadName,
            Listener listener) {
        this.client = client;
        this.namespace = namespace;
        this.name = name;
        this.identity = identity;
        this.settings = settings;
        this.listener = listener;
        // Two threads: a renewal hanging on a silent API server must not delay noticing the deadline.
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(2, r -> {
            Thread thread = new Thread(r, threadName);
            thread.setDaemon(true);
            return thread;
        });
        executor.setRemoveOnCancelPolicy(true);
        this.timer = executor;
    }

    void start() {
        timer.scheduleWithFixedDelay(
                this::acquireOrRenew, 0, settings.retryPeriod().toMillis(), TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(
                this::checkDeadline, 0, Math.max(10, settings.retryPeriod().toMillis() / 4), TimeUnit.MILLISECONDS);
    }

    /** The current term: it changes whenever leadership is gained or lost. */
    long term() {
        return term.get();
    }

    /** Whether this client leads now, in {@code term}, within the renew deadline of its last renewal. */
    boolean holds(long term) {
        return leader.get()
                && this.term.get() == term
                && System.nanoTime() - renewedAtNanos < settings.renewDeadline().toNanos();
    }

    boolean isLeader() {
        return holds(term.get());
    }

    private void checkDeadline() {
        if (leader.get()
                && System.nanoTime() - renewedAtNanos
                        >= settings.renewDeadline().toNanos()) {
            lose("no renewal within the renew deadline ("
                    + settings.renewDeadline().toMillis() + " ms)");
        }
    }

    private void acquireOrRenew() {
        if (stopped) {
            return;
        }
        long sentAt = System.nanoTime();
        try {
            Resource<Lease> resource = client.leases().inNamespace(namespace).withName(name);
            Lease lease = resource.get();
            ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
            if (lease == null) {
                client.leases()
                        .inNamespace(namespace)
                        .resource(new LeaseBuilder()
                                .withMetadata(new ObjectMetaBuilder()
                                        .withName(name)
                                        .withNamespace(namespace)
                                        .build())
                                .withNewSpec()
                                .withHolderIdentity(identity)
                                .withLeaseDurationSeconds(leaseSeconds())
                                .withAcquireTime(now)
                                .withRenewTime(now)
                                .withLeaseTransitions(0)
                                .endSpec()
                                .build())
                        .create();
                renewed(sentAt);
                return;
            }
            LeaseSpec spec = lease.getSpec() == null ? new LeaseSpec() : lease.getSpec();
            boolean mine = identity.equals(spec.getHolderIdentity());
            if (!mine && heldByAnother(spec, now)) {
                if (leader.get()) {
                    lose(spec.getHolderIdentity() + " holds the Lease");
                }
                return;
            }
            int transitions = spec.getLeaseTransitions() == null ? 0 : spec.getLeaseTransitions();
            Lease next = new LeaseBuilder(lease)
                    .editOrNewSpec()
                    .withHolderIdentity(identity)
                    .withLeaseDurationSeconds(leaseSeconds())
                    .withAcquireTime(mine && spec.getAcquireTime() != null ? spec.getAcquireTime() : now)
                    .withRenewTime(now)
                    .withLeaseTransitions(mine ? transitions : transitions + 1)
                    .endSpec()
                    .build();
            // Optimistic: the resourceVersion read above makes a concurrent taker's update fail with 409.
            client.leases().inNamespace(namespace).resource(next).update();
            renewed(sentAt);
        } catch (KubernetesClientException e) {
            if (!leader.get() && cannotEverLead(e.getCode())) {
                stopped = true;
                listener.cannotLead(why(e));
                return;
            }
            log.debug("healer Lease {}/{}: {}", namespace, name, e.getMessage());
        } catch (RuntimeException e) {
            log.debug("healer Lease {}/{}: {}", namespace, name, e.toString());
        }
    }

    private static boolean cannotEverLead(int code) {
        // 401/403: RBAC; 404 on the resource type: no Lease API; 405: the server does not allow the verb.
        return code == 401 || code == 403 || code == 404 || code == 405;
    }

    private String why(KubernetesClientException e) {
        String verb = e.getCode() == 404 ? "find the Lease API" : "create or update";
        return "the healer cannot lead: the Kubernetes API refused to " + verb + " the Lease '" + name
                + "' in namespace '" + namespace + "' (HTTP " + e.getCode() + "). Grant the service account "
                + "`create` on `leases` in group `coordination.k8s.io` (Role rule " + Healer.LEASE_RULE
                + "); until then the healer only reports";
    }

    private boolean heldByAnother(LeaseSpec spec, ZonedDateTime now) {
        String holder = spec.getHolderIdentity();
        if (holder == null || holder.isEmpty() || spec.getRenewTime() == null) {
            return false; // released, or never held
        }
        int seconds = spec.getLeaseDurationSeconds() == null ? leaseSeconds() : spec.getLeaseDurationSeconds();
        return spec.getRenewTime().plusSeconds(seconds).isAfter(now);
    }

    private int leaseSeconds() {
        return (int) Math.max(1, (settings.leaseDuration().toMillis() + 999) / 1000);
    }

    private void renewed(long sentAt) {
        renewedAtNanos = sentAt;
        if (!stopped && leader.compareAndSet(false, true)) {
            term.incrementAndGet();
            listener.leadershipChanged(true);
        }
    }

    private void lose(String why) {
        if (leader.compareAndSet(true, false)) {
            term.incrementAndGet();
            log.debug("healer Lease {}/{} lost: {}", namespace, name, why);
            listener.leadershipChanged(false);
        }
    }

    /**
     * Stops; a leader hands the Lease back (no holder), so that another candidate takes it at its next attempt,
     * within its retry period, instead of waiting for the lease to run out.
     */
    @Override
    public void close() {
        stopped = true;
        boolean wasLeader = leader.get();
        lose("closed");
        timer.shutdownNow();
        if (!wasLeader) {
            return;
        }
        try {
            Lease lease = client.leases().inNamespace(namespace).withName(name).get();
            if (lease != null
                    && lease.getSpec() != null
                    && identity.equals(lease.getSpec().getHolderIdentity())) {
                client.leases()
                        .inNamespace(namespace)
                        .resource(new LeaseBuilder(lease)
                                .editSpec()
                                .withHolderIdentity(null)
                                .withRenewTime(ZonedDateTime.now(ZoneOffset.UTC))
                                .endSpec()
                                .build())
                        .update();
            }
        } catch (RuntimeException e) {
            log.info(
                    "healer Lease {}/{} not released ({}): another client takes over when it runs out ({} s)",
                    namespace,
                    name,
                    e.getMessage(),
                    leaseSeconds());
        }
    }
}
