package io.github.mooring.internal.sentinel;

import java.util.Collection;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;

/**
 * What the Sentinels say about one master: its address, the configuration epoch that put it there, and whether a
 * failover of it is in progress; and the pure rule that folds each new Sentinel message into it
 * ({@link #apply(SentinelView, Observation)}).
 * <p>
 * Sentinels publish at different moments and their messages reach us over different connections, so they arrive in
 * any order: a hello sent just before a failover can arrive after the {@code +switch-master} that ended it. The
 * configuration epoch orders them: every failover that ends in a switch raises it, so a message carrying an older
 * epoch than the one we follow is late and changes nothing, and connections never move back.
 *
 * @param masterName the name the Sentinels monitor the group under
 * @param master the master's address ({@code ip:port}), as the newest configuration says
 * @param configEpoch the configuration epoch of that address
 * @param failover the failover event in progress for {@code master} ({@code +odown}, {@code +try-failover}, ...),
 *        or null when none is
 * @param promoting the replica that failover is promoting, once Sentinel named it ({@code
 *        +failover-state-send-slaveof-noone}), or null
 */
public record SentinelView(
        String masterName, String master, long configEpoch, String failover, Set<String> down, String promoting) {

    /** Nothing heard yet. */
    public static final SentinelView NONE = new SentinelView(null, null, -1, null);

    /**
     * @param down the Sentinels that see the master down ({@code +sdown}, {@code +odown}) before any failover started:
     *     the hold ends when the last of them sees it up again
     */
    public SentinelView {
        down = Set.copyOf(down);
    }

    public SentinelView(String masterName, String master, long configEpoch, String failover, Set<String> down) {
        this(masterName, master, configEpoch, failover, down, null);
    }

    public SentinelView(String masterName, String master, long configEpoch, String failover) {
        this(masterName, master, configEpoch, failover, Set.of());
    }

    public boolean known() {
        return master != null;
    }

    public boolean failoverInProgress() {
        return failover != null;
    }

    /**
     * One thing a Sentinel said, with the configuration epoch it holds for the master (a hello carries it; for an
     * event, the newest epoch that Sentinel announced, or -1 when we have not heard one yet).
     */
    public sealed interface Observation {
        String masterName();
    }

    /** The master is at {@code master} as of {@code configEpoch} (a hello, or a {@code +switch-master}). */
    public record MasterAt(String masterName, String master, String from, long configEpoch) implements Observation {
        /** A hello: no previous address. */
        public static MasterAt hello(SentinelMessage.Hello hello) {
            return new MasterAt(hello.masterName(), hello.master(), null, hello.configEpoch());
        }
    }

    /**
     * A failover of the master at {@code master} started ({@code inProgress}) or ended without a switch; {@code
     * replica}: the replica it promotes, when the event names it (else null).
     */
    public record FailoverOf(
            String masterName, String master, String event, boolean inProgress, String sentinel, String replica)
            implements Observation {
        public FailoverOf(String masterName, String master, String event, boolean inProgress, String sentinel) {
            this(masterName, master, event, inProgress, sentinel, null);
        }

        public FailoverOf(String masterName, String master, String event, boolean inProgress) {
            this(masterName, master, event, inProgress, "");
        }
    }

    /** What an observation did, and the rule that decided it. */
    public record Step(SentinelView view, Rule rule) {
        /** Whether the master moved (connections follow at once). */
        public boolean moved(SentinelView before) {
            return view.known() && !Objects.equals(before.master(), view.master());
        }
    }

    /** The rules, in the order they are tried. */
    public enum Rule {
        /** The first address heard for a group is taken. */
        FIRST_HEARD,
        /** A message about another master name (the Sentinels monitor several groups on shared pods). */
        OTHER_GROUP,
        /** Older configuration epoch than the one followed: a late message, ignored. */
        OLDER_EPOCH,
        /** The same epoch and address: a confirmation. */
        CONFIRMED,
        /** The same epoch, another address: two Sentinels cannot elect two masters in one epoch; the first stays. */
        SAME_EPOCH_CONFLICT,
        /** A switch from the address we follow whose epoch we do not know: Sentinel moved on from our master. */
        SWITCHED_FROM_OURS,
        /** A switch from an address we no longer follow, epoch unknown: late, ignored. */
        SWITCHED_FROM_ELSEWHERE,
        /** A newer configuration epoch: the master moves there, any failover in progress is over. */
        NEWER_EPOCH,
        /** A failover of the master we follow has started (writes are better held than sent there). */
        FAILOVER_STARTED,
        /** That failover was aborted (or, before Sentinel started it, the master is up again: -sdown, -odown). */
        FAILOVER_ENDED,
        /**
         * {@code -sdown} or {@code -odown} once Sentinel has started the failover (the old master came back): it goes on to a
         * switch or an abort, so writes keep waiting; released to the old master, they would be lost at the switch.
         */
        FAILOVER_GOES_ON,
        /** One Sentinel sees the master up again, others still see it down: writes keep waiting. */
        OTHERS_SEE_IT_DOWN,
        /** A failover event about an address we no longer follow: late, ignored. */
        FAILOVER_ELSEWHERE
    }

    /** Folds {@code observation} into {@code before}: pure, the same answer for the same two inputs. */
    public static Step apply(SentinelView before, Observation observation) {
        Objects.requireNonNull(before, "before");
        Objects.requireNonNull(observation, "observation");
        if (before.masterName() != null && !before.masterName().equals(observation.masterName())) {
            return new Step(before, Rule.OTHER_GROUP);
        }
        if (observation instanceof FailoverOf failover) {
            if (!before.known() || !failover.master().equals(before.master())) {
                return new Step(before, Rule.FAILOVER_ELSEWHERE);
            }
            Set<String> down = new HashSet<>(before.down());
            if (failover.inProgress()) {
                if (early(failover.event())) {
                    down.add(failover.sentinel());
                }
                String event = before.failoverInProgress() && !early(before.failover()) && early(failover.event())
                        ? before.failover() // a real failover is not downgraded by another Sentinel's sdown
                        : failover.event();
                String promoting = failover.replica() != null ? failover.replica() : before.promoting();
                return new Step(
                        new SentinelView(
                                before.masterName(), before.master(), before.configEpoch(), event, down, promoting),
                        Rule.FAILOVER_STARTED);
            }
            if (failover.event().endsWith("down") && before.failoverInProgress() && !early(before.failover())) {
                return new Step(before, Rule.FAILOVER_GOES_ON);
            }
            if (failover.event().endsWith("down")) {
                down.remove(failover.sentinel());
                if (!down.isEmpty()) {
                    return new Step(before.with(before.failover(), down), Rule.OTHERS_SEE_IT_DOWN);
                }
            }
            return new Step(before.with(null, Set.of()), Rule.FAILOVER_ENDED);
        }
        MasterAt at = (MasterAt) observation;
        SentinelView moved = new SentinelView(at.masterName(), at.master(), at.configEpoch(), null);
        if (!before.known()) {
            return new Step(moved, Rule.FIRST_HEARD);
        }
        if (at.configEpoch() < 0) { // a switch from a Sentinel whose epoch we have not heard yet
            if (at.from() != null
                    && at.from().equals(before.master())
                    && !at.master().equals(before.master())) {
                return new Step(
                        new SentinelView(at.masterName(), at.master(), before.configEpoch(), null),
                        Rule.SWITCHED_FROM_OURS);
            }
            return new Step(before, Rule.SWITCHED_FROM_ELSEWHERE);
        }
        if (at.configEpoch() < before.configEpoch()) {
            return new Step(before, Rule.OLDER_EPOCH);
        }
        if (at.configEpoch() == before.configEpoch()) {
            return at.master().equals(before.master())
                    ? new Step(before, Rule.CONFIRMED)
                    : new Step(before, Rule.SAME_EPOCH_CONFLICT);
        }
        return new Step(moved, Rule.NEWER_EPOCH);
    }

    /**
     * Why writes must not go to {@code address} now, or null when they may: the Sentinels name another pod of the
     * group ({@code probed}: addresses the election can follow; a host name or a deleted pod is not followed, else
     * writes would wait for a master that never comes), or they are failing {@code address} over and the hold's bound
     * has not passed ({@code holdRunning}).
     * <p>
     * The replica a failover in progress is promoting is not held back: writes are only bound to it once the probes
     * saw it answer as master, and from there Sentinel goes on to name it ({@code +promoted-slave} at its next look,
     * up to a second later) unless it cannot see the promotion for its whole failover timeout.
     */
    public String holdsWritesTo(String address, Collection<String> probed, boolean holdRunning) {
        if (!known() || address == null) {
            return null;
        }
        if (!master.equals(address)) {
            if (failoverInProgress() && address.equals(promoting)) {
                return null;
            }
            return probed.contains(master) ? "the Sentinels name " + master + " as master" : null;
        }
        return failoverInProgress() && holdRunning ? "Sentinel is failing it over (" + failover + ")" : null;
    }

    /** Whether {@code event} comes before Sentinel starts a failover: the master may still come back without one. */
    private static boolean early(String event) {
        return "+sdown".equals(event) || "+odown".equals(event);
    }

    private SentinelView with(String event, Set<String> downNow) {
        return new SentinelView(masterName, master, configEpoch, event, downNow, event == null ? null : promoting);
    }
}
