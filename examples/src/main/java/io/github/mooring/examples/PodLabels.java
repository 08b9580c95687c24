package io.github.mooring.examples;

import io.github.mooring.testkit.RedisPod;
import io.github.mooring.testkit.RedisStatefulSet;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Names an IP the way a person watching the namespace would: which pod has it and in what role, or which pod had
 * it before being replaced. Roles are asked once per {@link #refresh()} (once a second), so labels never block.
 */
final class PodLabels {

    private final RedisStatefulSet set;
    private final Map<String, String> everOwnedBy = new ConcurrentHashMap<>(); // ip -> pod name
    private volatile Map<String, String> roleByIp = Map.of();

    PodLabels(RedisStatefulSet set) {
        this.set = set;
        refresh();
    }

    /** Asks every running pod its role. */
    void refresh() {
        Map<String, String> roles = new ConcurrentHashMap<>();
        for (RedisPod pod : set.pods()) {
            String ip = pod.ip();
            if (ip == null) {
                continue;
            }
            everOwnedBy.put(ip, pod.name());
            String role = "down";
            if (pod.phase() == RedisPod.Phase.RUNNING) {
                try {
                    role = "slave".equals(pod.role()) ? "replica" : pod.role();
                } catch (RuntimeException e) {
                    role = "down"; // killed or not answering yet
                }
            }
            roles.put(ip, role);
        }
        roleByIp = roles;
    }

    /**
     * {@code redis-0 127.170.0.5} for the master, {@code redis-0 127.170.0.5 (replica)} for another pod (its role as
     * of the last refresh), {@code old redis-0 127.170.0.2} for an IP whose pod was replaced.
     */
    String label(String ip) {
        String name = name(ip);
        if (name.startsWith("old ") || name.equals(ip)) {
            return name;
        }
        String role = roleByIp.getOrDefault(ip, "starting");
        return role.equals("master") ? name : name + " (" + role + ")";
    }

    /** {@code redis-0 127.170.0.5}, or {@code old redis-0 127.170.0.2} for an IP whose pod was replaced; no role. */
    String name(String ip) {
        for (RedisPod pod : set.pods()) {
            if (ip.equals(pod.ip())) {
                return pod.name() + " " + ip;
            }
        }
        String owner = everOwnedBy.get(ip);
        return owner == null ? ip : "old " + owner + " " + ip;
    }
}
