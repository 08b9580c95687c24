package io.github.mooring.benchmarks;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@link ClientFootprint}'s options ({@code -Dexec.args="..."}), parsed and checked.
 *
 * @param sources       the endpoint sources to measure, in this order
 * @param threadClients how many clients the thread count goes up to (from 1)
 * @param heapClients   how many clients the heap is measured with
 * @param reps          heap repetitions per source (the median is reported)
 * @param idleSeconds   how long the clients stay idle before the heap is measured again (0: not at all)
 * @param top           how many classes the histogram difference lists
 * @param shared        whether the clients share one Lettuce {@code ClientResources} and one fabric8 client
 */
record FootprintOptions(
        List<Source> sources, int threadClients, int heapClients, int reps, int idleSeconds, int top, boolean shared) {

    /** An endpoint source to measure. */
    enum Source {
        KUBERNETES("kubernetes", "the Kubernetes API (the source a pod's default picks)"),
        DNS("dns", "cluster DNS, polled");

        private final String key;
        private final String title;

        Source(String key, String title) {
            this.key = key;
            this.title = title;
        }

        String key() {
            return key;
        }

        String title() {
            return title;
        }
    }

    FootprintOptions {
        sources = List.copyOf(sources);
        if (sources.isEmpty()) {
            throw new IllegalArgumentException("--sources needs at least one of " + keys());
        }
        range("clients", threadClients, 2, 200);
        range("heap-clients", heapClients, 1, 200);
        range("reps", reps, 1, 20);
        range("idle", idleSeconds, 0, 3600);
        range("top", top, 0, 200);
    }

    /** Both sources; threads for 1 and 10 clients; heap with 20 clients, 3 times, and again after 10 s idle. */
    static FootprintOptions defaults() {
        return new FootprintOptions(List.of(Source.values()), 10, 20, 3, 10, 12, false);
    }

    static boolean wantsHelp(String... args) {
        return List.of(args).contains("--help") || List.of(args).contains("-h");
    }

    /**
     * Parses {@code --name value} or {@code --name=value} over the {@linkplain #defaults() defaults}.
     *
     * @throws IllegalArgumentException naming the option that is unknown, missing its value, or out of range
     */
    static FootprintOptions parse(String... args) {
        FootprintOptions d = defaults();
        List<Source> sources = d.sources();
        int threadClients = d.threadClients();
        int heapClients = d.heapClients();
        int reps = d.reps();
        int idle = d.idleSeconds();
        int top = d.top();
        boolean shared = d.shared();
        for (Map.Entry<String, String> option : Options.named(args).entrySet()) {
            String name = option.getKey();
            String value = option.getValue();
            switch (name) {
                case "sources" -> sources = sources(value);
                case "clients" -> threadClients = integer(name, value);
                case "heap-clients" -> heapClients = integer(name, value);
                case "reps" -> reps = integer(name, value);
                case "idle" -> idle = integer(name, value);
                case "top" -> top = integer(name, value);
                case "shared" -> shared = bool(name, value);
                default -> throw new IllegalArgumentException("unknown option --" + name);
            }
        }
        return new FootprintOptions(sources, threadClients, heapClients, reps, idle, top, shared);
    }

    static String usage() {
        StringBuilder text = new StringBuilder();
        text.append("""
                Client footprint: the threads and the heap one MooringClient costs, with a 3-pod StatefulSet in a
                simulated namespace (issue 14). Threads: started by 1 client and by N clients (each connected, one
                command), by owner (Mooring, Lettuce/Netty, fabric8/JDK HttpClient, JDK), and whether closing ends
                them. Heap: live heap (class histogram after a full GC) with M clients minus with none, per client,
                and the classes that grew most. About 2 minutes on 2 cores with the defaults.

                Run from the repository root:
                  %s

                Options:
                """.formatted(ClientFootprint.COMMAND));
        text.append(String.format("  --sources LIST      comma-separated, in this order (default all):%n"));
        for (Source source : Source.values()) {
            text.append(String.format("                        %-12s %s%n", source.key(), source.title()));
        }
        text.append(String.format("  --clients N         threads: 1 client, then N, 2..200 (default 10)%n"));
        text.append(String.format("  --heap-clients M    heap: M clients at once, 1..200 (default 20)%n"));
        text.append(String.format("  --reps R            heap repetitions per source, 1..20 (default 3; median)%n"));
        text.append(String.format("  --idle S            heap again after S s idle, 0..3600 (default 10; 0: no)%n"));
        text.append(String.format("  --top K             classes listed from the histogram difference (default 12)%n"));
        text.append(String.format("  --shared true|false clients share one Lettuce ClientResources and one fabric8"
                + "%n                      client, as the Spring Boot starter shares the application's beans"
                + "%n                      (default false: each client makes its own, as MooringClient.create"
                + " does)%n"));
        text.append(String.format("  --help              this text%n"));
        return text.toString();
    }

    private static List<Source> sources(String value) {
        return Options.keyed("sources", "source", value, Source.values(), Source::key);
    }

    private static String keys() {
        return Options.keys(Source.values(), Source::key);
    }

    private static void range(String option, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException("--" + option + " must be " + min + ".." + max + ", was " + value);
        }
    }

    private static int integer(String option, String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + option + " must be a whole number, was '" + value + "'");
        }
    }

    private static boolean bool(String option, String value) {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default ->
                throw new IllegalArgumentException("--" + option + " must be true or false, was '" + value + "'");
        };
    }
}
