package io.github.mooring.examples;

import io.github.mooring.testkit.RedisPod;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.SimulatedNamespace;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/**
 * The README's first command: the same writes through Mooring and through plain Lettuce, side by side, while the
 * master pod of a simulated Kubernetes namespace is replaced, restarted in place and failed over.
 * <p>
 * The namespace is the testkit's: real {@code redis-server} processes on their own loopback IPs, an API server with
 * EndpointSlices, cluster DNS with CoreDNS's 30 s TTL. Both writers issue the same INCRs at the same fixed rate
 * through Lettuce's async API; only how their connection was made differs. Every second the demo prints what each
 * writer achieved and where it believes the master is; at the end, a {@link Summary}.
 *
 * <pre>
 * mvn -B -Dmaven.test.skip=true -pl examples -am package exec:java -Dexec.args="--help"
 * </pre>
 */
public final class Demo {

    /** How long the StatefulSet controller takes to recreate a deleted pod, and the kubelet to restart a container. */
    private static final Duration KUBERNETES_DELAY = Duration.ofSeconds(1);

    private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(30);
    private static final int LINE_WIDTH = 118;
    /** Logback's own property: which configuration it loads when the first logger is created. */
    private static final String LOGBACK_CONFIGURATION = "logback.configurationFile";

    private final Settings settings;
    private final PrintStream out;
    private volatile long writingSince; // System.nanoTime() when the writers started; 0 before
    private volatile String now = "calm";

    private Demo(Settings settings, PrintStream out) {
        this.settings = settings;
        this.out = out;
    }

