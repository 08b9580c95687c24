package io.github.mooring.internal.sentinel;

import io.github.mooring.discovery.Endpoint;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which Sentinels to subscribe to for events: those the pods' hello messages name, or, with a {@code sentinelService},
 * exactly the ready endpoints of that Service. A pure function with named rules ({@code SentinelTargetsTest}).
 *
 * @param rules every Sentinel address considered, with the rule that decided it
 */
public record SentinelTargets(Map<String, Rule> rules) {

    /** Why a Sentinel is followed or not. */
    public enum Rule {
        /** No {@code sentinelService}: a Sentinel a hello names is followed at the address it announces. */
        ANNOUNCED(true),
        /** A ready endpoint of the {@code sentinelService} is followed, whether or not a hello names it. */
        IN_SERVICE(true),
        /** An endpoint of the {@code sentinelService} not ready or terminating: its Sentinel is not there now. */
        NOT_READY(false),
        /**
         * With a {@code sentinelService}, a Sentinel a hello names at an address the Service does not list is not
         * followed: its announced address may be unreachable ({@code sentinel announce-ip}), or it is not one of ours.
         */
        NOT_IN_SERVICE(false);

        private final boolean followed;

        Rule(boolean followed) {
            this.followed = followed;
        }

        public boolean followed() {
            return followed;
        }
    }

    public SentinelTargets {
        rules = Map.copyOf(rules);
    }

    /**
     * @param announced the Sentinel addresses hello messages named ({@code ip:port})
     * @param service the {@code sentinelService}'s endpoints as last discovered, or null without a {@code
     *        sentinelService} (an empty list: configured, nothing discovered yet, so nothing is followed)
     */
    public static SentinelTargets choose(Collection<String> announced, List<Endpoint> service) {
        Map<String, Rule> rules = new LinkedHashMap<>();
        if (service == null) {
            announced.forEach(address -> rules.put(address, Rule.ANNOUNCED));
            return new SentinelTargets(rules);
        }
        for (Endpoint endpoint : service) {
            boolean ready = endpoint.ready() && !endpoint.terminating();
            // One address listed twice (a pod in two slices) is followed when any listing is ready.
            rules.merge(endpoint.address(), ready ? Rule.IN_SERVICE : Rule.NOT_READY, (a, b) -> a.followed() ? a : b);
        }
        announced.forEach(address -> rules.putIfAbsent(address, Rule.NOT_IN_SERVICE));
        return new SentinelTargets(rules);
    }

    /** The addresses to hold an event subscription to, sorted. */
    public Set<String> followed() {
        Set<String> followed = new TreeSet<>();
        rules.forEach((address, rule) -> {
            if (rule.followed()) {
                followed.add(address);
            }
        });
        return followed;
    }
}
