package io.github.mooring.benchmarks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Median and max of a few measurements, in milliseconds; absent ones (never recovered) are counted apart. */
final class Stats {

    private final List<Double> values = new ArrayList<>();
    private int absent;

    void add(double millis) {
        values.add(millis);
    }

    void addAbsent() {
        absent++;
    }

    int count() {
        return values.size();
    }

    int absent() {
        return absent;
    }

    double median() {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    double max() {
        return values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }

    static String format(double millis) {
        return Double.isNaN(millis) ? "-" : String.format("%.0f ms", millis);
    }
}
