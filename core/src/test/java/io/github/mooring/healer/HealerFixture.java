package io.github.mooring.healer;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.mooring.MooringClient;
import io.github.mooring.MooringOptions;
import io.github.mooring.discovery.KubernetesSource;
import io.github.mooring.testkit.RedisPod;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.SimulatedNamespace;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;

/** A MooringClient with a healer on a simulated namespace, recording every healer event. */
final class HealerFixture implements AutoCloseable {

    final KubernetesClient kubernetes;
    final MooringClient client;
    final List<HealerEvent> events = new CopyOnWriteArrayList<>();

    HealerFixture(SimulatedNamespace ns, RedisStatefulSet set, HealerMode mode, String identity) {
        this(ns, set, mode, identity, options -> options);
    }

    /** {@code more} adds to the options (e.g. a shorter stale-replica threshold). */
    HealerFixture(
            SimulatedNamespace ns,
            RedisStatefulSet set,
            HealerMode mode,
            String identity,
            UnaryOperator<MooringOptions.Builder> more) {
        this(ns, set, mode, identity, more, healer -> healer);
    }

    /** {@code healerMore} adds to the healer's settings (e.g. the onDataAtRisk policy). */
    HealerFixture(
            SimulatedNamespace ns,
            RedisStatefulSet set,
            HealerMode mode,
            String identity,
            UnaryOperator<MooringOptions.Builder> more,
            UnaryOperator<HealerSettings.Builder> healerMore) {
        this.kubernetes = ns.api().newClient();
        HealerSettings healer = healerMore
                .apply(HealerSettings.builder()
                        .mode(mode)
                        .identity(identity)
                        .lease(Duration.ofSeconds(3), Duration.ofSeconds(2), Duration.ofMillis(300)))
                .build();
        try {
            this.client = MooringClient.create(more.apply(MooringOptions.builder()
                            .service(set.name())
                            .namespace(ns.name())
                            .source(KubernetesSource.builder()
                                    .client(kubernetes)
                                    .build())
                            .probeInterval(Duration.ofMillis(250))
                            .healer(healer))
                    .build());
        } catch (RuntimeException e) {
            kubernetes.close();
            throw e;
        }
        client.addHealerListener(events::add);
    }

    <T extends HealerEvent> List<T> events(Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }

    boolean isLeader() {
        return client.healer().map(Healer::isLeader).orElse(false);
    }

    @Override
    public void close() {
        try {
            client.close();
        } finally {
            kubernetes.close();
        }
    }

    /** Whether the group is whole: exactly one master, and every other pod replicating from it with its link up. */
    static boolean healthy(RedisStatefulSet set) {
        List<RedisPod> masters = set.masters();
        if (masters.size() != 1) {
            return false;
        }
        String master = masters.get(0).ip();
        for (RedisPod pod : set.pods()) {
            if (pod == masters.get(0)) {
                continue;
            }
            var info = pod.info("replication");
            if (!"slave".equals(info.get("role"))
                    || !master.equals(info.get("master_host"))
                    || !"up".equals(info.get("master_link_status"))) {
                return false;
            }
        }
        return true;
    }
}
