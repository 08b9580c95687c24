package io.github.mooring.testkit;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;

/**
 * A JVM that starts a namespace and then waits to be killed: {@link CleanupIT} kills it with SIGKILL (no shutdown
 * hook runs) and checks that the kit's watchdog still stops its pods. Arguments: the work root, and an image to run
 * the pods as containers of (processes when absent or empty), and {@code ipv6} for pods on IPv6 addresses added to
 * {@code lo} (printed as {@code IPS a,b}).
 */
public final class OrphanedNamespaceMain {

    private OrphanedNamespaceMain() {}

    /** Starts this main in a JVM of its own, on this JVM's class path, with {@code args} after the work root. */
    static Process launch(Path root, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                OrphanedNamespaceMain.class.getName(),
                root.toString()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    public static void main(String[] args) throws InterruptedException {
        PodRuntime runtime =
                args.length > 1 && !args[1].isEmpty() ? PodRuntime.containers(args[1]) : PodRuntime.processes();
        SimulatedNamespace ns = SimulatedNamespace.builder()
                .workRoot(Paths.get(args[0]))
                .podRuntime(runtime)
                .start();
        boolean ipv6 = args.length > 2 && args[2].equals("ipv6");
        RedisStatefulSet.Builder set = ns.redis("redis").replicas(2);
        RedisStatefulSet redis = (ipv6 ? set.ipFamilies(IpFamily.IPV6) : set).start();
        System.out.println("IPS " + redis.pods().stream().map(RedisPod::ip).collect(Collectors.joining(",")));
        System.out.println("PIDS " + ns.livePids().stream().map(String::valueOf).collect(Collectors.joining(",")));
        System.out.flush();
        new CountDownLatch(1).await();
    }
}
