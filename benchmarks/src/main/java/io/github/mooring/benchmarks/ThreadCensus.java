package io.github.mooring.benchmarks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** The live threads of this JVM at one moment, each with its {@linkplain ThreadOwner owner}. */
record ThreadCensus(List<Counted> threads) {

    /** One live thread; its stack as class.method, innermost first. */
    record Counted(long id, String name, ThreadOwner owner, List<String> stack) {

        String pattern() {
            return ThreadOwner.pattern(name);
        }

        /** The first frames, innermost first. */
        String topOfStack(int frames) {
            return String.join(" < ", stack.subList(0, Math.min(frames, stack.size())));
        }
    }

    /** Owner and name pattern: one line of the table. */
    record Kind(ThreadOwner owner, String pattern) implements Comparable<Kind> {
        @Override
        public int compareTo(Kind other) {
            return Comparator.comparing(Kind::owner)
                    .thenComparing(Kind::pattern)
                    .compare(this, other);
        }
    }

    ThreadCensus {
        threads = List.copyOf(threads);
    }

    static ThreadCensus take() {
        List<Counted> threads = new ArrayList<>();
        for (Map.Entry<Thread, StackTraceElement[]> entry :
                Thread.getAllStackTraces().entrySet()) {
            Thread thread = entry.getKey();
            StackTraceElement[] stack = entry.getValue();
            threads.add(new Counted(
                    thread.getId(),
                    thread.getName(),
                    ThreadOwner.of(thread, stack),
                    Arrays.stream(stack)
                            .map(frame -> frame.getClassName() + "." + frame.getMethodName())
                            .toList()));
        }
        return new ThreadCensus(threads);
    }

    /**
     * A census once no thread has started or ended for {@code quiet} (event loops and timers start on first use, a
     * little after the call that needs them), or at {@code max} whatever happens.
     */
    static ThreadCensus settled(Duration quiet, Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        ThreadCensus last = take();
        long stableSince = System.nanoTime();
        while (System.nanoTime() < deadline) {
            Benchmark.pause(Duration.ofMillis(100));
            ThreadCensus now = take();
            if (!now.ids().equals(last.ids())) {
                stableSince = System.nanoTime();
            } else if (System.nanoTime() - stableSince >= quiet.toNanos()) {
                return now;
            }
            last = now;
        }
        return last;
    }

    Set<Long> ids() {
        return threads.stream().map(Counted::id).collect(Collectors.toSet());
    }

    /** The threads alive now that were not alive in {@code before}. */
    ThreadCensus since(ThreadCensus before) {
        Set<Long> old = before.ids();
        return new ThreadCensus(
                threads.stream().filter(t -> !old.contains(t.id())).toList());
    }

    /** The threads of {@code among} that are still alive in this census. */
    ThreadCensus stillAlive(ThreadCensus among) {
        Set<Long> alive = ids();
        return new ThreadCensus(
                among.threads().stream().filter(t -> alive.contains(t.id())).toList());
    }

    ThreadCensus without(ThreadOwner owner) {
        return new ThreadCensus(threads.stream().filter(t -> t.owner() != owner).toList());
    }

    int size() {
        return threads.size();
    }

    /** How many threads of each kind, in owner then pattern order. */
    Map<Kind, Integer> byKind() {
        Map<Kind, Integer> counts = new TreeMap<>();
        for (Counted thread : threads) {
            counts.merge(new Kind(thread.owner(), thread.pattern()), 1, Integer::sum);
        }
        return counts;
    }

    ThreadCensus only(ThreadOwner owner) {
        return new ThreadCensus(threads.stream().filter(t -> t.owner() == owner).toList());
    }
}
