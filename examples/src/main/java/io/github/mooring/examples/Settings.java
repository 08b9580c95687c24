package io.github.mooring.examples;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * How the demo runs: its command-line flags, parsed and checked.
 *
 * @param pods        pods in the Redis StatefulSet (at least 2: a failover needs a replica)
 * @param rate        writes per second, per writer
 * @param phase       how long each disruption gets before the next one (the writers keep writing throughout)
 * @param disruptions which disruptions to run; they always run in {@link Disruption} order
 * @param timeout     how long each write may take before the application gives up on it (both writers)
 */
public record Settings(int pods, int rate, Duration phase, Set<Disruption> disruptions, Duration timeout) {

    /** Calm writing before the first disruption, so that both writers are seen working normally first. */
    public static final Duration CALM_START = Duration.ofSeconds(3);

    public Settings {
        Objects.requireNonNull(phase, "phase");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(disruptions, "disruptions");
        disruptions = disruptions.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(disruptions));
        check(pods >= 2 && pods <= 9, "--pods must be 2..9 (a failover needs a replica), was " + pods);
        check(rate >= 1 && rate <= 1000, "--rate must be 1..1000 writes per second, was " + rate);
        check(
                phase.compareTo(Duration.ofSeconds(5)) >= 0 && phase.compareTo(Duration.ofMinutes(10)) <= 0,
                "--phase must be 5..600 seconds (a pod replacement takes a few seconds), was " + phase.toSeconds());
        check(
                timeout.compareTo(Duration.ofSeconds(1)) >= 0 && timeout.compareTo(Duration.ofSeconds(60)) <= 0,
                "--timeout must be 1..60 seconds, was " + timeout.toSeconds());
    }

    /** The defaults: 3 pods, 25 writes per second, 15 s per disruption, every disruption, 5 s per write. */
    public static Settings defaults() {
        return new Settings(3, 25, Duration.ofSeconds(15), EnumSet.allOf(Disruption.class), Duration.ofSeconds(5));
    }

    /** The disruptions to run, in the order they run. */
    public List<Disruption> schedule() {
        return new ArrayList<>(disruptions.isEmpty() ? EnumSet.noneOf(Disruption.class) : EnumSet.copyOf(disruptions));
    }

    /** How long the writers write: the calm start, then one phase per disruption (one calm phase without any). */
    public Duration writingTime() {
        return CALM_START.plus(phase.multipliedBy(Math.max(1, disruptions.size())));
    }

    /** Whether the arguments ask for {@code --help}. */
    public static boolean wantsHelp(String... args) {
        return List.of(args).contains("--help") || List.of(args).contains("-h");
    }

    /**
     * Parses {@code --name value} or {@code --name=value} flags over the {@linkplain #defaults() defaults}.
     *
     * @throws IllegalArgumentException naming the flag that is unknown, missing its value, or out of range
     */
    public static Settings parse(String... args) {
        Settings d = defaults();
        int pods = d.pods();
        int rate = d.rate();
        Duration phase = d.phase();
        Set<Disruption> disruptions = EnumSet.copyOf(d.disruptions());
        Duration timeout = d.timeout();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.isBlank()) {
                continue; // -Dexec.args="" passes one empty argument
            }
            if (!arg.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + arg + "': flags start with --");
            }
            String name = arg.substring(2);
            String value;
            int equals = name.indexOf('=');
            if (equals >= 0) {
                value = name.substring(equals + 1);
                name = name.substring(0, equals);
            } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                value = args[++i];
            } else {
                throw new IllegalArgumentException("--" + name + " needs a value");
            }
            switch (name) {
                case "pods" -> pods = integer(name, value);
                case "rate" -> rate = integer(name, value);
                case "phase" -> phase = seconds(name, value);
                case "timeout" -> timeout = seconds(name, value);
                case "disruptions" -> disruptions = disruptions(value);
                default -> throw new IllegalArgumentException("unknown flag --" + name);
            }
        }
        return new Settings(pods, rate, phase, disruptions, timeout);
    }

    /** What {@code --help} prints. */
    public static String usage() {
        Settings d = defaults();
        StringBuilder text = new StringBuilder();
        text.append("""
                Mooring demo: the same writes through Mooring and through plain Lettuce, side by side, while the master
                pod of a simulated Kubernetes namespace (real redis-server processes) is replaced, restarted and failed
                over. Prints what each writer sees every second, and a summary at the end.

                Run from the repository root:
                  mvn -B -Dmaven.test.skip=true -pl examples -am package exec:java -Dexec.args="--rate 50 --phase 20"

                Flags:
                """);
        text.append(
                String.format("  --pods N            pods in the Redis StatefulSet, 2..9 (default %d)%n", d.pods()));
        text.append(String.format("  --rate N            writes per second, per writer (default %d)%n", d.rate()));
        text.append(String.format(
                "  --phase SECONDS     time each disruption gets before the next (default %d); the run"
                        + " lasts%n                      %d s + one phase per disruption%n",
                d.phase().toSeconds(), CALM_START.toSeconds()));
        text.append(String.format("  --disruptions LIST  comma-separated, always run in this order (default all):%n"));
        for (Disruption disruption : Disruption.values()) {
            text.append(
                    String.format("                        %-9s %s%n", disruption.flag(), disruption.description()));
        }
        text.append(String.format("                      or 'none' for a calm run%n"));
        text.append(String.format(
                "  --timeout SECONDS   how long each write may take, for both writers (default %d)%n",
                d.timeout().toSeconds()));
        text.append(String.format("  --help              this text%n"));
        return text.toString();
    }

    private static Set<Disruption> disruptions(String value) {
        Set<Disruption> chosen = EnumSet.noneOf(Disruption.class);
        if (value.trim().equalsIgnoreCase("none")) {
            return chosen;
        }
        for (String name : value.split(",")) {
            if (!name.isBlank()) {
                chosen.add(Disruption.ofFlag(name));
            }
        }
        if (chosen.isEmpty()) {
            throw new IllegalArgumentException(
                    "--disruptions needs at least one of replace, restart, failover, or none");
        }
        return chosen;
    }

    private static int integer(String flag, String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + flag + " must be a whole number, was '" + value + "'");
        }
    }

    /** Whole seconds, with or without a trailing {@code s}. */
    private static Duration seconds(String flag, String value) {
        String number = value.trim().endsWith("s")
                ? value.trim().substring(0, value.trim().length() - 1)
                : value;
        return Duration.ofSeconds(integer(flag, number));
    }

    private static void check(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
