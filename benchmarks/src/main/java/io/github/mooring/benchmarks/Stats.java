package io.github.mooring.benchmarks;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Median and max of failover windows where some are censored ("still not writing after N s"): a censored value
 * ranks above every uncensored one, so a median that falls on one is itself shown as "&gt; N".
 */
final class Stats {

    /** One window in milliseconds; {@code censored} means at least that long. */
    record Window(double millis, boolean censored) {}

    private final List<Window> values = new ArrayList<>();

    void add(double millis, boolean censored) {
        if (!Double.isNaN(millis)) {
            values.add(new Window(millis, censored));
        }
    }

    /** The windows in the order they were added. */
    List<Window> values() {
        return List.copyOf(values);
    }

    int count() {
        return values.size();
    }

    int recovered() {
        return (int) values.stream().filter(w -> !w.censored()).count();
    }

    private List<Window> sorted() {
        List<Window> sorted = new ArrayList<>(values);
        sorted.sort(Comparator.comparing(Window::censored).thenComparingDouble(Window::millis));
        return sorted;
    }

    /** The median, or null when there is none. */
    Window median() {
        if (values.isEmpty()) {
            return null;
        }
        List<Window> sorted = sorted();
        int n = sorted.size();
        if (n % 2 == 1) {
            return sorted.get(n / 2);
        }
        Window low = sorted.get(n / 2 - 1);
        Window high = sorted.get(n / 2);
        if (low.censored() || high.censored()) {
            return new Window(Math.min(low.censored() ? low.millis() : Double.MAX_VALUE, high.millis()), true);
        }
        return new Window((low.millis() + high.millis()) / 2, false);
    }

    /** The lowest window: an uncensored one when there is one. */
    Window min() {
        return values.isEmpty() ? null : sorted().get(0);
    }

    Window max() {
        if (values.isEmpty()) {
            return null;
        }
        boolean anyCensored = values.stream().anyMatch(Window::censored);
        double max = values.stream().mapToDouble(Window::millis).max().orElse(Double.NaN);
        return new Window(max, anyCensored);
    }

    static String format(Window window) {
        if (window == null) {
            return "-";
        }
        return (window.censored() ? "> " : "") + formatMillis(window.millis());
    }

    static String formatMillis(double millis) {
        if (Double.isNaN(millis)) {
            return "-";
        }
        if (millis >= 10_000) {
            return String.format("%.0f s", millis / 1000);
        }
        if (millis >= 1_000) {
            return String.format("%.1f s", millis / 1000);
        }
        return String.format("%.0f ms", millis);
    }

    static double median(List<? extends Number> numbers) {
        if (numbers.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = new ArrayList<>();
        numbers.forEach(n -> sorted.add(n.doubleValue()));
        sorted.sort(Double::compare);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
