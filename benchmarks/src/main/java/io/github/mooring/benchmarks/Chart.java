package io.github.mooring.benchmarks;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The PNG: successful writes per 10 ms of every contender across one master pod replacement (one lane each), and the
 * median failover window of every contender in every scenario, side by side. Drawn with XChart.
 */
final class Chart {

    private static final int WIDTH = 1600;
    private static final int LANE_HEIGHT = 78;
    private static final Color[] SETUP_COLORS = {new Color(31, 119, 180), new Color(214, 39, 40), new Color(44, 160, 44)
    };

    private Chart() {}

    static void write(
            Path file,
            List<Setup> setups,
            FailoverSuite.Timeline timeline,
            Map<Scenario, Map<Slot, Report.Summary>> summaries,
            List<Scenario> scenarios,
            String subtitle)
            throws IOException {
        List<BufferedImage> parts = new ArrayList<>();
        if (timeline != null) {
            parts.add(header(
                    "Successful writes per 10 ms across one master pod replacement (kill -9 at 0 s, new pod "
                            + "with a new IP 1 s later); one lane per contender",
                    "dashed line: the new master container "
                            + "answers; writers attempt one SET every 2 ms (5 per 10 ms)"));
            for (Map.Entry<Slot, long[]> lane : timeline.acks().entrySet()) {
                parts.add(lane(lane.getKey(), lane.getValue(), timeline, setups));
            }
        }
        parts.add(header(
                "Failover window, median over the repetitions (log scale)",
                "a bar at the top of its range means the median repetition had not recovered when the observation "
                        + "ended (" + subtitle + ")"));
        parts.add(bars(setups, summaries, scenarios));
        int height = parts.stream().mapToInt(BufferedImage::getHeight).sum();
        BufferedImage image = new BufferedImage(WIDTH, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, height);
        int y = 0;
        for (BufferedImage part : parts) {
            g.drawImage(part, 0, y, null);
            y += part.getHeight();
        }
        g.dispose();
        ImageIO.write(image, "png", file.toFile());
    }

    private static BufferedImage header(String title, String subtitle) {
        BufferedImage image = new BufferedImage(WIDTH, 58, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, 58);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
        g.drawString(title, 16, 26);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        g.setColor(Color.DARK_GRAY);
        g.drawString(subtitle, 16, 47);
        g.dispose();
        return image;
    }

    private static BufferedImage lane(Slot slot, long[] acks, FailoverSuite.Timeline timeline, List<Setup> setups) {
        long zero = timeline.disruptedAt().get(slot.setup());
        double from = -0.5;
        double to = (timeline.end() - zero) / 1e9;
        int bins = (int) Math.ceil((to - from) * 100);
        double[] x = new double[bins];
        double[] y = new double[bins];
        for (int i = 0; i < bins; i++) {
            x[i] = from + i / 100.0;
        }
        for (long ack : acks) {
            double seconds = (ack - zero) / 1e9;
            int bin = (int) Math.floor((seconds - from) * 100);
            if (bin >= 0 && bin < bins) {
                y[bin]++;
            }
        }
        XYChart chart = new XYChartBuilder().width(WIDTH).height(LANE_HEIGHT).build();
        XYStyler styler = chart.getStyler();
        styler.setLegendVisible(false);
        styler.setChartTitleVisible(false);
        styler.setPlotGridLinesVisible(false);
        styler.setChartPadding(2);
        styler.setPlotContentSize(0.98);
        styler.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        styler.setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(6.0);
        chart.getStyler().setXAxisMin(from);
        chart.getStyler().setXAxisMax(to);
        chart.getStyler().setYAxisTicksVisible(false);
        chart.getStyler().setXAxisTicksVisible(true);
        chart.getStyler().setYAxisTitleVisible(true);
        chart.setYAxisTitle(" ");
        chart.getStyler().setAxisTitlePadding(4);
        chart.getStyler().setYAxisLeftWidthHint(330);
        XYSeries series = chart.addSeries(slot.name(), x, y);
        series.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.StepArea);
        series.setMarker(SeriesMarkers.NONE);
        Color color = SETUP_COLORS[Math.max(0, setups.indexOf(slot.setup())) % SETUP_COLORS.length];
        series.setLineColor(color);
        series.setFillColor(new Color(color.getRed(), color.getGreen(), color.getBlue(), 110));
        BufferedImage image = BitmapEncoder.getBufferedImage(chart);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, slot.name().startsWith("Mooring") ? Font.BOLD : Font.PLAIN, 14));
        g.drawString(slot.name(), 10, 30);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.setColor(color.darker());
        g.drawString(slot.setup().label(), 10, 48);
        // the plot area spans from the y-axis hint to the right edge; mark the new container's start
        Long up = timeline.newPodUpAt().get(slot.setup());
        if (up != null && up > 0) {
            double seconds = (up - zero) / 1e9;
            int left = 330 + 8;
            int right = WIDTH - 6;
            int px = (int) Math.round(left + (seconds - from) / (to - from) * (right - left));
            g.setColor(Color.GRAY);
            g.setStroke(
                    new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {4f, 4f}, 0f));
            g.drawLine(px, 4, px, LANE_HEIGHT - 22);
        }
        g.dispose();
        return image;
    }

    private static BufferedImage bars(
            List<Setup> setups, Map<Scenario, Map<Slot, Report.Summary>> summaries, List<Scenario> scenarios) {
        CategoryChart chart =
                new CategoryChartBuilder().width(WIDTH).height(680).build();
        chart.setYAxisTitle("median failover window (ms)");
        styleLogBars(chart, 20_000.0);
        chart.getStyler().setXAxisLabelRotation(28);
        chart.getStyler().setChartTitleVisible(false);
        List<String> labels = new ArrayList<>();
        List<Slot> slots = new ArrayList<>();
        for (Setup setup : setups) {
            for (Slot slot : setup.slots()) {
                slots.add(slot);
                labels.add(slot.name() + (setup.shortLabel().isEmpty() ? "" : " · " + setup.shortLabel()));
            }
        }
        for (Scenario scenario : scenarios) {
            List<Double> values = new ArrayList<>();
            for (Slot slot : slots) {
                Report.Summary summary = summaries.get(scenario).get(slot);
                Stats.Window median = summary == null ? null : summary.windows().median();
                values.add(median == null ? null : Math.max(1.0, median.censored() ? 20_000.0 : median.millis()));
            }
            chart.addSeries(scenario.title(), labels, values);
        }
        return BitmapEncoder.getBufferedImage(chart);
    }

    /** Bars side by side on a logarithmic axis from 10 to {@code max} (milliseconds), the legend below. */
    static void styleLogBars(CategoryChart chart, double max) {
        var styler = chart.getStyler();
        styler.setLegendPosition(Styler.LegendPosition.OutsideS);
        styler.setLegendLayout(Styler.LegendLayout.Horizontal);
        styler.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        styler.setYAxisLogarithmic(true);
        styler.setYAxisMin(10.0);
        styler.setYAxisMax(max);
        styler.setYAxisDecimalPattern("#,##0");
        styler.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        styler.setOverlapped(false);
        styler.setAvailableSpaceFill(0.85);
    }
}
