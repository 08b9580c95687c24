package io.github.mooring.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The benchmark's options ({@code -Dexec.args="..."}), parsed and checked.
 *
 * @param reps      repetitions of each scenario
 * @param scenarios the failover scenarios to run, in this order
 * @param steady    whether to measure the steady state (JMH and the loop) too
 * @param out       where the tables, CSV files and chart go
 */
record Options(int reps, List<Scenario> scenarios, boolean steady, Path out) {

    Options {
        Objects.requireNonNull(out, "out");
        scenarios = List.copyOf(scenarios);
        if (reps < 1 || reps > 100) {
            throw new IllegalArgumentException("--reps must be 1..100, was " + reps);
        }
        if (scenarios.isEmpty()) {
            throw new IllegalArgumentException("--scenarios needs at least one of " + keys());
        }
    }

    /** Ten repetitions of every scenario and the steady state, into {@code benchmarks/results}. */
    static Options defaults() {
        return new Options(10, List.of(Scenario.values()), true, defaultOut());
    }

    /** Whether the arguments ask for {@code --help}. */
    static boolean wantsHelp(String... args) {
        return List.of(args).contains("--help") || List.of(args).contains("-h");
    }

    /**
     * The options of {@code args} in order, by name: {@code --name value} or {@code --name=value}; an empty argument
     * ({@code -Dexec.args=""} passes one) is skipped. A later repetition of an option wins.
     *
     * @throws IllegalArgumentException for an argument that is no option, or an option without its value
     */
    static Map<String, String> named(String... args) {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.isBlank()) {
                continue;
            }
            if (!arg.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + arg + "': options start with --");
            }
            String name = arg.substring(2);
            int equals = name.indexOf('=');
            if (equals >= 0) {
                options.put(name.substring(0, equals), name.substring(equals + 1));
            } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                options.put(name, args[++i]);
            } else {
                throw new IllegalArgumentException("--" + name + " needs a value");
            }
        }
        return options;
    }

    /**
     * Parses {@code --name value} or {@code --name=value} over the {@linkplain #defaults() defaults}.
     *
     * @throws IllegalArgumentException naming the option that is unknown, missing its value, or out of range
     */
    static Options parse(String... args) {
        Options d = defaults();
        int reps = d.reps();
        List<Scenario> scenarios = d.scenarios();
        boolean steady = d.steady();
        Path out = d.out();
        for (Map.Entry<String, String> option : named(args).entrySet()) {
            String name = option.getKey();
            String value = option.getValue();
            switch (name) {
                case "reps" -> reps = integer(name, value);
                case "scenarios" -> scenarios = scenarios(value);
                case "steady" -> steady = bool(name, value);
                case "out" -> out = Paths.get(value);
                default -> throw new IllegalArgumentException("unknown option --" + name);
            }
        }
        return new Options(reps, scenarios, steady, out);
    }

    /** What {@code --help} prints. */
    static String usage() {
        StringBuilder text = new StringBuilder();
        text.append("""
                Mooring benchmark: Mooring against the alternatives (Lettuce, Redisson, HAProxy) through the same
                master failures of one simulated namespace, then the steady state against raw Lettuce. Writes
                comparison.md, CSV files and comparison.png. About 12-13 minutes on 2 cores with the defaults.

                Run from the repository root:
                  mvn -B -Dmaven.test.skip=true -pl benchmarks -am package exec:java -Dexec.args="--reps 3"

                Options:
                """);
        text.append(String.format("  --reps N            repetitions of each scenario, 1..100 (default 10)%n"));
        text.append(String.format("  --scenarios LIST    comma-separated, run in this order (default all):%n"));
        for (Scenario scenario : Scenario.values()) {
            text.append(String.format("                        %-18s %s%n", scenario.key(), scenario.title()));
        }
        text.append(String.format("  --steady true|false whether to measure the steady state too (default true)%n"));
        text.append(String.format("  --out DIR           where the results go (default benchmarks/results)%n"));
        text.append(String.format("  --help              this text%n"));
        return text.toString();
    }

    private static Path defaultOut() {
        // From the repository root (the README's command), else from the module's directory.
        return Paths.get(Files.exists(Paths.get("benchmarks", "pom.xml")) ? "benchmarks/results" : "results");
    }

    private static List<Scenario> scenarios(String value) {
        return keyed("scenarios", "scenario", value, Scenario.values(), Scenario::key);
    }

    private static String keys() {
        return keys(Scenario.values(), Scenario::key);
    }

    /**
     * The constants a comma-separated {@code --option} value names by their keys, each once, in the order given.
     *
     * @throws IllegalArgumentException for a key no constant has, naming the known ones
     */
    static <E> List<E> keyed(String option, String what, String value, E[] constants, Function<E, String> key) {
        List<E> chosen = new ArrayList<>();
        for (String given : value.split(",")) {
            if (given.isBlank()) {
                continue;
            }
            E constant = Arrays.stream(constants)
                    .filter(c -> key.apply(c).equals(given.trim().toLowerCase(Locale.ROOT)))
                    .findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("unknown " + what + " '" + given.trim() + "' in --"
                            + option + "; known: " + keys(constants, key)));
            if (!chosen.contains(constant)) {
                chosen.add(constant);
            }
        }
        return chosen;
    }

    /** The keys of {@code constants}, for messages: {@code a, b, c}. */
    static <E> String keys(E[] constants, Function<E, String> key) {
        return Arrays.stream(constants).map(key).collect(Collectors.joining(", "));
    }

    static int integer(String option, String value) {
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
