package io.github.mooring.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** The tables and CSV files of {@link ClusterFailoverBenchmark}: medians and ranges over the repetitions. */
final class ClusterReport {

    static final List<String> MODES = List.of("sync", "async");

    /** One writer of one contender in one scenario, over every repetition. */
    record Summary(
            ClusterScenario scenario,
            String contender,
            String mode,
            int reps,
            Stats windows,
            List<Double> afterWritable,
            int neverAfterWritable,
            List<Double> failures,
            Map<String, Integer> failureKinds,
            ClusterOutcome.LedgerTally ledger) {}

    private final List<ClusterScenario> scenarios;
    private final List<ClusterOutcome> outcomes;
    private final Map<String, String> run;

    ClusterReport(List<ClusterScenario> scenarios, List<ClusterOutcome> outcomes, Map<String, String> run) {
        this.scenarios = List.copyOf(scenarios);
        this.outcomes = List.copyOf(outcomes);
        this.run = Map.copyOf(run);
    }

    /** Per scenario, one summary per contender and writer that took part, in the order of the tables. */
    Map<ClusterScenario, List<Summary>> summaries() {
        Map<ClusterScenario, List<Summary>> all = new LinkedHashMap<>();
        for (ClusterScenario scenario : scenarios) {
            List<Summary> rows = new ArrayList<>();
            for (String contender : contenders()) {
                for (String mode : MODES) {
                    List<ClusterOutcome> mine = outcomes.stream()
                            .filter(o -> o.scenario() == scenario
                                    && o.contender().equals(contender)
                                    && o.mode().equals(mode))
                            .toList();
                    if (!mine.isEmpty()) {
                        rows.add(summarize(scenario, contender, mode, mine));
                    }
                }
            }
            all.put(scenario, rows);
        }
        return all;
    }

    private List<String> contenders() {
        List<String> names = new ArrayList<>(ClusterContenders.NAMES);
        outcomes.stream()
                .map(ClusterOutcome::contender)
                .distinct()
                .filter(name -> !names.contains(name))
                .forEach(names::add);
        return names;
    }

    static Summary summarize(ClusterScenario scenario, String contender, String mode, List<ClusterOutcome> mine) {
        Stats windows = new Stats();
        List<Double> afterWritable = new ArrayList<>();
        int never = 0;
        List<Double> failures = new ArrayList<>();
        Map<String, Integer> kinds = new LinkedHashMap<>();
        long[] ledger = new long[8];
        for (ClusterOutcome outcome : mine) {
            ClusterOutcome.Shard worst = outcome.worst();
            if (worst != null) {
                windows.add(worst.windowMs(), worst.censored());
            }
            double after = outcome.afterWritableMs();
            if (Double.isNaN(after)) {
                never++;
            } else {
                afterWritable.add(after);
            }
            failures.add((double) outcome.failures());
            outcome.failureKinds().forEach((kind, count) -> kinds.merge(kind, count, Integer::sum));
            ClusterOutcome.LedgerTally t = outcome.ledger();
            long[] values = {
                t.acknowledged(),
                t.lost(),
                t.appliedThoughFailed(),
                t.fateUnknown(),
                t.fateUnknownApplied(),
                t.appliedTwice(),
                t.outOfOrder(),
                t.notSettled()
            };
            for (int i = 0; i < values.length; i++) {
                ledger[i] += values[i];
            }
        }
        return new Summary(
                scenario,
                contender,
                mode,
                mine.size(),
                windows,
                afterWritable,
                never,
                failures,
                kinds,
                new ClusterOutcome.LedgerTally(
                        ledger[0], ledger[1], ledger[2], ledger[3], ledger[4], ledger[5], ledger[6], ledger[7]));
    }

