package io.github.mooring.benchmarks;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.mooring.MooringClient;
import io.github.mooring.MooringOptions;
import io.github.mooring.benchmarks.FootprintOptions.Source;
import io.github.mooring.discovery.DnsSource;
import io.github.mooring.discovery.EndpointSource;
import io.github.mooring.discovery.KubernetesSource;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.topology.Topology;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.netty.util.internal.PlatformDependent;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.ref.Reference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * What one MooringClient costs (issue 14): the threads it starts, by owner, and the heap it keeps, with a 3-pod
 * StatefulSet in a simulated namespace. The same program gives the numbers before and after a change.
 * <p>
 * {@value #COMMAND}; options through {@code -Dexec.args="..."}, {@code --help} lists them ({@link FootprintOptions}).
 * <ul>
 * <li><b>Threads</b>: every live thread ({@link ThreadCensus}), once no thread has started or ended for 2 s: before
 * the first client (after one warm-up client was created and closed, so that what any first client starts once per
 * JVM is in the baseline), with 1 client, with N; each client connected with one command. Owners come from the
 * thread's name, else its class and stack ({@link ThreadOwner}); the testkit's servers in this JVM are not counted.
 * Then every client is closed, and a thread of theirs still alive 15 s later is reported.</li>
 * <li><b>Heap</b>: the live heap ({@link ClassHistogram}: a full GC, then the count of reachable objects) with M
 * clients minus before them, divided by M; the median of the repetitions, with the classes that grew most.</li>
 * </ul>
 */
public final class ClientFootprint {

    static final String COMMAND =
            "mvn -B -q -Dmaven.test.skip=true -pl benchmarks -am package" + " exec:java@client-footprint";

    private static final Duration QUIET = Duration.ofSeconds(2);
    private static final Duration SETTLE_MAX = Duration.ofSeconds(30);
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(15);
    private static final Duration STEADY_TIMEOUT = Duration.ofSeconds(60);
    /** The testkit's API server proxy: two pump threads per connection, each with a buffer of this size. */
    private static final String PROXY_PUMP = "mooring-testkit-apiserver-pump";

    private static final int PROXY_BUFFER = 16 * 1024;

    private ClientFootprint() {}

    public static void main(String[] args) {
        if (FootprintOptions.wantsHelp(args)) {
            System.out.print(FootprintOptions.usage());
            return;
        }
        FootprintOptions options;
        try {
            options = FootprintOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("client-footprint: " + e.getMessage() + " (--help lists the options)");
            System.exit(2);
            return;
        }
        try {
            run(options);
        } catch (Throwable e) {
            System.out.flush();
            e.printStackTrace();
            System.exit(1);
        }
        System.exit(0); // a leaked non-daemon thread would otherwise keep exec:java waiting
    }

    private static void run(FootprintOptions options) {
        String gcs = ManagementFactory.getGarbageCollectorMXBeans().stream()
                .map(GarbageCollectorMXBean::getName)
                .collect(Collectors.joining(", "));
        Benchmark.log(String.format(
                Locale.ROOT,
                "Client footprint: Java %s (%s; max heap %d MiB), %d CPUs, load %s;"
                        + " Lettuce %s (default threads: %d I/O, %d computation), Netty %s, fabric8 %s",
                System.getProperty("java.version"),
                gcs,
                Runtime.getRuntime().maxMemory() >> 20,
                Runtime.getRuntime().availableProcessors(),
                Benchmark.loadAverage(),
                Benchmark.artifactVersion("io.lettuce", "lettuce-core"),
                DefaultClientResources.DEFAULT_IO_THREADS,
                DefaultClientResources.DEFAULT_COMPUTATION_THREADS,
                Benchmark.artifactVersion("io.netty", "netty-common"),
                Benchmark.artifactVersion("io.fabric8", "kubernetes-client")));
        Benchmark.log("clients "
                + (options.shared()
                        ? "share one Lettuce ClientResources and one fabric8 client"
                        : "each make their own Lettuce ClientResources (and, kubernetes source, fabric8 client)")
                + "; 3-pod StatefulSet, default probe interval, healer in report mode (the defaults)");
        try (SimulatedNamespace ns = SimulatedNamespace.start()) {
            RedisStatefulSet set = ns.redis("redis").replicas(3).start();
            for (Source source : options.sources()) {
                threads(ns, set, source, options);
                heap(ns, set, source, options);
            }
        }
        System.out.println();
        System.out.println("""
                Method and caveats:
                - threads: all live threads (Thread.getAllStackTraces) once none started or ended for 2 s; the
                  baseline after a warm-up client was created and closed. 'per client' = (N clients - 1) / (N - 1).
                  Lettuce's pools scale with the CPUs (see DEFAULT_IO_THREADS above) and start on first use.
                - heap: GC.class_histogram (full GC, then reachable objects by class) with M clients minus before;
                  shallow sizes summed, so it is retained heap of everything the clients keep, shared or not, plus
                  whatever else changed meanwhile (median of the repetitions). Soft references count as live.
                  Thread stacks and direct buffers are not heap. For the kubernetes source it also holds the testkit
                  API server's side of each watch: the proxy's two 16 KiB pump buffers (shown, and subtracted in
                  'less proxy') and the mock server's per-connection objects (Vert.x, some Netty, not subtracted).""");
    }

    // ------------------------------------------------------------------ threads

    private static void threads(SimulatedNamespace ns, RedisStatefulSet set, Source source, FootprintOptions options) {
        int n = options.threadClients();
        try (Fleet warmUp = new Fleet(ns, set, source, options.shared())) {
            warmUp.grow(1);
        }
        ThreadCensus base;
        ThreadCensus one;
        ThreadCensus many;
        try (Fleet fleet = new Fleet(ns, set, source, options.shared())) {
            base = ThreadCensus.settled(QUIET, SETTLE_MAX);
            fleet.grow(1);
            one = ThreadCensus.settled(QUIET, SETTLE_MAX).since(base);
            fleet.grow(n);
            many = ThreadCensus.settled(QUIET, SETTLE_MAX).since(base);
        }
        ThreadCensus started = many.without(ThreadOwner.TESTKIT);
        Leftover leftover = awaitGone(started);
        ThreadCensus testkitLeft = ThreadCensus.take().stillAlive(many).only(ThreadOwner.TESTKIT);

        System.out.println();
        System.out.printf(
                Locale.ROOT,
                "Threads, %s source (%s): %d alive before the first client%n",
                source.key(),
                options.shared() ? "shared resources" : "own resources",
                base.size());
        String format = "  %-26s %-36s %9s %10s %11s%n";
        System.out.printf(
                Locale.ROOT, format, "owner", "thread name pattern", "1 client", n + " clients", "per client");
        Map<ThreadCensus.Kind, Integer> oneKinds = one.byKind();
        Map<ThreadCensus.Kind, Integer> manyKinds = many.byKind();
        TreeSet<ThreadCensus.Kind> kinds = new TreeSet<>(oneKinds.keySet());
        kinds.addAll(manyKinds.keySet());
        Map<ThreadOwner, int[]> totals = new TreeMap<>();
        for (ThreadCensus.Kind kind : kinds) {
            int a = oneKinds.getOrDefault(kind, 0);
            int b = manyKinds.getOrDefault(kind, 0);
            System.out.printf(Locale.ROOT, format, kind.owner().label(), kind.pattern(), a, b, perClient(a, b, n));
            int[] sum = totals.computeIfAbsent(kind.owner(), o -> new int[2]);
            sum[0] += a;
            sum[1] += b;
        }
        int[] all = new int[2];
        for (Map.Entry<ThreadOwner, int[]> total : totals.entrySet()) {
            int[] sum = total.getValue();
            System.out.printf(
                    Locale.ROOT,
                    format,
                    "= " + total.getKey().label(),
                    "",
                    sum[0],
                    sum[1],
                    perClient(sum[0], sum[1], n));
            if (total.getKey() != ThreadOwner.TESTKIT) {
                all[0] += sum[0];
                all[1] += sum[1];
            }
        }
        System.out.printf(
                Locale.ROOT, format, "= all but the testkit", "", all[0], all[1], perClient(all[0], all[1], n));
        for (ThreadCensus.Counted thread : many.threads()) {
            if (thread.owner() == ThreadOwner.UNATTRIBUTED) {
                System.out.printf("  unattributed: %s at %s%n", thread.name(), thread.topOfStack(8));
            }
        }
        if (leftover.alive().size() == 0 && leftover.endedAfterGc().size() == 0) {
            System.out.printf(
                    Locale.ROOT, "  after close: all %d threads the clients started have ended%n", started.size());
        } else {
            System.out.printf(
                    Locale.ROOT,
                    "  after close: %d of %d threads still alive %d s later, %d more ended"
                            + " only after a full GC:%n",
                    leftover.alive().size(),
                    started.size(),
                    CLOSE_WAIT.toSeconds(),
                    leftover.endedAfterGc().size());
            describe("ended after GC", leftover.endedAfterGc());
            describe("still alive", leftover.alive());
        }
        if (testkitLeft.size() > 0) {
            System.out.printf(
                    Locale.ROOT,
                    "  the testkit's side of their connections, still alive too: %s%n",
                    testkitLeft.byKind().entrySet().stream()
                            .map(e -> e.getValue() + "x " + e.getKey().pattern())
                            .collect(Collectors.joining(", ")));
        }
    }

    private static void describe(String what, ThreadCensus threads) {
        threads.byKind()
                .forEach((kind, count) -> System.out.printf(
                        Locale.ROOT,
                        "    %s: %dx %s (%s)%n",
                        what,
                        count,
                        kind.pattern(),
                        kind.owner().label()));
        Map<String, ThreadCensus.Counted> onePerKind = threads.threads().stream()
                .collect(Collectors.toMap(ThreadCensus.Counted::pattern, t -> t, (a, b) -> a, TreeMap::new));
        onePerKind.values().forEach(t -> System.out.printf("      %s at %s%n", t.name(), t.topOfStack(6)));
    }

    private static String perClient(int one, int many, int n) {
        return String.format(Locale.ROOT, "%.1f", (many - one) / (double) (n - 1));
    }

    /** What closing the clients left: the threads still alive, and those that ended only after a GC. */
    private record Leftover(ThreadCensus alive, ThreadCensus endedAfterGc) {}

    /**
     * Waits for the threads of {@code started} to end, half of {@link #CLOSE_WAIT} as they are, the other half after
     * a full GC: a JDK HttpClient's selector thread ends only once its client is unreachable (Java 17 has no close).
     */
    private static Leftover awaitGone(ThreadCensus started) {
        ThreadCensus beforeGc = awaitGone(started, CLOSE_WAIT.dividedBy(2));
        if (beforeGc.size() == 0) {
            return new Leftover(beforeGc, beforeGc);
        }
        System.gc();
        ThreadCensus alive = awaitGone(beforeGc, CLOSE_WAIT.dividedBy(2));
        Set<Long> stillAlive = alive.ids();
        return new Leftover(
                alive,
                new ThreadCensus(beforeGc.threads().stream()
                        .filter(t -> !stillAlive.contains(t.id()))
                        .toList()));
    }

    private static ThreadCensus awaitGone(ThreadCensus threads, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        ThreadCensus alive = ThreadCensus.take().stillAlive(threads);
        while (alive.size() > 0 && System.nanoTime() < deadline) {
            Benchmark.pause(Duration.ofMillis(100));
            alive = ThreadCensus.take().stillAlive(threads);
        }
        return alive;
    }

    // ------------------------------------------------------------------ heap

    /**
     * One repetition, per client: live heap (and heap used) with the clients minus before them, growth while they
     * idled, direct memory, the proxy's buffers, and the class histogram's difference (summed by owner, and the top).
     */
    private record HeapSample(
            long live,
            long used,
            long idleGrowth,
            long nettyDirect,
            long jdkDirect,
            long proxy,
            Map<String, Long> byOwner,
            List<ClassHistogram.Row> top,
            long afterClose,
            List<ClassHistogram.Row> leftAfterClose) {}

    private static void heap(SimulatedNamespace ns, RedisStatefulSet set, Source source, FootprintOptions options) {
        int m = options.heapClients();
        List<HeapSample> samples = new ArrayList<>();
        for (int rep = 0; rep < options.reps(); rep++) {
            ThreadCensus.settled(QUIET, SETTLE_MAX); // the previous repetition's threads gone
            samples.add(heapSample(new Fleet(ns, set, source, options.shared()), m, options));
        }
        samples.sort(Comparator.comparingLong(HeapSample::live));
        HeapSample median = samples.get(samples.size() / 2);

        System.out.println();
        System.out.printf(
                Locale.ROOT,
                "Heap, %s source (%s): %d clients, %d repetitions, per client%n",
                source.key(),
                options.shared() ? "shared resources" : "own resources",
                m,
                samples.size());
        System.out.printf(
                Locale.ROOT,
                "  live heap (class histogram after a full GC): median %s  (reps: %s)%n",
                kib(median.live()),
                samples.stream().map(s -> kib(s.live())).collect(Collectors.joining(", ")));
        if (median.proxy() > 0) {
            System.out.printf(
                    Locale.ROOT,
                    "  less proxy: %s (less the testkit API server proxy's pump buffers," + " %s)%n",
                    kib(median.live() - median.proxy()),
                    kib(median.proxy()));
        }
        System.out.printf(
                Locale.ROOT, "  cross-check, MemoryMXBean heap used after System.gc(): %s%n", kib(median.used()));
        if (options.idleSeconds() > 0) {
            System.out.printf(
                    Locale.ROOT,
                    "  growth over %d s idle: %s  (reps: %s)%n",
                    options.idleSeconds(),
                    kib(median.idleGrowth()),
                    samples.stream().map(s -> kib(s.idleGrowth())).collect(Collectors.joining(", ")));
        }
        System.out.printf(
                Locale.ROOT,
                "  direct memory (not heap): Netty's counter %s, JDK direct buffers %s%n",
                median.nettyDirect() < 0 ? "n/a" : kib(median.nettyDirect()),
                kib(median.jdkDirect()));
        System.out.println("  live heap by owner of the class (median repetition):");
        median.byOwner().entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> System.out.printf(Locale.ROOT, "    %11s  %s%n", kib(e.getValue()), e.getKey()));
        System.out.printf(
                Locale.ROOT,
                "  after close (threads settled): %s per client still live%s%n",
                kib(median.afterClose()),
                median.leftAfterClose().isEmpty() ? "" : "; at least one instance per" + " closed client left of:");
        for (ClassHistogram.Row row : median.leftAfterClose()
                .subList(0, Math.min(4, median.leftAfterClose().size()))) {
            System.out.printf(
                    Locale.ROOT,
                    "    %11s %10.1f  %s%n",
                    kib(row.bytes() / m),
                    row.instances() / (double) m,
                    row.className());
        }
        for (String owner : List.of("Mooring", "Lettuce", "fabric8", "JDK HttpClient")) {
            String left = median.leftAfterClose().stream()
                    .filter(row -> ClassHistogram.ownerOf(row.className()).equals(owner))
                    .sorted(Comparator.comparingLong(ClassHistogram.Row::instances)
                            .thenComparing(ClassHistogram.Row::className))
                    .limit(8)
                    .map(row -> String.format(
                            Locale.ROOT, "%s %.0f", simpleName(row.className()), row.instances() / (double) m))
                    .collect(Collectors.joining(", "));
            if (!left.isEmpty()) {
                System.out.printf(Locale.ROOT, "    %s objects left per closed client: %s%n", owner, left);
            }
        }
        if (options.top() > 0) {
            System.out.printf(Locale.ROOT, "  top %d classes by growth:%n", options.top());
            System.out.printf(Locale.ROOT, "    %11s %10s  %s%n", "bytes", "instances", "class");
            for (ClassHistogram.Row row : median.top()) {
                System.out.printf(
                        Locale.ROOT,
                        "    %11s %10.1f  %s%n",
                        kib(row.bytes() / m),
                        row.instances() / (double) m,
                        row.className());
            }
        }
    }

    /**
     * Creates and connects {@code m} clients in {@code fleet}, then closes them, between live heap histograms. Exactly
     * one other histogram is reachable while each is taken (the one before the clients, and the one before that
     * while it is taken), so that the histograms' own objects cancel out.
     */
    private static HeapSample heapSample(Fleet fleet, int m, FootprintOptions options) {
        int pumpsBefore = proxyPumps();
        ClassHistogram previous = liveHeap();
        ClassHistogram before = liveHeap();
        Reference.reachabilityFence(previous);
        previous = null;
        long usedBefore = usedAfterGc();
        long nettyBefore = PlatformDependent.usedDirectMemory();
        long jdkBefore = jdkDirect();

        long live;
        long used;
        long nettyDirect;
        long jdkDirect;
        long proxy;
        Map<String, Long> byOwner = new LinkedHashMap<>();
        List<ClassHistogram.Row> top;
        long idleGrowth = 0;
        try (fleet) {
            fleet.grow(m);
            ThreadCensus.settled(QUIET, SETTLE_MAX);
            used = usedAfterGc() - usedBefore;
            ClassHistogram with = liveHeap();
            nettyDirect = nettyBefore < 0 ? -1 : PlatformDependent.usedDirectMemory() - nettyBefore;
            jdkDirect = jdkDirect() - jdkBefore;
            proxy = (long) (proxyPumps() - pumpsBefore) * PROXY_BUFFER;
            List<ClassHistogram.Row> diff = with.minus(before);
            live = with.totalBytes() - before.totalBytes();
            for (ClassHistogram.Row row : diff) {
                byOwner.merge(ClassHistogram.ownerOf(row.className()), row.bytes() / m, Long::sum);
            }
            top = List.copyOf(diff.subList(0, Math.min(options.top(), diff.size())));
            long withTotal = with.totalBytes();
            with = null;
            diff = null;
            if (options.idleSeconds() > 0) {
                // Time itself is what is measured here: does anything grow while nothing happens?
                Benchmark.pause(Duration.ofSeconds(options.idleSeconds()));
                idleGrowth = liveHeap().totalBytes() - withTotal;
            }
        }
        ThreadCensus.settled(QUIET, SETTLE_MAX);
        ClassHistogram after = liveHeap();
        List<ClassHistogram.Row> residue =
                after.minus(before).stream().filter(r -> r.instances() >= m).toList();
        return new HeapSample(
                live / m,
                used / m,
                idleGrowth / m,
                nettyDirect / m,
                jdkDirect / m,
                proxy / m,
                byOwner,
                top,
                (after.totalBytes() - before.totalBytes()) / m,
                residue);
    }

    private static int proxyPumps() {
        return (int) Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals(PROXY_PUMP))
                .count();
    }

    /** The histogram of the second of two full GCs: what the first freed may have queued work for the second. */
    private static ClassHistogram liveHeap() {
        System.gc();
        ClassHistogram.live();
        return ClassHistogram.live();
    }

    /** Heap used right after a full GC: the brief way, for comparison (anything allocated meanwhile counts). */
    private static long usedAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static long jdkDirect() {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(pool -> pool.getName().equals("direct"))
                .mapToLong(BufferPoolMXBean::getMemoryUsed)
                .sum();
    }

    private static String simpleName(String className) {
        return className.substring(className.lastIndexOf('.') + 1);
    }

    private static String kib(long bytes) {
        return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
    }

    // ------------------------------------------------------------------ clients

    /** MooringClients against one Service, each connected and having run one command; closing closes them all. */
    private static final class Fleet implements AutoCloseable {
        private final SimulatedNamespace ns;
        private final RedisStatefulSet set;
        private final Source source;
        private final ClientResources sharedResources;
        private final KubernetesClient sharedKubernetes;
        private final List<MooringClient> clients = new ArrayList<>();

        Fleet(SimulatedNamespace ns, RedisStatefulSet set, Source source, boolean shared) {
            this.ns = ns;
            this.set = set;
            this.source = source;
            this.sharedResources = shared ? DefaultClientResources.create() : null;
            this.sharedKubernetes =
                    shared && source == Source.KUBERNETES ? ns.api().newClient() : null;
        }

        /** Adds clients up to {@code total}, then waits until each sees the master and both replicas. */
        void grow(int total) {
            while (clients.size() < total) {
                MooringOptions.Builder builder = MooringOptions.builder()
                        .service(set.name())
                        .namespace(ns.name())
                        .source(endpointSource());
                if (sharedResources != null) {
                    builder.clientResources(sharedResources);
                }
                MooringClient client = MooringClient.create(builder.build());
                clients.add(client);
                StatefulRedisConnection<String, String> connection = client.connect();
                connection.sync().set("footprint:" + clients.size(), "x");
            }
            long deadline = System.nanoTime() + STEADY_TIMEOUT.toNanos();
            for (MooringClient client : clients) {
                while (!steady(client.topology())) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("a client did not see the master and both replicas within "
                                + STEADY_TIMEOUT + ": " + client.topology());
                    }
                    Benchmark.pause(Duration.ofMillis(20));
                }
            }
        }

        private boolean steady(Topology topology) {
            return topology.hasMaster()
                    && topology.replicas().size() == set.pods().size() - 1;
        }

        private EndpointSource endpointSource() {
            return switch (source) {
                // Without a client, the source builds and closes its own, as it does in a pod by default.
                case KUBERNETES ->
                    sharedKubernetes != null
                            ? KubernetesSource.builder()
                                    .client(sharedKubernetes)
                                    .build()
                            : KubernetesSource.builder()
                                    .config(ns.api().config())
                                    .build();
                case DNS -> DnsSource.builder().nameServers(ns.dns().address()).build();
            };
        }

        @Override
        public void close() {
            for (MooringClient client : clients) {
                client.close();
            }
            clients.clear();
            if (sharedKubernetes != null) {
                sharedKubernetes.close();
            }
            if (sharedResources != null) {
                sharedResources.shutdown(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            }
        }
    }
}
