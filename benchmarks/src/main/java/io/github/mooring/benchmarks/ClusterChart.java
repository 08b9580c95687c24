package io.github.mooring.benchmarks;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

/**
 * The PNG of {@link ClusterFailoverBenchmark}: the median window of every client's writers in every scenario (log
 * scale). A median repetition still not writing at the end of its observation is drawn at the length observed, a
 * lower bound, and its label says so.
 */
final class ClusterChart {

    private ClusterChart() {}

    static void write(
            Path file, List<ClusterScenario> scenarios, Map<ClusterScenario, List<ClusterReport.Summary>> rows)
            throws IOException {
        System.setProperty("java.awt.headless", "true");
        CategoryChart chart = new CategoryChartBuilder()
                .width(1400)
                .height(640)
                .title(
                        "Redis Cluster: write window on the disrupted shard, median over the repetitions (log scale); *: a"
                                + " median not back at the end, drawn at the length observed")
                .build();
        chart.setYAxisTitle("window (ms)");
        Chart.styleLogBars(chart, 100_000.0);
        List<String> labels = new ArrayList<>();
        for (ClusterScenario scenario : scenarios) {
            labels.add(scenario.title());
        }
        List<String> writers = rows.values().stream()
                .flatMap(List::stream)
                .map(s -> s.contender() + " " + s.mode())
                .distinct()
                .toList();
        for (String writer : writers) {
            List<Double> values = new ArrayList<>();
            boolean notBack = false;
            for (ClusterScenario scenario : scenarios) {
                Stats.Window median = rows.getOrDefault(scenario, List.of()).stream()
                        .filter(s -> (s.contender() + " " + s.mode()).equals(writer))
                        .map(s -> s.windows().median())
                        .filter(w -> w != null)
                        .findFirst()
                        .orElse(null);
                values.add(median == null ? null : Math.max(10.0, median.millis()));
                notBack |= median != null && median.censored();
            }
            chart.addSeries(writer + (notBack ? " *" : ""), labels, values);
        }
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
