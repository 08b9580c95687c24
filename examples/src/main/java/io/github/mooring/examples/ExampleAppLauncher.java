package io.github.mooring.examples;

import io.github.mooring.examples.app.ExampleApplication;
import io.github.mooring.testkit.Credentials;
import io.github.mooring.testkit.RedisPod;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.SimulatedNamespace;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Runs the example application on this machine, against a simulated namespace, the way it would run on a laptop
 * against a real cluster: the application's configuration ({@code application.yaml}) is the one the image uses, and
 * it finds the cluster through a kubeconfig.
 * <p>
 * The namespace is the testkit's: 3 real {@code redis-server} pods with a password and persistence, the API server,
 * cluster DNS. The launcher writes a kubeconfig for the namespace's API server and points the {@code kubeconfig}
 * system property at it (what {@code KUBECONFIG} does for kubectl), gives the application the pods' password as the
 * cluster's Secret would, and starts it. Mooring's default source ({@code auto}), outside a pod, discovers the pods
 * through that kubeconfig's API server, in the namespace of its current context.
 * <p>
 * While it runs, a line on standard input disrupts the pods: {@code replace}, {@code restart}, {@code failover},
 * {@code status}, {@code quit}. Without a terminal (standard input closed) it runs until the JVM is stopped.
 *
 * <pre>
 * mvn -B -Dmaven.test.skip=true -pl examples -am package exec:java@example-app
 * </pre>
 */
public final class ExampleAppLauncher {

    /** The port the README's curl commands use; another free one when it is taken. */
    static final int DEFAULT_PORT = 8080;
    /** What the launcher prints before its own lines, to tell them from the application's log. */
    static final String PREFIX = ">>> ";

    private static final Duration KUBERNETES_DELAY = Duration.ofSeconds(1);
    private static final Duration SETTLE = Duration.ofSeconds(30);
    private static final String LOGBACK_CONFIGURATION = "logback.configurationFile";

    private final PrintStream out;
    private final RedisStatefulSet redis;

    private ExampleAppLauncher(PrintStream out, RedisStatefulSet redis) {
        this.out = out;
        this.redis = redis;
    }

