package io.github.mooring.benchmarks;

import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.Sentinels;
import io.github.mooring.testkit.SimulatedNamespace;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Mooring against the alternatives, side by side, in one run: every contender writes through the same disruptions of
 * the same simulated namespace; then steady-state throughput and latency against a raw Lettuce connection. Writes
 * {@code comparison.md}, CSV files and {@code comparison.png} to {@code benchmarks/results/}.
 * <p>
 * {@code mvn -B -Dmaven.test.skip=true -pl benchmarks -am package exec:java}; options through
 * {@code -Dexec.args="..."}, {@code --help} lists them ({@link Options}).
 */
public final class Benchmark {

    static final String COMMAND = "mvn -B -Dmaven.test.skip=true -pl benchmarks -am package exec:java";

    private static final long START = System.nanoTime();

    private Benchmark() {}

    public static void main(String[] args) {
        if (Options.wantsHelp(args)) {
            System.out.print(Options.usage());
            return;
        }
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("benchmark: " + e.getMessage() + " (--help lists the options)");
            System.exit(2);
            return;
        }
        try {
            run(options, args);
        } catch (Throwable e) {
            // Never hang in exec:java's wait for the non-daemon threads Lettuce and Redisson leave behind.
            System.out.flush();
            e.printStackTrace();
            System.exit(1);
        }
        System.exit(0); // Redisson and Lettuce leave non-daemon threads behind a blocked call
    }

    private static void run(Options options, String[] args) throws Exception {
        System.setProperty("java.awt.headless", "true");
        int reps = options.reps();
        List<Scenario> scenarios = options.scenarios();
        boolean steadyState = options.steady();
        Path out = options.out();
        String startedAt = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")
                .format(Instant.now().atZone(ZoneOffset.UTC));
        String loadStart = loadAverage();
        List<String> notes = new ArrayList<>();
        log("Mooring benchmark: " + reps + " repetitions of "
                + scenarios.stream().map(Scenario::key).toList() + (steadyState ? " and the steady state" : "")
                + "; load average " + loadStart);

        ExecutorService executor = Executors.newCachedThreadPool(r -> {
            Thread thread = new Thread(r, "benchmark");
            thread.setDaemon(true);
            return thread;
        });
        Optional<Path> haproxyBinary = Haproxy.binary();
        if (haproxyBinary.isEmpty()) {
            String skipped = "HAProxy skipped: `haproxy` is not on the PATH (Debian: `apt-get install haproxy`)";
            log(skipped);
            notes.add(skipped);
        }
        Map<String, String> versions = new LinkedHashMap<>();
        try (SimulatedNamespace ns = SimulatedNamespace.builder()
                        .dnsTtl(Duration.ofSeconds(30))
                        .start();
                Contenders contenders = new Contenders(ns)) {
            RedisStatefulSet plainSet =
                    ns.redis("redis").replicas(3).persistence(true).start();
            RedisStatefulSet fiveSet =
                    ns.redis("redis-s5").replicas(3).persistence(true).start();
            RedisStatefulSet oneSet =
                    ns.redis("redis-s1").replicas(3).persistence(true).start();
            Sentinels five = ns.sentinels(fiveSet)
                    .downAfter(Duration.ofSeconds(5))
                    .failoverTimeout(Duration.ofSeconds(10))
                    .start();
            Sentinels one = ns.sentinels(oneSet)
                    .downAfter(Duration.ofSeconds(1))
                    .failoverTimeout(Duration.ofSeconds(10))
                    .start();
            Haproxy haproxy = haproxyBinary
                    .map(binary -> Haproxy.start(
                            binary,
                            ns.workDir().resolve("haproxy"),
                            ns.dns().address(),
                            Map.of("plain", plainSet, "five", fiveSet)))
                    .orElse(null);
            try {
                Setup plain = new Setup("k8s", "no Sentinels", "", plainSet, null);
                Setup sentinel5 = new Setup("s5", "Sentinels, down-after 5 s", "Sentinel 5 s", fiveSet, five);
                Setup sentinel1 = new Setup("s1", "Sentinels, down-after 1 s", "Sentinel 1 s", oneSet, one);
                plain.add("c1", "Mooring (kubernetes)", () -> contenders.mooringKubernetes(plainSet));
                plain.add("c2", "Mooring (dns)", () -> contenders.mooringDns(plainSet));
                plain.add("c3", "Lettuce by pod IP", () -> contenders.lettuceByPodIp(plainSet));
                plain.add("c4", "Lettuce by Service name", () -> contenders.lettuceByServiceName(plainSet));
                plain.add("c5", "Lettuce Master/Replica", () -> contenders.lettuceMasterReplica(plainSet));
                plain.add("c6", "Redisson replicated", () -> contenders.redissonReplicated(plainSet));
                if (haproxy != null) {
                    plain.add("c7", "HAProxy", () -> contenders.lettuceViaHaproxy(haproxy.port("plain")));
                }
                sentinel5.add("c8", "Mooring (kubernetes)", () -> contenders.mooringKubernetes(fiveSet));
                sentinel5.add("c9", "Lettuce Sentinel", () -> contenders.lettuceSentinel(five));
                sentinel5.add("c10", "Redisson Sentinel", () -> contenders.redissonSentinel(five));
                if (haproxy != null) {
                    sentinel5.add("c11", "HAProxy", () -> contenders.lettuceViaHaproxy(haproxy.port("five")));
                }
                sentinel1.add("c12", "Mooring (kubernetes)", () -> contenders.mooringKubernetes(oneSet));
                sentinel1.add("c13", "Lettuce Sentinel", () -> contenders.lettuceSentinel(one));
                sentinel1.add("c14", "Redisson Sentinel", () -> contenders.redissonSentinel(one));
                List<Setup> setups = List.of(plain, sentinel5, sentinel1);

                versions.put("Redis", plainSet.pod(0).info("server").get("redis_version"));
                versions.put("Lettuce", artifactVersion("io.lettuce", "lettuce-core"));
                versions.put("Redisson", artifactVersion("org.redisson", "redisson"));
                versions.put("HAProxy", haproxy != null ? haproxy.version() : "not installed");
                versions.put("Netty", artifactVersion("io.netty", "netty-common"));
                versions.put("JMH", artifactVersion("org.openjdk.jmh", "jmh-core"));
                versions.put("XChart", artifactVersion("org.knowm.xchart", "xchart"));
                versions.put("Java", System.getProperty("java.version"));
                log("versions: " + versions);

                FailoverSuite suite = new FailoverSuite(setups, executor, Benchmark::log);
                log("starting "
                        + setups.stream().mapToInt(s -> s.slots().size()).sum() + " contenders");
                suite.prepare(null);

                SteadyState steady = new SteadyState(Benchmark::log);
                if (steadyState) {
                    log("steady state");
                    steady(steady, contenders, plain, sentinel5);
                    suite.prepare(null); // compacts the AOF the steady state filled
                }
                for (Scenario scenario : scenarios) {
                    log(scenario.title() + ": " + scenario.description());
                    for (int rep = 1; rep <= reps; rep++) {
                        suite.run(scenario, rep);
                        suite.prepare(scenario);
                    }
                }

                Duration took = Duration.ofNanos(System.nanoTime() - START);
                Map<String, String> run = new LinkedHashMap<>();
                run.put(
                        "command",
                        COMMAND + (args.length > 0 ? " -Dexec.args=\"" + String.join(" ", args) + "\"" : ""));
                run.put("started", startedAt);
                run.put(
                        "duration",
                        String.format("%d min %02d s in all, build excluded", took.toMinutes(), took.toSecondsPart()));
                run.put("machine", machine());
                run.put("loadStart", loadStart);
                run.put("loadEnd", loadAverage());
                run.put(
                        "versions",
                        versions.entrySet().stream()
                                .map(e -> e.getKey() + " " + e.getValue())
                                .reduce((a, b) -> a + ", " + b)
                                .orElse(""));
                run.put("reps", Integer.toString(reps));
                notes.add("Setups (one namespace, disrupted at the same moment): **no Sentinels** (the Kubernetes "
                        + "way), **Sentinels, down-after 5 s** and **Sentinels, down-after 1 s**; each a "
                        + "StatefulSet of 3 pods with persistence (AOF), DNS TTL 30 s, Sentinel failover-timeout 10 s");
                Report report = new Report(setups, scenarios, suite.results(), steady.measures(), run, notes);
                report.write(out);
                Chart.write(
                        out.resolve("comparison.png"),
                        setups,
                        suite.timeline(),
                        report.summaries(),
                        scenarios,
                        "cut-offs: "
                                + scenarios.stream()
                                        .map(s -> s.title() + " " + s.cap().toSeconds() + " s")
                                        .reduce((a, b) -> a + ", " + b)
                                        .orElse(""));
                System.out.println();
                System.out.println(report.markdown(report.summaries()));
                log("results in " + out.toAbsolutePath() + "; took " + run.get("duration"));
                for (Setup setup : setups) {
                    setup.slots().forEach(Slot::close);
                }
            } finally {
                if (haproxy != null) {
                    haproxy.close();
                }
            }
        } finally {
            executor.shutdownNow();
        }
    }

    private static void steady(SteadyState steady, Contenders contenders, Setup plain, Setup sentinel5)
            throws Exception {
        for (Setup setup : List.of(plain, sentinel5)) {
            Contender raw = contenders.raw(setup.set());
            try {
                if (setup == plain) {
                    steady.jmh(setup.key(), raw, setup.slots().get(0).contender());
                }
                for (Slot slot : setup.slots()) {
                    steady.loop(setup.key(), slot.name(), slot.contender(), raw);
                }
            } finally {
                raw.close();
            }
        }
    }

    static void log(String line) {
        long seconds = (System.nanoTime() - START) / 1_000_000_000L;
        System.out.printf("[%3d:%02d] %s%n", seconds / 60, seconds % 60, line);
        System.out.flush();
    }

    static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static String artifactVersion(String group, String artifact) {
        String resource = "/META-INF/maven/" + group + "/" + artifact + "/pom.properties";
        try (InputStream in = Benchmark.class.getResourceAsStream(resource)) {
            if (in != null) {
                Properties properties = new Properties();
                properties.load(in);
                return properties.getProperty("version", "?");
            }
        } catch (IOException e) {
            // fall through
        }
        return "?";
    }

    static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return fields[0] + " / " + fields[1] + " / " + fields[2] + " (1 / 5 / 15 min)";
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static String machine() {
        String cpu = "?";
        String memory = "?";
        String os = System.getProperty("os.name");
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .findFirst()
                    .orElse("?");
            memory = Files.readAllLines(Path.of("/proc/meminfo")).stream()
                    .filter(l -> l.startsWith("MemTotal"))
                    .map(l -> Math.round(Long.parseLong(l.replaceAll("\\D", "")) / 1024.0 / 1024.0) + " GiB")
                    .findFirst()
                    .orElse("?");
            os = Files.readAllLines(Path.of("/etc/os-release")).stream()
                    .filter(l -> l.startsWith("PRETTY_NAME="))
                    .map(l -> l.substring(l.indexOf('=') + 1).replace("\"", ""))
                    .findFirst()
                    .orElse(os);
        } catch (IOException | RuntimeException e) {
            // not Linux: keep what the JVM says
        }
        return Runtime.getRuntime().availableProcessors() + " cores (" + cpu + "), " + memory + ", " + os;
    }
}