    void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("cluster-failover.md"), markdown());
        Files.write(dir.resolve("cluster-failover-reps.csv"), repsCsv());
        Files.write(dir.resolve("cluster-failover-summary.csv"), summaryCsv());
        ClusterChart.write(dir.resolve("cluster-failover.png"), scenarios, summaries());
    }

    // ------------------------------------------------------------------ Markdown

    String markdown() {
        StringBuilder md = new StringBuilder("# Redis Cluster on Kubernetes: Mooring, Lettuce and Redisson\n\n");
        md.append("Generated by `")
                .append(run.getOrDefault("command", "?"))
                .append("` (")
                .append(run.getOrDefault("started", "?"))
                .append(", ")
                .append(run.getOrDefault("duration", "?"))
                .append(").\n\n");
        md.append("- ")
                .append(run.getOrDefault("versions", "?"))
                .append(", Redis ")
                .append(run.getOrDefault("redis", "?"))
                .append('\n');
        md.append("- Load average (1 min): ")
                .append(run.getOrDefault("loadStart", "?"))
                .append(" at start; median over the repetitions ")
                .append(run.getOrDefault("loadMedian", "?"))
                .append("; ")
                .append(run.getOrDefault("loadEnd", "?"))
                .append(" at the end. A shared CPU: numbers are noisy.\n");
        md.append("- The testkit's Redis Cluster: 3 masters + 3 replicas, `cluster-node-timeout` 5 s, AOF fsynced on"
                + " each pod's volume. A new set of clients per repetition; each client has a synchronous and an"
                + " asynchronous writer at 500 writes/s, over 4 slots of each master.\n\n");
        md.append("Cells: median [min–max] over the repetitions; lost, applied though reported failed, fate unknown,"
                + " out of order, errors: sums. Chart: `cluster-failover.png`.\n\n");
        md.append("- **window**: on the disrupted shard that kept the writer waiting longest, from its last"
                + " acknowledgement at or before the disruption to the first after the outage (\"> N\": still not"
                + " writing at the end of the observation).\n");
        md.append("- **after writable**: from the moment the shard's slots took a direct `SET` again (polled every"
                + " 5 ms on the shard's pods) to the writer's first acknowledgement there; a writer visits each shard"
                + " every 6 ms.\n");
        md.append("- **lost**: acknowledged, missing on the final master. **applied though failed**: the"
                + " application was told the write failed, and the final master holds it. Both are judged on the"
                + " writes that append to a list (every other write; the others set a register).\n\n");
        Map<ClusterScenario, List<Summary>> summaries = summaries();
        for (ClusterScenario scenario : scenarios) {
            List<Summary> rows = summaries.get(scenario);
            md.append("## ").append(scenario.title()).append("\n\n");
            md.append(scenario.description()).append(".");
            String writable = writableAgain(scenario);
            if (!writable.isEmpty()) {
                md.append(" Slots writable again after the disruption began: ")
                        .append(writable)
                        .append('.');
            }
            md.append("\n\n");
            md.append("| client, writer | window | after writable | failed calls | acknowledged | lost |"
                    + " applied though failed | fate unknown (applied) | out of order | errors, all repetitions |\n");
            md.append("|---|---|---|---|---|---|---|---|---|---|\n");
            for (Summary s : rows) {
                md.append("| ")
                        .append(s.contender())
                        .append(' ')
                        .append(s.mode())
                        .append(" | ")
                        .append(windowCell(s.windows()))
                        .append(" | ")
                        .append(afterWritableCell(s))
                        .append(" | ")
                        .append(range(s.failures(), ClusterReport::count))
                        .append(" | ")
                        .append(count(s.ledger().acknowledged()))
                        .append(" | ")
                        .append(count(s.ledger().lost()))
                        .append(" | ")
                        .append(count(s.ledger().appliedThoughFailed()))
                        .append(" | ")
                        .append(count(s.ledger().fateUnknown()))
                        .append(" (")
                        .append(count(s.ledger().fateUnknownApplied()))
                        .append(") | ")
                        .append(count(s.ledger().outOfOrder()))
                        .append(" | ")
                        .append(topKinds(s.failureKinds()))
                        .append(" |\n");
            }
            md.append('\n');
        }
        return md.toString();
    }

    /** The median [min–max] of the shards' "writable again" time (the latest disrupted shard per repetition). */
    String writableAgain(ClusterScenario scenario) {
        Map<Integer, Double> byRep = new LinkedHashMap<>();
        for (ClusterOutcome outcome : outcomes) {
            if (outcome.scenario() != scenario) {
                continue;
            }
            outcome.shards().stream()
                    .filter(ClusterOutcome.Shard::disrupted)
                    .mapToDouble(ClusterOutcome.Shard::writableMs)
                    .filter(ms -> !Double.isNaN(ms))
                    .max()
                    .ifPresent(ms -> byRep.merge(outcome.rep(), ms, Math::max));
        }
        return byRep.isEmpty() ? "" : range(new ArrayList<>(byRep.values()), Stats::formatMillis);
    }

    /**
     * The median [min–max] of the repetitions in which the writer was back before the end of the observation, and how
     * many were not, with the shortest of those observations: "2.1 s [1.9 s–2.4 s]; 1 of 5 not back (> 20 s)".
     */
    static String windowCell(Stats windows) {
        if (windows.count() == 0) {
            return "-";
        }
        List<Double> back = new ArrayList<>();
        List<Double> notBack = new ArrayList<>();
        for (Stats.Window window : windows.values()) {
            (window.censored() ? notBack : back).add(window.millis());
        }
        String cell = back.isEmpty() ? "" : range(back, Stats::formatMillis);
        if (notBack.isEmpty()) {
            return cell;
        }
        String stillOut = String.format(
                Locale.ROOT,
                "%d of %d not back (> %s)",
                notBack.size(),
                windows.count(),
                Stats.formatMillis(
                        notBack.stream().mapToDouble(Double::doubleValue).min().orElseThrow()));
        return cell.isEmpty() ? stillOut : cell + "; " + stillOut;
    }

    static String afterWritableCell(Summary s) {
        String cell = s.afterWritable().isEmpty() ? "" : range(s.afterWritable(), Stats::formatMillis);
        if (s.neverAfterWritable() == 0) {
            return cell;
        }
        String none = s.neverAfterWritable() + " of " + s.reps() + ": no write";
        return cell.isEmpty() ? none : cell + "; " + none;
    }

    /** {@code median [min–max]}, or just the value when there is one, or all are equal. */
    static String range(List<Double> values, java.util.function.DoubleFunction<String> format) {
        if (values.isEmpty()) {
            return "-";
        }
        double min = values.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        double max = values.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        String median = format.apply(Stats.median(values));
        return min == max ? median : median + " [" + format.apply(min) + "–" + format.apply(max) + "]";
    }

    private static String count(double value) {
        return value == Math.rint(value)
                ? String.format(Locale.ROOT, "%,d", (long) value)
                : String.format(Locale.ROOT, "%,.1f", value);
    }

    /** The two most frequent kinds of failure with their share. */
    static String topKinds(Map<String, Integer> kinds) {
        if (kinds.isEmpty()) {
            return "-";
        }
        return kinds.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue(Comparator.reverseOrder())
                        .thenComparing(Map.Entry.comparingByKey()))
                .limit(2)
                .map(e -> e.getKey() + " " + String.format(Locale.ROOT, "%,d", e.getValue()))
                .collect(Collectors.joining(", "));
    }

    /** One repetition of one writer, for the log. */
    static String brief(ClusterOutcome outcome) {
        ClusterOutcome.Shard worst = outcome.worst();
        String window = worst == null ? "?" : (worst.censored() ? ">" : "") + Math.round(worst.windowMs());
        ClusterOutcome.LedgerTally t = outcome.ledger();
        return outcome.contender().charAt(0) + outcome.mode().substring(0, 1) + "=" + window
                + (outcome.failures() > 0 ? "/f" + outcome.failures() : "")
                + (t.lost() > 0 ? "/lost" + t.lost() : "")
                + (t.appliedThoughFailed() > 0 ? "/atf" + t.appliedThoughFailed() : "");
    }

    // ------------------------------------------------------------------ CSV

    List<String> repsCsv() {
        List<String> lines = new ArrayList<>();
        lines.add("scenario,rep,contender,mode,shard,disrupted,writable_ms,window_ms,censored,after_writable_ms,"
                + "failures,acknowledged,lost,applied_though_failed,fate_unknown,fate_unknown_applied,applied_twice,"
                + "out_of_order,not_settled");
        for (ClusterOutcome o : outcomes) {
            ClusterOutcome.LedgerTally t = o.ledger();
            for (ClusterOutcome.Shard s : o.shards()) {
                lines.add(String.join(
                        ",",
                        o.scenario().key(),
                        Integer.toString(o.rep()),
                        o.contender(),
                        o.mode(),
                        Integer.toString(s.shard()),
                        Boolean.toString(s.disrupted()),
                        csv(s.writableMs()),
                        csv(s.windowMs()),
                        Boolean.toString(s.censored()),
                        csv(s.afterWritableMs()),
                        Integer.toString(o.failures()),
                        Long.toString(t.acknowledged()),
                        Long.toString(t.lost()),
                        Long.toString(t.appliedThoughFailed()),
                        Long.toString(t.fateUnknown()),
                        Long.toString(t.fateUnknownApplied()),
                        Long.toString(t.appliedTwice()),
                        Long.toString(t.outOfOrder()),
                        Long.toString(t.notSettled())));
            }
        }
        return lines;
    }

    List<String> summaryCsv() {
        List<String> lines = new ArrayList<>();
        lines.add("scenario,contender,mode,reps,window_median_ms,window_median_censored,window_min_ms,window_max_ms,"
                + "not_recovered,after_writable_median_ms,after_writable_min_ms,after_writable_max_ms,"
                + "no_write_after_writable,failures_median,failures_min,failures_max,acknowledged,lost,"
                + "applied_though_failed,fate_unknown,fate_unknown_applied,applied_twice,out_of_order,not_settled");
        summaries().forEach((scenario, rows) -> {
            for (Summary s : rows) {
                Stats.Window median = s.windows().median();
                Stats.Window min = s.windows().min();
                Stats.Window max = s.windows().max();
                ClusterOutcome.LedgerTally t = s.ledger();
                lines.add(String.join(
                        ",",
                        scenario.key(),
                        s.contender(),
                        s.mode(),
                        Integer.toString(s.reps()),
                        csv(median == null ? Double.NaN : median.millis()),
                        Boolean.toString(median != null && median.censored()),
                        csv(min == null ? Double.NaN : min.millis()),
                        csv(max == null ? Double.NaN : max.millis()),
                        Integer.toString(s.windows().count() - s.windows().recovered()),
                        csv(Stats.median(s.afterWritable())),
                        csv(extreme(s.afterWritable(), Math::min)),
                        csv(extreme(s.afterWritable(), Math::max)),
                        Integer.toString(s.neverAfterWritable()),
                        csv(Stats.median(s.failures())),
                        csv(extreme(s.failures(), Math::min)),
                        csv(extreme(s.failures(), Math::max)),
                        Long.toString(t.acknowledged()),
                        Long.toString(t.lost()),
                        Long.toString(t.appliedThoughFailed()),
                        Long.toString(t.fateUnknown()),
                        Long.toString(t.fateUnknownApplied()),
                        Long.toString(t.appliedTwice()),
                        Long.toString(t.outOfOrder()),
                        Long.toString(t.notSettled())));
            }
        });
        return lines;
    }

    private static double extreme(List<Double> values, java.util.function.DoubleBinaryOperator pick) {
        return values.stream().mapToDouble(Double::doubleValue).reduce(pick).orElse(Double.NaN);
    }

    private static String csv(double value) {
        return Double.isNaN(value) ? "" : String.format(Locale.ROOT, "%.1f", value);
    }
}