    /** Starts the namespace and the application, then follows the commands on standard input. */
    public static void main(String[] args) throws Exception {
        PrintStream out = System.out;
        // The namespace's libraries stay quiet while it starts (the demo's logging); the application then logs
        // as Spring Boot configures it, from its application.yaml.
        boolean quietStart = System.getProperty(LOGBACK_CONFIGURATION) == null;
        if (quietStart) {
            System.setProperty(LOGBACK_CONFIGURATION, "demo-logback.xml");
        }
        out.println(PREFIX + "Starting a simulated Kubernetes namespace: 3 redis-server pods with a password...");
        SimulatedNamespace ns = SimulatedNamespace.builder().name("example").start();
        CountDownLatch stopped = new CountDownLatch(1);
        ConfigurableApplicationContext[] app = new ConfigurableApplicationContext[1];
        Thread shutdown = new Thread(
                () -> {
                    if (app[0] != null) {
                        app[0].close();
                    }
                    ns.close();
                },
                "example-app-launcher-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdown);
        try {
            byte[] secret = new byte[16];
            new SecureRandom().nextBytes(secret);
            String password = HexFormat.of().formatHex(secret);
            RedisStatefulSet redis = ns.redis("redis")
                    .replicas(3)
                    .persistence(true)
                    .credentials(Credentials.password(password))
                    .start();
            redis.awaitReplicationLinked(SETTLE);
            Path kubeconfig = ns.api().writeKubeconfig(ns.workDir().resolve("kubeconfig"));
            System.setProperty("kubeconfig", kubeconfig.toString());
            if (quietStart) {
                System.clearProperty(LOGBACK_CONFIGURATION);
            }
            int port = port();
            out.printf(
                    "%sNamespace '%s': pods %s; kubeconfig %s (current context '%s').%n",
                    PREFIX,
                    ns.name(),
                    String.join(
                            ", ",
                            redis.pods().stream()
                                    .map(p -> p.name() + " " + p.ip())
                                    .toList()),
                    kubeconfig,
                    ns.name());
            out.println(PREFIX + "Starting the example application (its application.yaml, the pods' password as"
                    + " SPRING_DATA_REDIS_PASSWORD would give it)...");
            app[0] = SpringApplication.run(
                    ExampleApplication.class, "--server.port=" + port, "--spring.data.redis.password=" + password);
            ExampleAppLauncher launcher = new ExampleAppLauncher(out, redis);
            launcher.introduce(port);
            launcher.followCommands(stopped);
            stopped.await();
        } finally {
            if (Runtime.getRuntime().removeShutdownHook(shutdown)) {
                shutdown.run();
            }
        }
        out.println(PREFIX + "Stopped: the application, the pods, the API server and DNS are gone.");
    }

    private void introduce(int port) {
        out.println();
        out.printf("%sThe example application is listening on http://localhost:%d%n", PREFIX, port);
        out.println(PREFIX + "In another terminal:");
        out.printf(
                "%s  curl -s -X POST localhost:%d/visits; echo      # counts a visit (INCR on the master)%n",
                PREFIX, port);
        out.printf(
                "%s  curl -s localhost:%d/actuator/health; echo     # the mooring component: which pod is master%n",
                PREFIX, port);
        out.printf("%s  curl -s localhost:%d/actuator/mooring; echo    # the topology Mooring sees%n", PREFIX, port);
        out.println(PREFIX + "Here, type a command and Enter:");
        out.println(PREFIX + "  replace   delete the master pod; the StatefulSet recreates it with a new IP");
        out.println(PREFIX + "  restart   kill the master's container; it restarts in place (same IP)");
        out.println(PREFIX + "  failover  planned failover from the master to a replica (Redis FAILOVER)");
        out.println(PREFIX + "  status    the pods, their roles and IPs");
        out.println(PREFIX + "  quit      stop everything (Ctrl+C too)");
    }

    /** Reads commands until {@code quit}; standard input at its end changes nothing (no terminal: run on). */
    private void followCommands(CountDownLatch stopped) {
        Thread reader = new Thread(
                () -> {
                    try (BufferedReader in =
                            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                        String line;
                        while ((line = in.readLine()) != null) {
                            String command = line.trim().toLowerCase(Locale.ROOT);
                            if (command.equals("quit") || command.equals("exit")) {
                                stopped.countDown();
                                return;
                            }
                            if (!command.isEmpty()) {
                                run(command);
                            }
                        }
                    } catch (IOException e) {
                        out.println(
                                PREFIX + "standard input failed (" + e.getMessage() + "); Ctrl+C stops the launcher");
                    }
                },
                "example-app-launcher-commands");
        reader.setDaemon(true);
        reader.start();
    }

    private void run(String command) {
        try {
            switch (command) {
                case "replace" -> replace();
                case "restart" -> restart();
                case "failover" -> failover();
                case "status" -> status();
                default ->
                    out.println(
                            PREFIX + "unknown command '" + command + "': replace, restart, failover, status or quit");
            }
        } catch (RuntimeException e) {
            out.println(PREFIX + command + " failed: " + e.getMessage());
        }
    }

    private void replace() {
        RedisPod master = master();
        String oldIp = master.ip();
        out.printf(
                "%skubectl delete pod %s: Redis gets SIGTERM; the StatefulSet recreates the pod %d s later%n",
                PREFIX, master.name(), KUBERNETES_DELAY.toSeconds());
        master.replace(RedisPod.Deletion.GRACEFUL, KUBERNETES_DELAY);
        master.awaitReady(SETTLE);
        out.printf(
                "%s%s is back with a new IP: %s (was %s), master again, with its data%n",
                PREFIX, master.name(), master.ip(), oldIp);
        if (master.ordinal() != 0 || !"master".equals(master.role())) {
            return;
        }
        // The chart's replicas follow pod 0 by its DNS name and reconnect to its new IP by themselves.
        for (RedisPod replica : redis.pods()) {
            if (replica != master) {
                replica.replicaOf(master);
            }
        }
        redis.awaitReplicationLinked(SETTLE);
        out.println(PREFIX + "the replicas follow " + master.name() + " at its new IP");
    }

    private void restart() {
        RedisPod master = master();
        out.printf(
                "%s%s's container is killed; the kubelet restarts it %d s later, same IP %s%n",
                PREFIX, master.name(), KUBERNETES_DELAY.toSeconds(), master.ip());
        master.restartContainer(KUBERNETES_DELAY);
        master.awaitReady(SETTLE);
        redis.awaitReplicationLinked(SETTLE);
        out.println(PREFIX + master.name() + " is running again");
    }

    private void failover() {
        RedisPod from = master();
        RedisPod to =
                redis.pods().stream().filter(pod -> pod != from).findFirst().orElseThrow();
        out.printf(
                "%sFAILOVER TO %s on %s: writes pause until %s has them all, then the roles swap%n",
                PREFIX, to.name(), from.name(), to.name());
        Object reply = from.command("FAILOVER", "TO", to.ip(), Integer.toString(to.port()), "TIMEOUT", "5000");
        if (!"OK".equals(reply)) {
            throw new IllegalStateException("Redis refused FAILOVER: " + reply);
        }
        long deadline = System.nanoTime() + SETTLE.toNanos();
        while (!("master".equals(to.role()) && "slave".equals(from.role()))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(to.name() + " did not become master within " + SETTLE);
            }
            pause(Duration.ofMillis(50));
        }
        for (RedisPod other : redis.pods()) {
            if (other != from && other != to) {
                other.replicaOf(to);
            }
        }
        redis.awaitReplicationLinked(SETTLE);
        out.println(PREFIX + to.name() + " is master, the others its replicas");
    }

    private void status() {
        for (RedisPod pod : redis.pods()) {
            out.printf("%s  %-8s %-15s %s%n", PREFIX, pod.name(), pod.ip(), pod.isReady() ? pod.role() : pod.phase());
        }
    }

    private RedisPod master() {
        return redis.master().orElseThrow(() -> new IllegalStateException("no pod is master right now"));
    }

    private static int port() throws IOException {
        List<Integer> candidates = List.of(DEFAULT_PORT, 0);
        for (int candidate : candidates) {
            try (ServerSocket socket = new ServerSocket(candidate)) { // every address, as Tomcat binds
                return socket.getLocalPort();
            } catch (IOException taken) {
                // 8080 is in use: any free port will do
            }
        }
        throw new IOException("no free port for the example application");
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
