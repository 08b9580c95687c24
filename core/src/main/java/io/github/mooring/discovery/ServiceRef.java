package io.github.mooring.discovery;

import io.github.mooring.internal.Require;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * The Kubernetes Service whose pods form one Redis replication group.
 *
 * @param name the Service name
 * @param namespace the namespace
 * @param port which Service port carries Redis
 * @param ipFamily which address family to use where the Service has addresses of both (dual-stack)
 */
public record ServiceRef(String name, String namespace, ServicePort port, IpFamilyPreference ipFamily) {

    public ServiceRef {
        Require.dnsLabel(name, "service");
        Require.dnsLabel(namespace, "namespace");
        Require.nonNull(port, "port");
        Require.nonNull(ipFamily, "ipFamily");
    }

    /** With the default address family choice, {@link IpFamilyPreference#IPV4_PREFERRED}. */
    public ServiceRef(String name, String namespace, ServicePort port) {
        this(name, namespace, port, IpFamilyPreference.IPV4_PREFERRED);
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

    @Override
    public String toString() {
        return "Service '" + name + "' in namespace '" + namespace + "'";
    }
}
