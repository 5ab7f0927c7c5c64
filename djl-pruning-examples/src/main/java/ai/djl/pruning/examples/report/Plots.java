package ai.djl.pruning.examples.report;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.pruning.io.TorchParameterNames;
import ai.djl.pruning.unstructured.PrunableParameters;
import ai.djl.pruning.unstructured.SensitivityResult;
import com.google.common.base.Preconditions;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * PNG charts for reports: weight histograms per prunable layer (as MIT Lab 1 draws them), the
 * parameter count per layer, and line charts that later experiments reuse (sensitivity curves,
 * accuracy per epoch).
 */
public final class Plots {

    private static final int PANEL_WIDTH = 360;
    private static final int PANEL_HEIGHT = 240;

    private Plots() {}

    /**
     * The prunable weights of a block ({@link PrunableParameters#of}: conv and linear weights), by
     * PyTorch-style name.
     *
     * @param block an initialised block
     * @return name to weight array, in parameter order
     */
    public static Map<String, NDArray> prunableWeights(Block block) {
        Map<String, String> names = TorchParameterNames.aliases(block);
        Map<String, NDArray> out = new LinkedHashMap<>();
        PrunableParameters.of(block).forEach((path, p) -> out.put(names.getOrDefault(path, path), p.getArray()));
        return out;
    }

    /**
     * Writes one histogram per prunable weight in a grid.
     *
     * @param block an initialised block
     * @param nonzeroOnly true to leave zeros out (the view that shows a pruned layer's gap)
     * @param bins bins per histogram
     * @param png the file to write
     * @throws IOException on write errors
     */
    public static void weightHistograms(Block block, boolean nonzeroOnly, int bins, Path png) throws IOException {
        Preconditions.checkArgument(bins > 1, "need at least 2 bins");
        List<Chart<?, ?>> panels = new ArrayList<>();
        for (Map.Entry<String, NDArray> e : prunableWeights(block).entrySet()) {
            float[] values = e.getValue().toFloatArray();
            float min = Float.POSITIVE_INFINITY;
            float max = Float.NEGATIVE_INFINITY;
            for (float v : values) {
                if (!nonzeroOnly || v != 0f) {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
            double[] centres = new double[bins];
            double[] counts = new double[bins];
            double width = max > min ? (max - min) / bins : 1;
            for (int b = 0; b < bins; b++) {
                centres[b] = min + (b + 0.5) * width;
            }
            for (float v : values) {
                if (!nonzeroOnly || v != 0f) {
                    counts[Math.min(bins - 1, (int) ((v - min) / width))]++;
                }
            }
            XYChart chart = new XYChartBuilder().width(PANEL_WIDTH).height(PANEL_HEIGHT).title(e.getKey())
                    .xAxisTitle("weight").yAxisTitle("count").build();
            style(chart.getStyler());
            chart.getStyler().setLegendVisible(false);
            chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Area);
            chart.getStyler().setXAxisDecimalPattern("0.00");
            chart.getStyler().setXAxisMaxLabelCount(6);
            if (min <= max) {
                chart.addSeries("w", centres, counts).setMarker(SeriesMarkers.NONE);
            }
            panels.add(chart);
        }
        grid(panels, 4, png);
    }

    /**
     * Writes a bar chart of the parameter count of every prunable weight.
     *
     * @param block an initialised block
     * @param png the file to write
     * @throws IOException on write errors
     */
    public static void parameterDistribution(Block block, Path png) throws IOException {
        List<String> names = new ArrayList<>();
        List<Long> counts = new ArrayList<>();
        prunableWeights(block).forEach((name, w) -> {
            names.add(name.replace(".weight", ""));
            counts.add(w.size());
        });
        CategoryChart chart = new CategoryChartBuilder().width(Math.max(900, 22 * names.size())).height(520)
                .title("Parameters per layer").xAxisTitle("layer").yAxisTitle("parameters").build();
        style(chart.getStyler());
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setXAxisLabelRotation(90);
        chart.addSeries("parameters", names, counts);
        write(chart, png);
    }

    /**
     * Writes a line chart.
     *
     * @param title chart title
     * @param xTitle x axis title
     * @param yTitle y axis title
     * @param series name to {x values, y values}
     * @param png the file to write
     * @throws IOException on write errors
     */
    public static void lineChart(String title, String xTitle, String yTitle, Map<String, double[][]> series, Path png)
            throws IOException {
        write(lineChart(title, xTitle, yTitle, series, 640, 420), png);
    }

    /**
     * Builds a line chart, for callers that compose panels.
     *
     * @param title chart title
     * @param xTitle x axis title
     * @param yTitle y axis title
     * @param series name to {x values, y values}
     * @param width pixels
     * @param height pixels
     * @return the chart
     */
    public static XYChart lineChart(String title, String xTitle, String yTitle, Map<String, double[][]> series,
            int width, int height) {
        XYChart chart = new XYChartBuilder().width(width).height(height).title(title).xAxisTitle(xTitle)
                .yAxisTitle(yTitle).build();
        style(chart.getStyler());
        series.forEach((name, xy) -> chart.addSeries(name, xy[0], xy[1]));
        return chart;
    }

    /**
     * Writes one panel per tensor of a sensitivity scan: accuracy vs sparsity, with MIT Lab 1's line at
     * 100 − 1.5·(100 − dense).
     *
     * @param scan the scan
     * @param names DJL path to display name (paths without one are shown as they are)
     * @param png the file to write
     * @throws IOException on write errors
     */
    public static void sensitivityCurves(SensitivityResult scan, Map<String, String> names, Path png)
            throws IOException {
        double[] x = scan.sparsities().stream().mapToDouble(Double::doubleValue).toArray();
        double line = 100 - 1.5 * (100 - scan.denseAccuracy());
        List<XYChart> panels = new ArrayList<>();
        scan.accuracies().forEach((path, acc) -> {
            Map<String, double[][]> series = new LinkedHashMap<>();
            series.put("accuracy", new double[][] {x, acc.stream().mapToDouble(Double::doubleValue).toArray()});
            series.put("threshold", new double[][] {{x[0], x[x.length - 1]}, {line, line}});
            XYChart chart = lineChart(names.getOrDefault(path, path), "sparsity", "top-1 (%)", series, 300, 220);
            chart.getStyler().setLegendVisible(false);
            chart.getStyler().setYAxisMin(0.0);
            chart.getStyler().setYAxisMax(100.0);
            XYSeries threshold = chart.getSeriesMap().get("threshold");
            threshold.setMarker(SeriesMarkers.NONE);
            threshold.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
            panels.add(chart);
        });
        grid(panels, 6, png);
    }

    /**
     * Writes a grouped bar chart: one group per category, one bar per series.
     *
     * @param title chart title
     * @param yTitle y axis title
     * @param categories the categories (x axis)
     * @param series name to one value per category
     * @param png the file to write
     * @throws IOException on write errors
     */
    public static void groupedBars(String title, String yTitle, List<String> categories,
            Map<String, List<? extends Number>> series, Path png) throws IOException {
        CategoryChart chart = new CategoryChartBuilder().width(Math.max(900, 26 * categories.size())).height(520)
                .title(title).xAxisTitle("layer").yAxisTitle(yTitle).build();
        style(chart.getStyler());
        chart.getStyler().setXAxisLabelRotation(90);
        chart.getStyler().setOverlapped(true);
        series.forEach((name, values) -> chart.addSeries(name, categories, values));
        write(chart, png);
    }

    /**
     * Writes a scatter chart with one labelled point per entry.
     *
     * @param title chart title
     * @param xTitle x axis title
     * @param yTitle y axis title
     * @param points label to {x, y}
     * @param png the file to write
     * @throws IOException on write errors
     */
    public static void labelledPoints(String title, String xTitle, String yTitle, Map<String, double[]> points,
            Path png) throws IOException {
        XYChart chart = new XYChartBuilder().width(640).height(420).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle)
                .build();
        style(chart.getStyler());
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        chart.getStyler().setMarkerSize(10);
        points.forEach((label, xy) -> chart.addSeries(label, new double[] {xy[0]}, new double[] {xy[1]}));
        write(chart, png);
    }

