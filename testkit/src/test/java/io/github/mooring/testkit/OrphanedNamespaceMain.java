package io.github.mooring.testkit;

import java.nio.file.Paths;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;

/**
 * A JVM that starts a namespace and then waits to be killed: {@link CleanupIT} kills it with SIGKILL (no shutdown
 * hook runs) and checks that the kit's watchdog still stops its pods. Arguments: the work root, and an image to run
 * the pods as containers of (processes when absent or empty).
 */
public final class OrphanedNamespaceMain {

    private OrphanedNamespaceMain() {}

    public static void main(String[] args) throws InterruptedException {
        PodRuntime runtime =
                args.length > 1 && !args[1].isEmpty() ? PodRuntime.containers(args[1]) : PodRuntime.processes();
        SimulatedNamespace ns = SimulatedNamespace.builder()
                .workRoot(Paths.get(args[0]))
                .podRuntime(runtime)
                .start();
        ns.redis("redis").replicas(2).start();
        System.out.println("PIDS " + ns.livePids().stream().map(String::valueOf).collect(Collectors.joining(",")));
        System.out.flush();
        new CountDownLatch(1).await();
    }
}
