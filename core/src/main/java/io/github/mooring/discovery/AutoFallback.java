package io.github.mooring.discovery;

import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.nio.channels.UnresolvedAddressException;

/**
 * Whether a problem of the Kubernetes API moves the {@link AutoSource} to DNS (a pure function, no I/O). Only a
 * decision that lasts does: the answer will be the same in a minute, so waiting for the API costs the application its
 * discovery. A hiccup never does: DNS would be a worse source (no pod names, no readiness before the pod is ready,
 * a cache in between) for a problem that ends by itself, and the kubernetes source keeps retrying it anyway.
 * <ol>
 * <li><b>forbidden</b> ({@code 403}, {@code 401}): RBAC or the token says no, at start or later: DNS;</li>
 * <li><b>not served</b> ({@code 404} for the endpoints too; slices alone are handled by the Endpoints fallback): DNS;</li>
 * <li><b>no API server at start</b>: the connection itself fails (refused, unknown host, no route, connect timeout)
 * before the source ever worked: DNS. Later, the same failure is an outage the last endpoints ride out;</li>
 * <li><b>transient</b> otherwise: a 5xx or 429, a request that timed out after connecting, a connection reset: stay.</li>
 * </ol>
 * While on DNS, the source keeps asking the API (a list) and moves back as soon as one works.
 */
final class AutoFallback {

    /** What to do about a problem. */
    enum Decision {
        USE_DNS,
        STAY
    }

    /** The rule that decided. */
    enum Rule {
        FORBIDDEN(Decision.USE_DNS),
        NOT_SERVED(Decision.USE_DNS),
        NO_API_SERVER_AT_START(Decision.USE_DNS),
        TRANSIENT(Decision.STAY);

        final Decision decision;

        Rule(Decision decision) {
            this.decision = decision;
        }
    }

    private AutoFallback() {}

    /**
     * @param problem what the kubernetes source reported
     * @param atStart whether the source never worked yet (the check before its watch starts)
     */
    static Rule judge(DiscoveryException problem, boolean atStart) {
        if (problem.reason() == DiscoveryException.Reason.FORBIDDEN) {
            return Rule.FORBIDDEN;
        }
        KubernetesClientException k8s = KubernetesApi.find(problem, KubernetesClientException.class);
        if (k8s != null && k8s.getCode() == 404) {
            return Rule.NOT_SERVED;
        }
        if (atStart && problem.reason() == DiscoveryException.Reason.UNREACHABLE && connectFailed(problem)) {
            return Rule.NO_API_SERVER_AT_START;
        }
        return Rule.TRANSIENT;
    }

    /** Whether no connection could be made at all (as opposed to one that broke or timed out once made). */
    private static boolean connectFailed(Throwable failure) {
        return KubernetesApi.find(failure, ConnectException.class) != null
                || KubernetesApi.find(failure, UnknownHostException.class) != null
                || KubernetesApi.find(failure, NoRouteToHostException.class) != null
                || KubernetesApi.find(failure, HttpConnectTimeoutException.class) != null
                || KubernetesApi.find(failure, UnresolvedAddressException.class) != null;
    }
}
