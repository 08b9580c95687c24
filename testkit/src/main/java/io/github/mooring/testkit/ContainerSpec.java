package io.github.mooring.testkit;

import java.nio.file.Path;
import java.util.List;

/**
 * What a pod asks its {@link PodRuntime} to run: {@code redis-server configFile}, answering on {@code ip:port}.
 *
 * @param namespace the namespace's name
 * @param pod the pod's name ({@code redis-0})
 * @param podUid the pod object's UID
 * @param restart the container restarts of the pod object so far (0 for its first container)
 * @param configFile the {@code redis.conf} to run; every path in it is the same inside a container as on the host
 * @param writable directories the container writes (its data directory, the PV); mounted at the same path
 * @param readOnly directories the container only reads (its config, TLS material); mounted at the same path
 * @param ip the pod IP the server binds
 * @param port the port it listens on
 * @param logFile where its output goes (appended: every container of a pod object shares one log)
 * @param access how to reach it, to know it started
 * @param hosts the pods' host names it must resolve ({@code /etc/hosts} of its own), or null for the machine's
 */
record ContainerSpec(
        String namespace,
        String pod,
        String podUid,
        int restart,
        Path configFile,
        List<Path> writable,
        List<Path> readOnly,
        String ip,
        int port,
        Path logFile,
        Resp.Access access,
        PodHosts hosts) {

    ContainerSpec {
        writable = List.copyOf(writable);
        readOnly = List.copyOf(readOnly);
    }
}
