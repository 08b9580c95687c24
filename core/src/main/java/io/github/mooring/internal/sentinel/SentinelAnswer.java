package io.github.mooring.internal.sentinel;

import io.github.mooring.discovery.Endpoint;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a Sentinel answered, as Mooring subscribed to its events, to {@code SENTINEL MASTER <name>} (or, before any
 * name is known, {@code SENTINEL MASTERS}): which of its masters is the group's, and the observations a hello and its
 * failover events would have given ({@link Choice#observations(String)}). So the master the Sentinels name, its
 * configuration epoch and a failover already under way are known at once, not at the next hello (up to 2 s later),
 * and they go through {@link SentinelView#apply} like any message: an answer older than what was heard since changes
 * nothing. A pure function with named rules ({@code SentinelAnswerTest}).
 */
public final class SentinelAnswer {

    private SentinelAnswer() {}

    /**
     * One master as a Sentinel describes it.
     *
     * @param address {@code ip:port} in the canonical form
     * @param flags Sentinel's flags for it ({@code master}, {@code s_down}, {@code o_down}, {@code
     *     failover_in_progress}, ...)
     */
    public record Master(String name, String address, long configEpoch, Set<String> flags) {

        public Master {
            flags = Set.copyOf(flags);
        }

        /** The fields of one master in Sentinel's reply; empty when one we need is missing or malformed. */
        public static Optional<Master> parse(Map<String, String> fields) {
            try {
                String flags = fields.getOrDefault("flags", "");
                return Optional.of(new Master(
                        fields.get("name").trim(),
                        Endpoint.address(fields.get("ip"), Integer.parseInt(fields.get("port"))),
                        Long.parseLong(fields.get("config-epoch")),
                        flags.isEmpty() ? Set.of() : Set.of(flags.split(","))));
            } catch (RuntimeException malformed) { // a field missing (null) or not a number: an older or newer Sentinel
                return Optional.empty();
            }
        }

        /**
         * The failover event this master's flags stand for, or null: a failover under way holds writes as {@code
         * +try-failover} does; {@code o_down}/{@code s_down} hold them as those events do, until this Sentinel's
         * {@code -sdown}.
         */
        String failoverEvent() {
            if (flags.contains("failover_in_progress")) {
                return "+try-failover";
            }
            if (flags.contains("o_down")) {
                return "+odown";
            }
            return flags.contains("s_down") ? "+sdown" : null;
        }
    }

    /** Which master of the answer is the group's, and why. */
    public enum Rule {
        /** The name the Sentinels' messages gave is known: its master is taken. */
        NAMED,
        /** No name known yet: the one master the Sentinel monitors at the address of a probed pod. */
        OUR_POD,
        /** No name known, no pod probed yet: the Sentinel monitors a single master, the group's. */
        ONLY_ONE,
        /** No master of the answer is the group's (another name, or no address a pod has): nothing is learnt. */
        NOT_OURS,
        /** Several masters could be the group's (no pod probed yet, or two at pods' addresses): nothing is learnt. */
        AMBIGUOUS
    }

    /** The group's master in the answer (null unless the rule found one), and the rule that decided. */
    public record Choice(Master master, Rule rule) {

        /**
         * What the answer of {@code sentinel} says, in the order to apply: the master at its configuration epoch,
         * then the failover of it under way, if any.
         */
        public List<SentinelView.Observation> observations(String sentinel) {
            List<SentinelView.Observation> observations = new ArrayList<>();
            if (master == null) {
                return observations;
            }
            observations.add(new SentinelView.MasterAt(master.name(), master.address(), null, master.configEpoch()));
            String event = master.failoverEvent();
            if (event != null) {
                observations.add(new SentinelView.FailoverOf(master.name(), master.address(), event, true, sentinel));
            }
            return observations;
        }
    }

    /**
     * @param masters the masters the Sentinel answered about
     * @param knownName the master name heard so far (a hello, an earlier answer), or null
     * @param pods the addresses of the pods probed last (empty before the first round)
     */
    public static Choice choose(List<Master> masters, String knownName, Collection<String> pods) {
        if (knownName != null) {
            return masters.stream()
                    .filter(m -> m.name().equals(knownName))
                    .findFirst()
                    .map(m -> new Choice(m, Rule.NAMED))
                    .orElse(new Choice(null, Rule.NOT_OURS));
        }
        if (pods.isEmpty()) {
            return masters.size() == 1
                    ? new Choice(masters.get(0), Rule.ONLY_ONE)
                    : new Choice(null, masters.isEmpty() ? Rule.NOT_OURS : Rule.AMBIGUOUS);
        }
        List<Master> ours =
                masters.stream().filter(m -> pods.contains(m.address())).toList();
        if (ours.size() == 1) {
            return new Choice(ours.get(0), Rule.OUR_POD);
        }
        return new Choice(null, ours.isEmpty() ? Rule.NOT_OURS : Rule.AMBIGUOUS);
    }
}
