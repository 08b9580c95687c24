package io.github.mooring.discovery;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.utils.Utils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Optional;

/**
 * Where this process finds a Kubernetes API server, the way kubectl and fabric8 find one: in a pod, its service
 * account; outside a pod (a laptop, a CI job), the current context of a kubeconfig ({@code KUBECONFIG}, the
 * {@code kubeconfig} system property, or {@code ~/.kube/config}) or {@code KUBERNETES_MASTER}.
 */
final class KubernetesEnvironment {

    static final Path SERVICE_ACCOUNT_TOKEN = Paths.get("/var/run/secrets/kubernetes.io/serviceaccount/token");

    private KubernetesEnvironment() {}

    /** An API server found outside a pod, with where it was found (for log lines and error messages). */
    record Found(Config config, String origin) {}

    /** Whether this process runs in a Kubernetes pod with a service account token. */
    static boolean inCluster() {
        return System.getenv("KUBERNETES_SERVICE_HOST") != null && Files.isReadable(SERVICE_ACCOUNT_TOKEN);
    }

    /**
     * Outside a pod, the API server fabric8's auto-configuration finds: a kubeconfig's current context, else
     * {@code KUBERNETES_MASTER} ({@code kubernetes.master}); empty when there is neither (or in a pod).
     *
     * @throws RuntimeException when a kubeconfig exists but cannot be read (fabric8's exception, naming it)
     */
    static Optional<Found> outsideCluster() {
        if (inCluster()) {
            return Optional.empty();
        }
        Config config = Config.autoConfigure(null);
        if (config.getFile() != null) {
            String context = config.getCurrentContext() != null
                    ? config.getCurrentContext().getName()
                    : null;
            return Optional.of(new Found(
                    config, "kubeconfig " + config.getFile() + (context != null ? ", context '" + context + "'" : "")));
        }
        String master = Utils.getSystemPropertyOrEnvVar(Config.KUBERNETES_MASTER_SYSTEM_PROPERTY);
        if (master != null && !master.isBlank()) {
            return Optional.of(new Found(config, "KUBERNETES_MASTER"));
        }
        return Optional.empty();
    }

    /** Outside a pod, the namespace of the kubeconfig's current context, as kubectl uses it. */
    static Optional<String> kubeconfigNamespace() {
        try {
            return outsideCluster().map(found -> found.config().getNamespace()).filter(ns -> !ns.isBlank());
        } catch (RuntimeException unreadable) {
            return Optional.empty(); // the source says so, with the file's name, when it starts
        }
    }

    /**
     * What was looked for outside a pod and not found, e.g.
     * {@code no kubeconfig (/home/u/.kube/config) and no KUBERNETES_MASTER}.
     */
    static String notFound() {
        return "no kubeconfig (" + String.join(", ", Config.getKubeconfigFilenames()) + ") and no KUBERNETES_MASTER";
    }
}
