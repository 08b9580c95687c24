package io.github.mooring.examples;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.stream.Collectors;

/**
 * The outcome of one demo run: what each writer achieved, measured in that run.
 *
 * @param settings      how the run was configured
 * @param writingTime   how long the writers wrote
 * @param disruptions   the disruptions attempted, in order ({@code masterChanges} says how many made a new master)
 * @param masterChanges how many times writes had to move to a new master (pod or process)
 * @param writers       one entry per writer, Mooring first
 */
public record Summary(
        Settings settings,
        Duration writingTime,
        List<Disruption> disruptions,
        int masterChanges,
        List<WriterStats> writers) {

    public Summary {
        disruptions = List.copyOf(disruptions);
        writers = List.copyOf(writers);
    }

    /** The writer named {@code name}, e.g. {@code "Mooring"} or {@code "plain Lettuce"}. */
    public WriterStats writer(String name) {
        return writers.stream()
                .filter(w -> w.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new NoSuchElementException("no writer named " + name + " in " + writers));
    }

    /** The table and notes the demo prints at the end. */
    public String render() {
        StringBuilder text = new StringBuilder();
        text.append(String.format(
                "Summary: %d s of writes, %d per second per writer; %d master change%s (%s)%n%n",
                Math.round(writingTime.toMillis() / 1000.0),
                settings.rate(),
                masterChanges,
                masterChanges == 1 ? "" : "s",
                disruptions.isEmpty()
                        ? "no disruption"
                        : disruptions.stream().map(Disruption::flag).collect(Collectors.joining(", "))));
        String format = "%-14s %9s %9s %7s %12s %18s %15s  %s%n";
        text.append(String.format(
                format,
                "writer",
                "attempted",
                "succeeded",
                "failed",
                "fate unknown",
                "longest write gap",
                "slowest success",
                "master changes followed"));
        for (WriterStats w : writers) {
            text.append(String.format(
                    format,
                    w.name(),
                    w.attempted(),
                    w.succeeded(),
                    w.failed(),
                    w.fateUnknown().isPresent()
                            ? Integer.toString(w.fateUnknown().getAsInt())
                            : "n/a",
                    seconds(w.longestGap()) + (w.gapLastsToEnd() ? " (at end)" : ""),
                    seconds(w.slowestSuccess()),
                    w.changesFollowed() + " of " + w.changes()));
        }
        text.append(String.format("%n"));
        for (WriterStats w : writers) {
            if (!w.failureKinds().isEmpty()) {
                text.append(String.format("%s's failed writes: %s%n", w.name(), kinds(w.failureKinds())));
            }
            int unanswered =
                    w.attempted() - w.succeeded() - w.failed() - w.fateUnknown().orElse(0);
            if (unanswered > 0) {
                text.append(
                        String.format("%s: %d writes had no answer yet when the run ended%n", w.name(), unanswered));
            }
        }
        for (WriterStats w : writers) {
            if (w.counter().isPresent()) {
                text.append(String.format(
                        "%s's counter on the master: %d for %d acknowledged writes: %s%n",
                        w.name(), w.counter().getAsLong(), w.succeeded(), counterVerdict(w)));
            }
        }
        if (writers.stream().anyMatch(w -> w.fateUnknown().orElse(0) > 0)) {
            text.append(String.format("(fate unknown: the write had been sent to the master, then Mooring had to drop"
                    + " that connection (the%n master died or was demoted) before the answer came. Mooring does not"
                    + " send an INCR again, which could%n count it twice; it tells the application, which can read the"
                    + " value back. The counter check says whether they were applied.)%n"));
        }
        return text.toString();
    }

    @Override
    public String toString() {
        return render();
    }

    private static String counterVerdict(WriterStats w) {
        long extra = w.counter().getAsLong() - w.succeeded();
        int unknown = w.fateUnknown().orElse(0);
        if (extra == 0) {
            return "nothing lost, nothing applied twice"
                    + (unknown == 0 ? "" : "; none of the " + unknown + " fate-unknown writes was applied");
        }
        if (extra < 0) {
            return -extra + " acknowledged writes LOST";
        }
        if (extra <= unknown) {
            return extra + " of the " + unknown + " fate-unknown writes had been applied; nothing lost";
        }
        return extra + " more than acknowledged: writes reported as failed (or sent twice) were applied";
    }

    private static String kinds(Map<String, Integer> kinds) {
        return kinds.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue(Comparator.reverseOrder()))
                .map(e -> e.getValue() + " " + e.getKey())
                .collect(Collectors.joining(", "));
    }

    private static String seconds(Duration duration) {
        return duration.toMillis() < 1000
                ? duration.toMillis() + " ms"
                : String.format("%.1f s", duration.toMillis() / 1000.0);
    }
}
