package io.github.mooring.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mooring.testkit.Credentials;
import io.github.mooring.testkit.RedisPod;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.SimulatedNamespace;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;

/**
 * A consumer program counting visits ({@code INCR visits} every 20 ms) on a Service of 3 pods with persistence and an
 * ACL user, while the master pod is replaced (killed, recreated 1 s later with a new IP). Checked at the end: the
 * program exited cleanly, no write failed other than one whose fate Mooring reported unknown, and the counter on the
 * master holds every acknowledged write and nothing applied twice.
 */
final class CounterScenario {

    static final String USER = "app";
    static final String PASSWORD = "consumer-" + Long.toHexString(System.nanoTime());
    private static final Pattern RESULT =
            Pattern.compile("RESULT acknowledged=(\\d+) fateUnknown=(\\d+) failed=(\\d+) lastError=(.*)");

    private final SimulatedNamespace ns;
    private final RedisStatefulSet redis;
    private final Path workDir;

    CounterScenario(SimulatedNamespace ns, Path workDir) {
        this.ns = ns;
        this.workDir = workDir;
        this.redis = ns.redis("redis")
                .replicas(3)
                .persistence(true)
                .credentials(Credentials.aclUser(USER, PASSWORD))
                .start();
        redis.awaitReplicationLinked(Duration.ofSeconds(30));
    }

    /**
     * A kubeconfig for the namespace's API server, as {@code kubectl} would have one: the server, the application's
     * service-account token, the namespace.
     */
    Path kubeconfig() {
        String text = """
                apiVersion: v1
                kind: Config
                clusters:
                - name: simulated
                  cluster:
                    server: %s
                contexts:
                - name: simulated
                  context:
                    cluster: simulated
                    namespace: %s
                    user: app
                current-context: simulated
                users:
                - name: app
                  user:
                    token: %s
                """.formatted(ns.api().url(), ns.name(), ns.api().config().getOauthToken());
        try {
            Path file = workDir.resolve("kubeconfig");
            Files.writeString(file, text);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The environment a program gets: the kubeconfig and the namespace, plus {@code extra}. */
    Map<String, String> environment(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(extra);
        env.put("KUBECONFIG", kubeconfig().toString());
        return env;
    }

    String namespace() {
        return ns.name();
    }

    /** Runs the program through a master pod replacement and checks the invariant; returns its output lines. */
    List<String> run(String name, List<String> command, Map<String, String> environment, Duration startup) {
        try (ConsumerProcess program = ConsumerProcess.start(name, command, environment, workDir)) {
            program.awaitLine("WRITING"::equals, startup);
            RedisPod master = redis.master().orElseThrow();
            Awaitility.await("writes before the disruption")
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> counter(master) >= 25);

            long atKill = counter(master);
            master.replace(RedisPod.Deletion.KILL, Duration.ofSeconds(1));
            master.awaitReady(Duration.ofSeconds(30));
            Awaitility.await(name + " writing on the recreated master (" + master.name() + ")")
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(100))
                    .failFast(name + " exited", () -> {
                        if (!program.isAlive()) {
                            throw new AssertionError(name + " exited:\n" + program.output());
                        }
                    })
                    .until(() -> masterCounter() >= atKill + 50);

            int exit = program.stop(Duration.ofSeconds(60));
            assertThat(exit).as("%s's exit code\n%s", name, program.output()).isZero();
            String line = program.line(l -> l.startsWith("RESULT "))
                    .orElseThrow(() -> new AssertionError(name + " printed no RESULT\n" + program.output()));
            Matcher result = RESULT.matcher(line);
            assertThat(result.matches()).as(line).isTrue();
            long acknowledged = Long.parseLong(result.group(1));
            long fateUnknown = Long.parseLong(result.group(2));
            long failed = Long.parseLong(result.group(3));

            assertThat(failed)
                    .as("writes that failed (other than fate unknown): %s\n%s", result.group(4), program.output())
                    .isZero();
            // One synchronous writer has at most one write in flight when the pod dies.
            assertThat(fateUnknown).as("writes whose fate is unknown").isLessThanOrEqualTo(1);
            long counter = masterCounter();
            assertThat(counter)
                    .as(
                            "the counter on the master, for %d acknowledged and %d fate-unknown writes",
                            acknowledged, fateUnknown)
                    .isBetween(acknowledged, acknowledged + fateUnknown);
            return program.lines();
        }
    }

    private long masterCounter() {
        try {
            return redis.master().map(CounterScenario::counter).orElse(-1L);
        } catch (RuntimeException podNotAnswering) {
            return -1;
        }
    }

    private static long counter(RedisPod pod) {
        Object reply = pod.command("GET", "visits");
        return reply == null ? 0 : Long.parseLong(String.valueOf(reply));
    }
}
