package io.github.mooring.boot;

import io.github.mooring.discovery.DiscoveryException;
import io.github.mooring.probe.ProbeResult;
import io.github.mooring.topology.ClusterServiceException;
import io.github.mooring.topology.NoMasterException;
import io.github.mooring.topology.Topology;
import java.util.Locale;
import java.util.stream.Collectors;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Explains why the application could not start because Mooring found no master: what discovery and every pod said,
 * and what to change (the Service's name, RBAC, credentials, the pods themselves, or the startup wait).
 */
class NoMasterFailureAnalyzer extends AbstractFailureAnalyzer<NoMasterException> {

    static final String ROLE_RULE = """
            - apiGroups: ["discovery.k8s.io"]
              resources: ["endpointslices"]
              verbs: ["list", "watch"]
            - apiGroups: [""]
              resources: ["endpoints"]
              verbs: ["list", "watch"]""";

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, NoMasterException cause) {
        StringBuilder description = new StringBuilder("Mooring found no Redis master while the application started: ")
                .append(cause.getMessage());
        Topology topology = cause.topology();
        if (topology != null && !topology.reports().isEmpty()) {
            description.append(String.format("%n%nWhat each pod answered (%s source):%n", topology.source()));
            for (ProbeResult result : topology.reports()) {
                description
                        .append("\t- ")
                        .append(result.endpoint().displayName())
                        .append(": ")
                        .append(
                                result.reachable()
                                        ? result.report().role().toString().toLowerCase(Locale.ROOT)
                                                + describeReplica(result)
                                        : result.failure())
                        .append(String.format("%n"));
            }
        }
        return new FailureAnalysis(description.toString().stripTrailing(), action(cause, topology), cause);
    }

    private static String describeReplica(ProbeResult result) {
        String follows = result.report().masterAddress();
        return follows == null ? "" : " of " + follows + (result.report().masterLinkUp() ? "" : " (link down)");
    }

    private static String action(NoMasterException cause, Topology topology) {
        if (cause instanceof ClusterServiceException) {
            return "The Service's pods are a Redis Cluster: remove mooring.mode=replication (with mooring.mode=auto,"
                    + " the default, or mooring.mode=cluster, Mooring provides a cluster connection factory), or set"
                    + " mooring.service to the Service of a replication group.";
        }
        DiscoveryException discovery = discoveryProblem(cause);
        if (discovery != null) {
            switch (discovery.reason()) {
                case SERVICE_NOT_FOUND:
                    return "Check mooring.service and mooring.namespace: they must name the Kubernetes Service in front"
                            + " of the Redis pods (kubectl get services -n <namespace>).";
                case PORT_NOT_FOUND:
                    return "Set mooring.port to the name or number of the Service port that carries Redis (default:"
                            + " the port named 'redis').";
                case FORBIDDEN:
                    return String.format(
                            "Grant the application's service account this Role rule in the Service's"
                                    + " namespace (and bind it), or set mooring.source=dns to discover the pods through"
                                    + " cluster DNS (the Service must then be headless):%n%n%s",
                            ROLE_RULE);
                case NOT_RESOLVABLE:
                    return "In the cluster: check mooring.service and mooring.namespace, that the Service is headless"
                            + " (clusterIP: None), and mooring.dns.name-servers and mooring.dns.cluster-domain."
                            + " Outside the cluster, its DNS names do not resolve: give the application a kubeconfig"
                            + " (KUBECONFIG or ~/.kube/config) and keep mooring.source=auto (or set"
                            + " mooring.source=kubernetes) to discover the pods through the Kubernetes API, or set"
                            + " mooring.source=static with mooring.static-nodes.";
                case UNREACHABLE:
                    return "Make sure the Kubernetes API server is reachable from the application, or set"
                            + " mooring.source=dns to discover the pods through cluster DNS.";
                default:
                    break;
            }
        }
        if (topology != null && topology.reports().stream().anyMatch(NoMasterFailureAnalyzer::isAuthFailure)) {
            return "The pods rejected the credentials: check spring.data.redis.username and spring.data.redis.password"
                    + " (Mooring probes the pods with the same credentials as the application's connections).";
        }
        if (topology != null
                && !topology.reports().isEmpty()
                && topology.reports().stream().allMatch(ProbeResult::reachable)) {
            return "No pod reports role master: promote one (e.g. REPLICAOF NO ONE, or let Sentinel or the operator"
                    + " fail over), or, if a master is on its way, give it time with mooring.startup-wait.";
        }
        return "Make sure the Redis pods are running and ready, and reachable from the application on the Service's"
                + " port; if they need longer to start, raise mooring.startup-wait. "
                + (topology == null || topology.reports().isEmpty()
                        ? "No pod was found at all: check mooring.service," + " mooring.namespace and mooring.source."
                        : "Failing pods: "
                                + topology.reports().stream()
                                        .filter(result -> !result.reachable())
                                        .map(result -> result.endpoint().address())
                                        .collect(Collectors.joining(", "))
                                + ".");
    }

    private static boolean isAuthFailure(ProbeResult result) {
        String failure = result.failure();
        return failure != null
                && (failure.contains("NOAUTH")
                        || failure.contains("WRONGPASS")
                        || failure.toLowerCase(Locale.ROOT).contains("auth"));
    }

    private static DiscoveryException discoveryProblem(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof DiscoveryException discovery) {
                return discovery;
            }
        }
        return null;
    }
}