    /** Runs the demo with flags from the command line; {@code --help} lists them. */
    public static void main(String[] args) {
        // The module's Logback also serves the web application, with Spring Boot's defaults; the demo wants the
        // libraries quiet. Set before any logger exists; an explicit -Dlogback.configurationFile still wins.
        if (System.getProperty(LOGBACK_CONFIGURATION) == null) {
            System.setProperty(LOGBACK_CONFIGURATION, "demo-logback.xml");
        }
        if (Settings.wantsHelp(args)) {
            System.out.print(Settings.usage());
            return;
        }
        Settings settings;
        try {
            settings = Settings.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("demo: " + e.getMessage() + " (--help lists the flags)");
            System.exit(2);
            return;
        }
        try {
            run(settings, System.out);
        } catch (RuntimeException e) {
            // A newcomer's first command: say what went wrong in words, the causes included, without a stack trace.
            StringBuilder message = new StringBuilder("demo: could not complete: ").append(e.getMessage());
            for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
                message.append(System.lineSeparator()).append("  caused by: ").append(cause.getMessage());
            }
            System.err.println(message);
            System.exit(1);
        }
    }

    /**
     * Runs the demo and returns what each writer achieved. Everything it starts (pods, API server, DNS, clients) is
     * stopped before it returns, normally or not.
     *
     * @param out where the story and the summary are printed
     */
    public static Summary run(Settings settings, PrintStream out) {
        return new Demo(settings, out).run();
    }

    private Summary run() {
        out.println("Mooring demo: the same writes through Mooring and through plain Lettuce, while the master pod is");
        out.println("replaced, restarted and failed over. Starting a simulated Kubernetes namespace...");
        out.println();
        try (SimulatedNamespace ns = SimulatedNamespace.builder().name("demo").start()) {
            RedisStatefulSet redis = ns.redis("redis")
                    .replicas(settings.pods())
                    .persistence(true)
                    // Every acknowledged write on disk: a pod that comes back has all of them (checked at the end).
                    .config("appendfsync always")
                    .start();
            redis.awaitReplicationLinked(SETTLE_TIMEOUT);
            PodLabels labels = new PodLabels(redis);
            introduceNamespace(ns, redis);
            try (MooringContender mooring =
                            MooringContender.connect(ns, redis, settings.timeout(), labels, this::narrate);
                    PlainLettuceContender plain =
                            PlainLettuceContender.connect(ns, redis, settings.timeout(), labels, this::narrate)) {
                introduceWriters(redis, plain);
                return write(redis, labels, List.of(mooring, plain));
            }
        }
    }

    private void introduceNamespace(SimulatedNamespace ns, RedisStatefulSet redis) {
        out.printf(
                "Namespace '%s': StatefulSet '%s' with %d pods (real redis-server processes, one loopback IP each),%n",
                ns.name(), redis.name(), redis.pods().size());
        out.println("its headless Service, an API server publishing EndpointSlices, and cluster DNS answering with a");
        out.printf(
                "%d s TTL, as CoreDNS does. Pod 0 starts as master, the others as replicas of pod 0's IP, like the%n",
                ns.dns().ttl().toSeconds());
        out.println("common charts' startup script.");
        for (RedisPod pod : redis.pods()) {
            out.printf("  %-8s %-15s %s%n", pod.name(), pod.ip(), pod.ordinal() == 0 ? "master" : "replica");
        }
        out.println("Each pod has a persistent volume (AOF, fsync on every write): a pod that comes back keeps its");
        out.println("data, so this demo is about where writes go, not about data lost with a pod.");
        out.println();
    }

    private void introduceWriters(RedisStatefulSet redis, PlainLettuceContender plain) {
        out.printf(
                "Two writers, each starting %d INCRs a second, each write given %d s, through Lettuce's async API:%n",
                settings.rate(), settings.timeout().toSeconds());
        out.printf(
                "  Mooring        MooringClient for Service '%s': watches its EndpointSlices, asks each pod its ROLE,%n",
                redis.name());
        out.println("                 keeps the connection on the master; writes wait while there is none.");
        out.printf(
                "  plain Lettuce  RedisClient for %s:%d, the master pod's stable DNS name:%n",
                plain.hostname(), redis.port());
        out.println(
                "                 the usual setup when pod 0 is master (the Service's own name would reach replicas");
        out.println(
                "                 too). Lettuce defaults: it reconnects by itself, resolving the name again through");
        out.println("                 cluster DNS, whose answers it keeps for their TTL, as the JVM does.");
        List<Disruption> schedule = settings.schedule();
        out.printf(
                "Disruptions: %s.%n",
                schedule.isEmpty()
                        ? "none (a calm run)"
                        : schedule.stream()
                                .map(d -> d.flag() + " at "
                                        + (Settings.CALM_START.toSeconds()
                                                + schedule.indexOf(d)
                                                        * settings.phase().toSeconds())
                                        + " s")
                                .collect(Collectors.joining(", ")));
        out.println();
    }

    /** What the schedule did: the disruptions carried out, when each began, when each made a new master. */
    private record Timeline(
            long start, long end, List<Disruption> done, List<Long> startedAt, List<Optional<Long>> changedAt) {

        /** A writer followed a master change if it wrote to the new master before the next disruption began. */
        List<FixedRateWriter.MasterChange> masterChanges() {
            List<FixedRateWriter.MasterChange> changes = new ArrayList<>();
            for (int i = 0; i < done.size(); i++) {
                long until = i + 1 < done.size() ? startedAt.get(i + 1) : end;
                changedAt.get(i).ifPresent(at -> changes.add(new FixedRateWriter.MasterChange(at, until)));
            }
            return changes;
        }
    }

    /** Runs the writers through the schedule, then stops them and sums up. */
    private Summary write(RedisStatefulSet redis, PodLabels labels, List<Contender> contenders) {
        List<FixedRateWriter> writers = new ArrayList<>();
        for (Contender contender : contenders) {
            writers.add(new FixedRateWriter(
                    contender.name(), "demo:" + contender.name().replace(' ', '-'), contender.commands()));
        }
        out.printf(
                "ok, fail: writes that ended in the last second (a write fails after %d s without an answer)%n%n",
                settings.timeout().toSeconds());
        out.printf(
                "%7s%-44s%s%n", "", contenders.get(0).name(), contenders.get(1).name());
        out.printf(
                "%5s  %4s %4s  %-34s%4s %4s  %-34s%s%n",
                "time", "ok", "fail", "master it writes to", "ok", "fail", "master it writes to", "now");
        ScheduledExecutorService progress = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "demo-progress");
            thread.setDaemon(true);
            return thread;
        });
        Timeline timeline;
        try {
            long start = System.nanoTime();
            writingSince = start;
            writers.forEach(writer -> writer.start(settings.rate()));
            progress.scheduleAtFixedRate(
                    () -> printProgress(start, labels, contenders, writers), 1, 1, TimeUnit.SECONDS);
            timeline = runSchedule(redis, start);
            now = "no new writes; last answers";
            writers.forEach(FixedRateWriter::stop);
            awaitAnswers(writers);
        } finally {
            writers.forEach(FixedRateWriter::stop);
            stop(progress);
            writingSince = 0;
        }

        List<FixedRateWriter.MasterChange> changes = timeline.masterChanges();
        Optional<RedisPod> master = redis.master();
        List<WriterStats> stats = new ArrayList<>();
        for (int i = 0; i < writers.size(); i++) {
            FixedRateWriter writer = writers.get(i);
            WriterStats s = writer.stats(
                    timeline.start(), timeline.end(), changes, contenders.get(i).reportsFateUnknown());
            if (master.isPresent()) { // one INCR per write: the counter tells what Redis applied
                Object value = master.get().command("GET", writer.key());
                s = s.withCounter(value == null ? 0 : Long.parseLong(value.toString()));
            }
            stats.add(s);
        }
        Summary summary = new Summary(
                settings, Duration.ofNanos(timeline.end() - timeline.start()), timeline.done(), changes.size(), stats);
        out.println();
        out.print(summary.render());
        out.println();
        out.println("Try -Dexec.args=\"--phase 40\" to give plain Lettuce time to get past the DNS TTL between"
                + " disruptions; --help lists the flags.");
        return summary;
    }

    /** One phase per disruption on a fixed clock (a phase that overruns delays the next), then the calm end. */
    private Timeline runSchedule(RedisStatefulSet redis, long start) {
        List<Disruption> done = new ArrayList<>();
        List<Long> startedAt = new ArrayList<>();
        List<Optional<Long>> changedAt = new ArrayList<>();
        long phaseStart = start + Settings.CALM_START.toNanos();
        for (Disruption disruption : settings.schedule()) {
            pauseUntil(phaseStart);
            done.add(disruption);
            startedAt.add(System.nanoTime());
            changedAt.add(
                    disrupt(disruption, redis, phaseStart + settings.phase().toNanos()));
            phaseStart += settings.phase().toNanos();
        }
        pauseUntil(start + settings.writingTime().toNanos());
        return new Timeline(start, System.nanoTime(), done, startedAt, changedAt);
    }

    /**
     * Carries out one disruption and waits until the group is whole again.
     *
     * @return when the new master (a new pod, or a new process) could take writes; empty if nothing changed
     */
    private Optional<Long> disrupt(Disruption disruption, RedisStatefulSet redis, long phaseEnd) {
        try {
            // Each disruption starts from a whole group: every pod ready, every replica linked.
            redis.awaitAllReady(SETTLE_TIMEOUT).awaitReplicationLinked(SETTLE_TIMEOUT);
            return Optional.of(
                    switch (disruption) {
                        case REPLACE -> replaceMaster(redis, phaseEnd);
                        case RESTART -> restartMaster(redis);
                        case FAILOVER -> failOver(redis);
                    });
        } catch (RuntimeException e) {
            narrate("could not " + disruption.flag() + ": " + e.getMessage());
            now = disruption.flag() + " failed";
            return Optional.empty();
        }
    }

    private long replaceMaster(RedisStatefulSet redis, long phaseEnd) {
        RedisPod pod = redis.pod(0);
        String oldIp = pod.ip();
        now = "replacing " + pod.name();
        narrate("kubectl delete pod " + pod.name()
                + ": endpoint marked terminating, Redis gets SIGTERM; the StatefulSet" + " recreates the pod "
                + KUBERNETES_DELAY.toSeconds() + " s later, with a new IP");
        pod.replace(RedisPod.Deletion.GRACEFUL, KUBERNETES_DELAY);
        pod.awaitReady(SETTLE_TIMEOUT);
        long changed = pod.runningSinceNanos();
        List<RedisPod> replicas = redis.pods().subList(1, redis.pods().size());
        narrate(pod.name() + " is back as " + pod.ip() + ", master again, with its data; " + names(replicas)
                + " still replicate from the old IP " + oldIp);
        now = pod.name() + " back, new IP";
        // Leave the breakage in place a moment: Mooring reports the stale replicas, the writers show where they write.
        pauseUntil(Math.min(System.nanoTime() + Duration.ofSeconds(3).toNanos(), phaseEnd));
        narrate("re-pointing " + names(replicas) + " at " + pod.ip() + " (REPLICAOF), as an operator would by hand");
        for (RedisPod replica : replicas) {
            replica.replicaOf(pod);
        }
        redis.awaitReplicationLinked(SETTLE_TIMEOUT);
        now = "replicas repaired";
        return changed;
    }

    private long restartMaster(RedisStatefulSet redis) {
        RedisPod pod = redis.pod(0);
        now = "restarting " + pod.name() + "'s container";
        narrate(pod.name() + "'s container is killed (kill -9) and the kubelet restarts it "
                + KUBERNETES_DELAY.toSeconds() + " s later: same pod, same IP " + pod.ip()
                + ", a new Redis process that reloads its data");
        pod.restartContainer(KUBERNETES_DELAY);
        pod.awaitReady(SETTLE_TIMEOUT);
        long changed = pod.runningSinceNanos();
        redis.awaitReplicationLinked(SETTLE_TIMEOUT);
        now = pod.name() + " restarted in place";
        return changed;
    }

    private long failOver(RedisStatefulSet redis) {
        RedisPod from = redis.pod(0);
        RedisPod to = redis.pod(1);
        now = "failing over to " + to.name();
        narrate("planned failover on " + from.name() + ": FAILOVER TO " + to.name() + " (Redis pauses writes until "
                + to.name() + " has them all, then swaps the roles)");
        Object reply = from.command("FAILOVER", "TO", to.ip(), Integer.toString(to.port()), "TIMEOUT", "5000");
        if (!"OK".equals(reply)) {
            throw new IllegalStateException("Redis refused FAILOVER: " + reply);
        }
        awaitTrue(
                () -> "master".equals(roleOf(to)) && "slave".equals(roleOf(from)),
                SETTLE_TIMEOUT,
                to.name() + " to become master and " + from.name() + " its replica");
        long changed = System.nanoTime();
        List<RedisPod> others = redis.pods().subList(2, redis.pods().size());
        if (!others.isEmpty()) {
            narrate(to.name() + " is master, " + from.name() + " its replica; re-pointing " + names(others) + " at "
                    + to.name() + ", as Sentinel would");
            for (RedisPod other : others) {
                other.replicaOf(to);
            }
        }
        redis.awaitReplicationLinked(SETTLE_TIMEOUT);
        now = to.name() + " is master";
        return changed;
    }

    private void printProgress(
            long start, PodLabels labels, List<Contender> contenders, List<FixedRateWriter> writers) {
        try {
            labels.refresh();
            StringBuilder line =
                    new StringBuilder(String.format("%4ds  ", Math.round((System.nanoTime() - start) / 1e9)));
            for (int i = 0; i < writers.size(); i++) {
                FixedRateWriter.Second second = writers.get(i).takeSecond();
                String failed = second.fateUnknown() == 0
                        ? Integer.toString(second.failed())
                        : second.failed() + "+" + second.fateUnknown() + "?";
                line.append(String.format(
                        "%4d %4s  %-34s",
                        second.ok(), failed, clip(contenders.get(i).believedMaster(labels), 33)));
            }
            out.println(line.append(now));
        } catch (RuntimeException e) {
            if (!Thread.currentThread().isInterrupted()) { // interrupted: the run is over, the line does not matter
                out.println("(progress unavailable: " + e.getMessage() + ")"); // and the schedule goes on
            }
        }
    }

    /** Prints one event, stamped with the writers' clock and wrapped to the table's width; silent before they start. */
    private void narrate(String message) {
        long since = writingSince;
        if (since == 0) {
            return;
        }
        StringBuilder text = new StringBuilder(String.format("%5.1fs  > ", (System.nanoTime() - since) / 1e9));
        int lineStart = 0;
        for (String word : message.split(" ")) {
            if (text.length() - lineStart + word.length() > LINE_WIDTH) {
                text.append(System.lineSeparator()).append(" ".repeat(10));
                lineStart = text.length() - 10;
            }
            text.append(word).append(' ');
        }
        out.println(text.toString().stripTrailing());
    }

    private void awaitAnswers(List<FixedRateWriter> writers) {
        Duration patience = settings.timeout().plusSeconds(2); // every write ends within its timeout
        try {
            for (FixedRateWriter writer : writers) {
                writer.awaitInFlight(patience);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void stop(ScheduledExecutorService progress) {
        progress.shutdownNow();
        try {
            progress.awaitTermination(5, TimeUnit.SECONDS); // a line being printed now comes before the summary
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String roleOf(RedisPod pod) {
        try {
            return pod.role();
        } catch (RuntimeException e) {
            return "unknown";
        }
    }

    private static String names(List<RedisPod> pods) {
        return pods.stream().map(RedisPod::name).collect(Collectors.joining(", "));
    }

    private static String clip(String text, int width) {
        return text.length() <= width ? text : text.substring(0, width - 3) + "...";
    }

    /** The demo's clock: waits until {@code deadline} ({@link System#nanoTime()}). */
    private static void pauseUntil(long deadline) {
        try {
            long left;
            while ((left = deadline - System.nanoTime()) > 0) {
                TimeUnit.NANOSECONDS.sleep(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("the demo was interrupted", e);
        }
    }

    private static void awaitTrue(BooleanSupplier condition, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("waited " + timeout.toSeconds() + " s for " + what);
            }
            pauseUntil(System.nanoTime() + Duration.ofMillis(20).toNanos());
        }
    }
}
