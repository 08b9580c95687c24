package io.github.mooring.bench;

import io.github.mooring.discovery.EndpointSource;
import io.github.mooring.discovery.KubernetesSource;
import io.github.mooring.internal.topology.MonitorSettings;
import io.github.mooring.testing.EventLog;
import io.github.mooring.testing.Harness;
import io.github.mooring.testkit.EndpointChange;
import io.github.mooring.testkit.RedisPod;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.topology.TopologyEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Measures how long the monitor takes to notice a replaced master pod: not a test, a measurement to run by hand.
 *
 * <pre>
 * mvn -q -B -pl core -am test-compile exec:java@detection-latency
 * </pre>
 *
 * On a simulated namespace with three pods, the master pod is replaced {@value #REPLACEMENTS} times per source
 * (SIGKILL, the StatefulSet recreates it with a new IP 500 ms later), with the default probe interval. Each
 * replacement is timed up to the listener's receipt of the {@link TopologyEvent.MasterChanged} naming the new pod
 * ({@link System#nanoTime()} in the listener):
 * <ul>
 * <li><b>kubernetes</b>: from the {@link EndpointChange#nanoTime()} of the EndpointSlice update that first listed
 * the new pod (not ready yet: the monitor probes endpoints before they are ready, as a new master answers before its
 * readiness probe passes), and, as a second figure, from the update that first published it as ready (negative:
 * the event came before the pod was ready). The testkit takes the time when the API server has acknowledged the
 * slice write; a watch event sent together with that acknowledgement may, rarely, be handled a hair before it;</li>
 * <li><b>dns</b> (every 100 ms, and every 1 s): from {@code ClusterDns.lastChangeNanos()} as it was for that same
 * update, the moment the DNS server started answering with the new pod's IP.</li>
 * </ul>
 * While a replacement leaves the group without a master, the monitor probes every
 * {@link MonitorSettings#DEFAULT_NO_MASTER_PROBE_INTERVAL} and asks the DNS source again each round, so the DNS
 * interval hardly shows here; it bounds how soon DNS changes are seen while a master is known.
 * Arguments (optional): the number of replacements per source; then a DNS TTL and a CoreDNS cache in seconds, to
 * measure only the dns source (every 1 s) behind that cache, as on a real cluster (CoreDNS's kubernetes plugin answers
 * with TTL 5 by default and the Corefile Kubernetes ships has {@code cache 30}: {@code 10 5 30}). Or, with
 * {@code drop} as second argument ({@code 20 drop}), only the kubernetes source on a fabric8 client of its own (the
 * default), while the API server's connections, watches included, are closed every {@value #DROP_EVERY_SECONDS} s:
 * what a change costs when it comes while fabric8 re-establishes a closed watch.
 * Or, with {@code calm} as second argument ({@code 10 calm}), all three sources, to replace the master while the
 * monitor is calm ({@code calmAfter} 0: heartbeat rounds only, as long as nothing is doubtful) instead of within the
 * default 10 s of fast pace that follows the previous replacement. A source whose DNS records changed again before
 * the event is reported as not measured; the others still are.
 */
public final class DetectionLatency {

    static final int REPLACEMENTS = 20;
    static final Duration RECREATE_AFTER = Duration.ofMillis(500);
    static final Duration TIMEOUT = Duration.ofSeconds(30);
    static final int DROP_EVERY_SECONDS = 5;

    private DetectionLatency() {}

    /** One source to measure. */
    private record Subject(
            String name, boolean kubernetes, Duration dnsInterval, boolean ownClient, boolean dropWatches) {
        Subject(String name, boolean kubernetes, Duration dnsInterval) {
            this(name, kubernetes, dnsInterval, false, false);
        }
    }

    public static void main(String[] args) throws Exception {
        int replacements = args.length > 0 ? Integer.parseInt(args[0]) : REPLACEMENTS;
        boolean drop = args.length > 1 && args[1].equals("drop");
        boolean own = args.length > 1 && args[1].equals("own");
        boolean cached = args.length > 2;
        Duration dnsTtl = cached ? Duration.ofSeconds(Long.parseLong(args[1])) : Duration.ofSeconds(30);
        Duration dnsCache = cached ? Duration.ofSeconds(Long.parseLong(args[2])) : Duration.ZERO;
        List<Subject> subjects = drop || own
                ? List.of(new Subject(
                        drop
                                ? "kubernetes, own client, watches closed every " + DROP_EVERY_SECONDS + " s"
                                : "kubernetes, own client",
                        true,
                        null,
                        true,
                        drop))
                : cached
                        ? List.of(new Subject(
                                "dns every 1 s, TTL " + dnsTtl.toSeconds() + " s, cache " + dnsCache.toSeconds() + " s",
                                false,
                                Duration.ofSeconds(1)))
                        : List.of(
                                new Subject("kubernetes", true, null),
                                new Subject("dns every 100 ms", false, Duration.ofMillis(100)),
                                new Subject("dns every 1 s", false, Duration.ofSeconds(1)));
        MonitorSettings settings = args.length > 1 && args[1].equals("calm")
                ? MonitorSettings.defaults().withCalmPace(MonitorSettings.DEFAULT_CALM_PROBE_INTERVAL, Duration.ZERO)
                : MonitorSettings.defaults();
        List<String> summaries = new ArrayList<>();
        try (SimulatedNamespace ns =
                SimulatedNamespace.builder().dnsTtl(dnsTtl).dnsCache(dnsCache).start()) {
            RedisStatefulSet redis = ns.redis("redis").replicas(3).start();
            for (Subject subject : subjects) {
                List<double[]> millis;
                try {
                    millis = measure(ns, redis, subject, replacements, settings);
                } catch (IllegalStateException e) {
                    summaries.add("  " + subject.name() + ": not measured (" + e.getMessage() + ")");
                    continue;
                }
                if (subject.kubernetes()) {
                    summaries.add(summarize(
                            "kubernetes, from the slice update listing the new pod",
                            millis.stream().map(m -> m[0]).toList()));
                    summaries.add(summarize(
                            "kubernetes, from the slice update publishing it ready",
                            millis.stream().map(m -> m[1]).toList()));
                } else {
                    summaries.add(summarize(
                            subject.name() + ", from the DNS record change",
                            millis.stream().map(m -> m[0]).toList()));
                }
            }
        }
        System.out.println();
        System.out.printf(
                Locale.ROOT,
                "Detection latency over %d master replacements per source (SIGKILL, recreated"
                        + " after %d ms; probe interval %d ms, %d ms without master, calm pace %d s after %d s;"
                        + " %d CPUs)%n",
                replacements,
                RECREATE_AFTER.toMillis(),
                settings.probeInterval().toMillis(),
                settings.noMasterProbeInterval().toMillis(),
                settings.calmProbeInterval().toSeconds(),
                settings.calmAfter().toSeconds(),
                Runtime.getRuntime().availableProcessors());
        summaries.forEach(System.out::println);
    }

    /** Per replacement: {from the start of the measure, from the slice update that published the pod ready}. */
    private static List<double[]> measure(
            SimulatedNamespace ns, RedisStatefulSet redis, Subject subject, int replacements, MonitorSettings settings)
            throws Exception {
        List<double[]> millis = new ArrayList<>();
        try (Harness harness = new Harness()) {
            EndpointSource source = subject.ownClient()
                    ? KubernetesSource.builder().config(ns.api().config()).build()
                    : subject.kubernetes() ? harness.kubernetes(ns) : Harness.dns(ns, false, subject.dnsInterval());
            ScheduledExecutorService dropper = Executors.newSingleThreadScheduledExecutor();
            if (subject.dropWatches()) {
                dropper.scheduleAtFixedRate(
                        () -> ns.api().dropConnections(), DROP_EVERY_SECONDS, DROP_EVERY_SECONDS, TimeUnit.SECONDS);
            }
            AutoCloseable stopDropping = dropper::shutdownNow;
            harness.register(stopDropping);
            Harness.Watched watched = harness.watch(Harness.service(ns, redis), source, Harness.NO_AUTH, settings);
            watched.awaitStarted(TIMEOUT);
            // The DNS time of the change that brought the event, read as the event arrives (nothing else changes
            // the records meanwhile; checked below).
            List<long[]> dnsAtEvent = Collections.synchronizedList(new ArrayList<>());
            watched.monitor().addListener(event -> {
                if (event instanceof TopologyEvent.MasterChanged) {
                    dnsAtEvent.add(new long[] {System.nanoTime(), ns.dns().lastChangeNanos()});
                }
            });
            RedisPod pod = redis.pod(0);
            for (int i = 1; i <= replacements; i++) {
                EventLog events = watched.events();
                int mark = events.mark();
                int historyMark = redis.endpointHistory().size();
                String oldIp = pod.ip();

                if (settings.calmAfter().isZero()) {
                    awaitCalm(watched, redis);
                }
                pod.replace(RedisPod.Deletion.KILL, RECREATE_AFTER);
                pod.awaitReady(TIMEOUT);
                String newAddress = pod.address();
                events.await(
                        mark,
                        TopologyEvent.MasterChanged.class,
                        e -> e.master().address().equals(newAddress),
                        TIMEOUT);
                long eventNanos = events.receivedAt(
                        mark,
                        TopologyEvent.MasterChanged.class,
                        e -> e.master().address().equals(newAddress));
                EndpointChange published =
                        first(redis, historyMark, c -> c.readyIps().contains(pod.ip()));
                EndpointChange listed =
                        first(redis, historyMark, c -> c.endpoints().stream().anyMatch(e -> e.ip().equals(pod.ip())));

                long startNanos;
                if (subject.kubernetes()) {
                    startNanos = listed.nanoTime();
                } else {
                    long[] atEvent = dnsAtEvent.stream()
                            .filter(r -> r[0] >= eventNanos)
                            .findFirst()
                            .orElseThrow(() -> new IllegalStateException("no DNS time recorded for the event"));
                    startNanos = atEvent[1];
                    // The DNS records are written right after the EndpointSlice and Endpoints of that change.
                    if (startNanos < published.nanoTime() || startNanos - published.nanoTime() > 100_000_000L) {
                        throw new IllegalStateException("the DNS records changed again before the event; "
                                + "replacement " + i + " cannot be measured");
                    }
                }
                double ms = (eventNanos - startNanos) / 1e6;
                double fromReady = (eventNanos - published.nanoTime()) / 1e6;
                millis.add(new double[] {ms, fromReady});
                System.out.printf(
                        Locale.ROOT,
                        "%-17s #%02d %s -> %s: %8.1f ms (%8.1f ms from published ready)%n",
                        subject.name(),
                        i,
                        oldIp,
                        pod.ip(),
                        ms,
                        fromReady);
            }
        }
        return millis;
    }

    /**
     * Re-points the replicas at the master (they keep following the replaced pod's old IP, as on Kubernetes; the
     * healer's repair) and waits until the last round saw nothing doubtful (a master, every other pod a linked
     * replica): with {@code calmAfter} 0 the monitor then runs heartbeat rounds only.
     */
    private static void awaitCalm(Harness.Watched watched, RedisStatefulSet redis) {
        RedisPod master = redis.pod(0);
        for (RedisPod replica : redis.pods()) {
            if (replica != master
                    && !master.ip().equals(replica.info("replication").get("master_host"))) {
                replica.replicaOf(master);
            }
        }
        redis.awaitReplicationLinked(TIMEOUT);
        org.awaitility.Awaitility.await().atMost(TIMEOUT).until(() -> {
            io.github.mooring.topology.Topology topology = watched.monitor().topology();
            return topology.hasMaster()
                    && topology.unreachable().isEmpty()
                    && topology.reports().size() == redis.pods().size()
                    && topology.replicas().size() == redis.pods().size() - 1
                    && topology.replicas().stream()
                            .allMatch(r ->
                                    r.report().masterLinkUp() && !r.report().syncInProgress());
        });
    }

    /** The first endpoint update after {@code from} that matches. */
    private static EndpointChange first(RedisStatefulSet redis, int from, Predicate<EndpointChange> matching) {
        List<EndpointChange> history = redis.endpointHistory();
        return history.subList(from, history.size()).stream()
                .filter(matching)
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no such endpoint update"));
    }

    static String summarize(String name, List<Double> millis) {
        List<Double> sorted = new ArrayList<>(millis);
        Collections.sort(sorted);
        int n = sorted.size();
        double median = n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
        double p90 = sorted.get((int) Math.ceil(0.9 * n) - 1);
        double mean = sorted.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        return String.format(
                Locale.ROOT,
                "  %-54s n=%d  median %7.1f ms  p90 %7.1f ms  max %7.1f ms" + "  (min %.1f, mean %.1f)",
                name,
                n,
                median,
                p90,
                sorted.get(n - 1),
                sorted.get(0),
                mean);
    }
}
