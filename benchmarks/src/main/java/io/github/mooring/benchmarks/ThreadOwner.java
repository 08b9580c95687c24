package io.github.mooring.benchmarks;

import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Who started a thread, told from its name, else from its class and stack: the rules below, first match wins. Names
 * come first because an idle pool thread's stack shows only the JDK's executor; the stack decides for threads whose
 * name says nothing ({@code pool-3-thread-1}).
 */
enum ThreadOwner {
    MOORING("Mooring"),
    LETTUCE_NETTY("Lettuce / Netty"),
    FABRIC8_HTTP("fabric8 / JDK HttpClient"),
    JDK("JDK"),
    /** The simulated namespace's own servers in this JVM (API server, its proxy, DNS): never counted. */
    TESTKIT("testkit (not counted)"),
    UNATTRIBUTED("unattributed");

    private final String label;

    ThreadOwner(String label) {
        this.label = label;
    }

    String label() {
        return label;
    }

    /** One rule: a thread it matches belongs to {@code owner}. */
    private record Rule(String why, ThreadOwner owner, Predicate<Seen> matches) {}

    /** What a rule may look at. */
    record Seen(String name, String threadClass, List<String> frameClasses) {

        boolean nameStarts(String... prefixes) {
            for (String prefix : prefixes) {
                if (name.startsWith(prefix)) {
                    return true;
                }
            }
            return false;
        }

        boolean anyFrameIn(String... packages) {
            for (String frame : frameClasses) {
                for (String prefix : packages) {
                    if (frame.startsWith(prefix)) {
                        return true;
                    }
                }
            }
            return false;
        }
    }

    private static final Pattern JDK_HTTP_CLIENT = Pattern.compile("HttpClient-\\d+-(SelectorManager|Worker-\\d+)");
    private static final Pattern FABRIC8_POOL =
            Pattern.compile("(JdkHttpClientFactory|CachedSingleThreadScheduler)?-\\d+-pool-\\d+-thread-\\d+");
    private static final Pattern DEFAULT_POOL = Pattern.compile("pool-\\d+-thread-\\d+");
    private static final String[] TESTKIT_PACKAGES = {
        "io.github.mooring.testkit.",
        "io.fabric8.mockwebserver.",
        "io.fabric8.kubernetes.client.server.mock.",
        "io.vertx."
    };

    private static final List<Rule> RULES = List.of(
            new Rule("the testkit names its threads mooring-testkit-*", TESTKIT, t -> t.nameStarts("mooring-testkit-")),
            new Rule("Mooring names its threads mooring-*", MOORING, t -> t.nameStarts("mooring-")),
            new Rule("Lettuce's ClientResources name theirs lettuce-*", LETTUCE_NETTY, t -> t.nameStarts("lettuce-")),
            // fabric8's client here is the JDK one (core excludes Vert.x): every Vert.x thread is the mock server's.
            new Rule(
                    "Vert.x threads serve the mock API server",
                    TESTKIT,
                    t -> t.nameStarts("vert.x-", "vertx-") || t.threadClass().startsWith("io.vertx.")),
            new Rule(
                    "the JDK HttpClient under fabric8's client",
                    FABRIC8_HTTP,
                    t -> JDK_HTTP_CLIENT.matcher(t.name()).matches()),
            // Utils.daemonThreadFactory(object) names a pool after the object's simple name and identity hash:
            // JdkHttpClientFactory's, fabric8's shared scheduler's, and the client's executor (an anonymous class in
            // BaseClient, hence a name that starts with its hash).
            new Rule(
                    "fabric8's own pools",
                    FABRIC8_HTTP,
                    t -> FABRIC8_POOL.matcher(t.name()).matches()),
            // Mooring, Lettuce and fabric8 name their threads; what takes Executors' default name here is the mock
            // server's WatchEventsListener, one single-thread scheduler per watch.
            new Rule(
                    "a scheduler with Executors' default name: the mock server's, one per watch",
                    TESTKIT,
                    t -> DEFAULT_POOL.matcher(t.name()).matches()
                            && t.anyFrameIn("java.util.concurrent.ScheduledThreadPoolExecutor$DelayedWorkQueue")),
            new Rule(
                    "Netty's process-wide helpers",
                    LETTUCE_NETTY,
                    t -> t.nameStarts("globalEventExecutor-", "threadDeathWatcher-", "ObjectCleanerThread")),
            new Rule(
                    "the JVM's own and shared threads",
                    JDK,
                    t -> t.nameStarts(
                            "ForkJoinPool.commonPool-",
                            "Common-Cleaner",
                            "process reaper",
                            "Attach Listener",
                            "Reference Handler",
                            "Finalizer",
                            "Signal Dispatcher",
                            "InnocuousThread-",
                            "Notification Thread",
                            "JFR ",
                            "RMI ",
                            "JMX ")),
            new Rule("a stack in the testkit, the mock server or Vert.x", TESTKIT, t -> t.anyFrameIn(TESTKIT_PACKAGES)),
            new Rule("a stack in Mooring", MOORING, t -> t.anyFrameIn("io.github.mooring.")),
            new Rule(
                    "a stack in Lettuce or Netty",
                    LETTUCE_NETTY,
                    t -> t.anyFrameIn("io.lettuce.", "io.netty.")
                            || t.threadClass().startsWith("io.netty.")),
            new Rule(
                    "a stack in fabric8 or the JDK HttpClient",
                    FABRIC8_HTTP,
                    t -> t.anyFrameIn("io.fabric8.", "jdk.internal.net.http.")));

    /** The owner of a thread with this name, class ({@link Thread#getClass()}) and stack (top frame first). */
    static ThreadOwner of(String name, String threadClass, List<String> frameClasses) {
        Seen seen = new Seen(name, threadClass, frameClasses);
        for (Rule rule : RULES) {
            if (rule.matches().test(seen)) {
                return rule.owner();
            }
        }
        return UNATTRIBUTED;
    }

    static ThreadOwner of(Thread thread, StackTraceElement[] stack) {
        return of(
                thread.getName(),
                thread.getClass().getName(),
                Arrays.stream(stack).map(StackTraceElement::getClassName).toList());
    }

    /** The name with every run of digits as {@code N}: the threads of one kind under one line. */
    static String pattern(String name) {
        return name.replaceAll("\\d+", "N");
    }
}
