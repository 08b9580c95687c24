package io.github.mooring.discovery;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Objects;

/**
 * The Kubernetes Service whose pods form one Redis replication group.
 *
 * @param name the Service name
 * @param namespace the namespace
 * @param port which Service port carries Redis
 */
public record ServiceRef(String name, String namespace, ServicePort port) {

    public ServiceRef {
        requireDnsLabel(name, "Service name");
        requireDnsLabel(namespace, "namespace");
        Objects.requireNonNull(port, "port");
    }

    /** {@code redis} in namespace {@code shop}, port named {@code redis}. */
    public static ServiceRef of(String name, String namespace) {
        return new ServiceRef(name, namespace, ServicePort.DEFAULT);
    }

    /**
     * The namespace this process works in, as kubectl would pick it: in a pod, its own (the service account's
     * namespace file); outside a pod, the namespace of the kubeconfig's current context; else {@code default}.
     */
    public static String currentNamespace() {
        return currentNamespace(NAMESPACE_FILE);
    }

    static String currentNamespace(Path file) {
        try {
            if (Files.isReadable(file)) {
                String namespace =
                        Files.readString(file, StandardCharsets.UTF_8).trim();
                if (!namespace.isEmpty()) {
                    return namespace;
                }
            }
        } catch (IOException e) {
            // not in a pod, or no service account mounted
        }
        return KubernetesEnvironment.kubeconfigNamespace().orElse("default");
    }

    private static final Path NAMESPACE_FILE = Paths.get("/var/run/secrets/kubernetes.io/serviceaccount/namespace");

    private static void requireDnsLabel(String value, String what) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(what + " must not be empty");
        }
        if (!value.matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")) {
            throw new IllegalArgumentException(what + " '" + value
                    + "' is not a valid DNS label (lowercase letters, digits and '-', at most 63 characters)");
        }
    }

    @Override
    public String toString() {
        return "Service '" + name + "' in namespace '" + namespace + "'";
    }
}
