package io.github.mooring.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.mooring.MooringClient;
import io.github.mooring.MooringOptions;
import io.github.mooring.discovery.KubernetesSource;
import io.github.mooring.examples.Manifests.Grant;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;
import io.github.mooring.topology.Topology;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Role in {@code src/k8s/rbac.yaml} against the real kubernetes source: with every other request forbidden,
 * Mooring finds the master, on clusters with and without EndpointSlices, and asks for nothing the Role does not
 * grant.
 */
@ExtendWith(SimulatedNamespaceExtension.class)
class RoleSufficesIT {

    /** What an application could plausibly ask the API server for, and so what a too-small Role would show. */
    private static final List<String> RESOURCES = List.of(
            "endpointslices.discovery.k8s.io",
            "endpoints",
            "services",
            "pods",
            "namespaces",
            "configmaps",
            "secrets",
            "events",
            "leases.coordination.k8s.io");

    private static final List<String> VERBS =
            List.of("get", "list", "watch", "create", "update", "patch", "delete", "deletecollection");

    @Test
    void theRoleIsEnoughForTheKubernetesSourceAndItUsesAllOfIt(SimulatedNamespace ns) {
        Set<Grant> granted = Manifests.grants(Manifests.only(Manifests.load(), Role.class));
        RedisStatefulSet redis = ns.redis("redis").replicas(2).start();
        for (String resource : RESOURCES) {
            for (String verb : VERBS) {
                if (!granted.contains(grant(resource, verb))) {
                    ns.api().forbid(resource, verb);
                }
            }
        }

        assertFindsMaster(ns, redis, "endpointslices.discovery.k8s.io");
        ns.api().unserve("discovery.k8s.io"); // an old cluster: core Endpoints only
        assertFindsMaster(ns, redis, "endpoints");

        List<Grant> used = new ArrayList<>();
        for (String resource : RESOURCES) {
            for (String verb : VERBS) {
                if (ns.api().requestCount(verb, resource) > 0) {
                    used.add(grant(resource, verb));
                }
            }
        }
        assertThat(used).as("what the kubernetes source asked for").containsExactlyInAnyOrderElementsOf(granted);
    }

    /** A Mooring client finds the master through {@code resource}, and watches it. */
    private static void assertFindsMaster(SimulatedNamespace ns, RedisStatefulSet redis, String resource) {
        try (KubernetesClient kubernetes = ns.api().newClient();
                MooringClient mooring = MooringClient.create(MooringOptions.builder()
                        .service(redis.name())
                        .namespace(ns.name())
                        .source(KubernetesSource.builder().client(kubernetes).build())
                        .build())) {
            Topology topology = mooring.awaitMaster(Duration.ofSeconds(20));

            assertThat(topology.source()).startsWith(KubernetesSource.NAME); // "kubernetes (endpoints)" without slices
            assertThat(topology.master())
                    .map(node -> node.endpoint().host())
                    .hasValue(redis.pod(0).ip());
            assertThat(mooring.connect().sync().incr("role-check")).isPositive();
            // The watch starts after the first list answered, maybe after the master was found.
            await("a watch on " + resource)
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> ns.api().requestCount("watch", resource) > 0);
        }
    }

    /** {@code endpointslices.discovery.k8s.io} and a verb as a {@link Grant}. */
    private static Grant grant(String resource, String verb) {
        int dot = resource.indexOf('.');
        return dot < 0
                ? new Grant("", resource, verb)
                : new Grant(resource.substring(dot + 1), resource.substring(0, dot), verb);
    }
}