    /**
     * Lays charts out in a grid and writes one PNG.
     *
     * @param charts the panels, all drawn at their own size
     * @param columns panels per row
     * @param png the file to write
     * @throws IOException on write errors
     */
    public static void grid(List<? extends Chart<?, ?>> charts, int columns, Path png) throws IOException {
        Preconditions.checkArgument(!charts.isEmpty(), "nothing to plot");
        int w = charts.get(0).getWidth();
        int h = charts.get(0).getHeight();
        int rows = (charts.size() + columns - 1) / columns;
        BufferedImage image = new BufferedImage(w * Math.min(columns, charts.size()), h * rows, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        for (int i = 0; i < charts.size(); i++) {
            g.drawImage(BitmapEncoder.getBufferedImage(charts.get(i)), (i % columns) * w, (i / columns) * h, null);
        }
        g.dispose();
        createParent(png);
        ImageIO.write(image, "png", png.toFile());
    }

    private static void write(Chart<?, ?> chart, Path png) throws IOException {
        createParent(png);
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    private static void createParent(Path png) throws IOException {
        Path parent = png.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
    }

    private static void style(Styler styler) {
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotBackgroundColor(Color.WHITE);
        styler.setChartTitleFont(styler.getChartTitleFont().deriveFont(12f));
        styler.setAntiAlias(true);
    }
}
