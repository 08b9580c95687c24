package io.github.mooring.cluster;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.mooring.MooringOptions;
import io.github.mooring.discovery.AutoSource;
import io.github.mooring.discovery.KubernetesSource;
import io.github.mooring.healer.ClusterHealer;
import io.github.mooring.healer.Healer;
import io.github.mooring.healer.HealerMode;
import io.lettuce.core.resource.ClientResources;

/**
 * Starts the {@link ClusterHealer} that {@link MooringOptions#healer()} asks for, beside a {@link MooringClusterClient}
 * (the hook a Spring starter uses too: it builds the options, this runs the healer).
 */
final class ClusterHealerWiring {

    private ClusterHealerWiring() {}

    /**
     * The healer for {@code options}, or null when its mode is {@link HealerMode#OFF}. Repair mode needs a Kubernetes
     * client for its Lease: {@code HealerSettings}' own, else the kubernetes (or auto) source's; without one, or where
     * RBAC forbids the Lease, the healer only reports and says why (as {@code MooringClient}'s does).
     */
    static ClusterHealer start(MooringOptions options, ClientResources resources) {
        HealerMode asked = options.healer().mode();
        if (asked == HealerMode.OFF) {
            return null;
        }
        KubernetesClient leaseClient =
                asked == HealerMode.REPAIR && !options.healer().withoutLease() ? leaseClient(options) : null;
        HealerMode mode = Healer.effectiveMode(
                options.healer(),
                options.serviceRef(),
                leaseClient,
                options.source().name());
        return ClusterHealer.start(
                options.healer(),
                options.serviceRef(),
                options.source(),
                options.redisUri(),
                options.clientOptions().getSslOptions(),
                resources,
                leaseClient,
                mode);
    }

    private static KubernetesClient leaseClient(MooringOptions options) {
        if (options.healer().kubernetesClient() != null) {
            return options.healer().kubernetesClient();
        }
        if (options.source() instanceof KubernetesSource kubernetes) {
            return kubernetes.client();
        }
        if (options.source() instanceof AutoSource auto) {
            return auto.kubernetes().client();
        }
        return null;
    }
}
