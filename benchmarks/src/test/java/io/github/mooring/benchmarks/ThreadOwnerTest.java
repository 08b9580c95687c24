package io.github.mooring.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ThreadOwnerTest {

    private static final List<String> IDLE_POOL = List.of(
            "jdk.internal.misc.Unsafe",
            "java.util.concurrent.locks.LockSupport",
            "java.util.concurrent.SynchronousQueue",
            "java.util.concurrent.ThreadPoolExecutor",
            "java.lang.Thread");
    private static final List<String> IDLE_SCHEDULER = List.of(
            "jdk.internal.misc.Unsafe",
            "java.util.concurrent.locks.AbstractQueuedSynchronizer$ConditionObject",
            "java.util.concurrent.ScheduledThreadPoolExecutor$DelayedWorkQueue",
            "java.util.concurrent.ThreadPoolExecutor",
            "java.lang.Thread");

    /** Name, thread class, stack (top first), owner: as seen in runs of ClientFootprint. */
    static Stream<Arguments> threads() {
        return Stream.of(
                Arguments.of("mooring-monitor-redis", "java.lang.Thread", IDLE_SCHEDULER, ThreadOwner.MOORING),
                Arguments.of("mooring-healer-sentinels", "java.lang.Thread", IDLE_SCHEDULER, ThreadOwner.MOORING),
                Arguments.of(
                        "mooring-testkit-apiserver-pump",
                        "java.lang.Thread",
                        List.of("java.net.Socket"),
                        ThreadOwner.TESTKIT),
                Arguments.of(
                        "lettuce-nioEventLoop-4-1",
                        "io.netty.util.concurrent.FastThreadLocalThread",
                        List.of("sun.nio.ch.EPoll"),
                        ThreadOwner.LETTUCE_NETTY),
                Arguments.of(
                        "lettuce-timer-3-1",
                        "io.netty.util.concurrent.FastThreadLocalThread",
                        List.of("java.lang.Thread", "io.netty.util.HashedWheelTimer$Worker"),
                        ThreadOwner.LETTUCE_NETTY),
                Arguments.of(
                        "vert.x-eventloop-thread-1",
                        "io.vertx.core.impl.VertxThread",
                        List.of("sun.nio.ch.EPoll"),
                        ThreadOwner.TESTKIT),
                Arguments.of(
                        "HttpClient-3-SelectorManager",
                        "jdk.internal.net.http.HttpClientImpl$SelectorManager",
                        List.of("sun.nio.ch.EPoll"),
                        ThreadOwner.FABRIC8_HTTP),
                Arguments.of("HttpClient-3-Worker-0", "java.lang.Thread", IDLE_POOL, ThreadOwner.FABRIC8_HTTP),
                Arguments.of(
                        "JdkHttpClientFactory-1362097086-pool-15-thread-1",
                        "java.lang.Thread",
                        IDLE_POOL,
                        ThreadOwner.FABRIC8_HTTP),
                // BaseClient's executor: an anonymous class has an empty simple name
                Arguments.of("-1271068126-pool-16-thread-2", "java.lang.Thread", IDLE_POOL, ThreadOwner.FABRIC8_HTTP),
                Arguments.of("pool-14-thread-1", "java.lang.Thread", IDLE_SCHEDULER, ThreadOwner.TESTKIT),
                Arguments.of("pool-14-thread-1", "java.lang.Thread", IDLE_POOL, ThreadOwner.UNATTRIBUTED),
                Arguments.of(
                        "pool-2-thread-1",
                        "java.lang.Thread",
                        List.of("java.lang.Object", "io.github.mooring.discovery.KubernetesWatch"),
                        ThreadOwner.MOORING),
                Arguments.of(
                        "Thread-7",
                        "java.lang.Thread",
                        List.of("java.lang.Object", "io.fabric8.kubernetes.client.informers.impl.Reflector"),
                        ThreadOwner.FABRIC8_HTTP),
                Arguments.of(
                        "Thread-8",
                        "java.lang.Thread",
                        List.of("java.lang.Object", "io.fabric8.mockwebserver.MockWebServer"),
                        ThreadOwner.TESTKIT),
                Arguments.of(
                        "ForkJoinPool.commonPool-worker-1",
                        "java.util.concurrent.ForkJoinWorkerThread",
                        List.of("io.github.mooring.topology.TopologyMonitor"),
                        ThreadOwner.JDK),
                Arguments.of(
                        "globalEventExecutor-1-2",
                        "io.netty.util.concurrent.FastThreadLocalThread",
                        IDLE_POOL,
                        ThreadOwner.LETTUCE_NETTY),
                Arguments.of("Thread-9", "java.lang.Thread", IDLE_POOL, ThreadOwner.UNATTRIBUTED));
    }

    @ParameterizedTest(name = "{0} -> {3}")
    @MethodSource("threads")
    void ownerFromNameElseClassAndStack(String name, String threadClass, List<String> stack, ThreadOwner owner) {
        assertThat(ThreadOwner.of(name, threadClass, stack)).isEqualTo(owner);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("threads")
    void patternPutsThreadsOfOneKindOnOneLine(String name) {
        assertThat(ThreadOwner.pattern(name)).doesNotContainPattern("\\d");
    }

    @org.junit.jupiter.api.Test
    void patternKeepsTheWords() {
        assertThat(ThreadOwner.pattern("lettuce-nioEventLoop-14-2")).isEqualTo("lettuce-nioEventLoop-N-N");
        assertThat(ThreadOwner.pattern("mooring-events-redis")).isEqualTo("mooring-events-redis");
    }
}
