package ai.djl.pruning.examples.pipeline;

import ai.djl.pruning.engine.EngineConfiguration;
import ai.djl.pruning.analysis.CompressionReport;
import ai.djl.pruning.examples.report.Plots;
import ai.djl.pruning.examples.train.EpochRecord;
import com.google.common.html.HtmlEscapers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes a run's {@code report.html} (self-contained: the plots are embedded) and {@code report.md} (plots
 * beside it under {@code plots/}) from a {@link RunSummary}: the Original / Compressed / Ratio table, every
 * variant tried, the fine-tuning epochs, the per-layer widths and sparsities, and the plots.
 */
final class ReportWriter {

    private final StringBuilder md = new StringBuilder();
    private final StringBuilder html = new StringBuilder();
    private final RunFolder folder;

    private ReportWriter(RunFolder folder) {
        this.folder = folder;
    }

    static void write(RunSummary run, RunFolder folder) throws IOException {
        ReportWriter w = new ReportWriter(folder);
        w.plots(run);
        w.content(run);
        folder.writeString("report.md", w.md.toString());
        folder.writeString("report.html", "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<title>" + esc("djl-pruning: " + run.spec().model().name()) + "</title><style>"
                + "body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
                + "table{border-collapse:collapse;margin:.6em 0}td,th{border:1px solid #ccc;padding:3px 8px}"
                + "th{background:#f0f0f0}td.n{text-align:right;font-variant-numeric:tabular-nums}"
                + "img{max-width:100%;border:1px solid #eee;margin:.4em 0}pre{background:#f6f6f6;padding:.6em;"
                + "overflow:auto}h2{border-bottom:1px solid #ddd;padding-bottom:.2em}</style></head><body>\n"
                + w.html + "</body></html>\n");
    }

    /** Parameters per layer with params, original vs compressed, as grouped bars. */
    static void parameterPlot(List<RunSummary.LayerRow> layers, Path png) throws IOException {
        List<String> names = layers.stream().map(RunSummary.LayerRow::path).toList();
        List<Long> a = layers.stream().map(RunSummary.LayerRow::originalParams).toList();
        List<Long> b = layers.stream().map(RunSummary.LayerRow::nonzeroParams).toList();
        Map<String, List<? extends Number>> series = new LinkedHashMap<>();
        series.put("original", a);
        series.put("compressed (nonzero)", b);
        Plots.groupedBars("Parameters per layer", "parameters", names, series, png);
    }

    private void plots(RunSummary run) throws IOException {
        if (!run.history().isEmpty()) {
            double[] x = new double[run.history().size() + 1];
            double[] test = new double[x.length];
            double[] train = new double[x.length];
            test[0] = run.prunedAccuracy().map(a -> a.percent()).orElse(Double.NaN);
            train[0] = Double.NaN;
            for (int i = 0; i < run.history().size(); i++) {
                EpochRecord e = run.history().get(i);
                x[i + 1] = e.epoch();
                test[i + 1] = e.testAccuracy();
                train[i + 1] = e.trainAccuracy();
            }
            Map<String, double[][]> series = new LinkedHashMap<>();
            series.put("test", new double[][] {x, test});
            series.put("train (augmented)", new double[][] {x, train});
            Plots.lineChart("Accuracy per fine-tuning epoch (0 = right after pruning)", "epoch", "top-1 (%)", series,
                    folder.file(RunFolder.PLOT_EPOCHS));
        }
        if (!run.variants().isEmpty()) {
            // Models with blocks of unknown cost have no MAC count: plot against nonzero parameters then.
            boolean macs = run.variants().stream().allMatch(v -> v.macs() >= 0);
            Map<String, double[]> points = new LinkedHashMap<>();
            run.variants().forEach(v -> points.put(v.name(), new double[] {(macs ? v.macs() : v.params()) / 1e6,
                v.accuracy()}));
            Plots.labelledPoints(macs ? "Accuracy vs MACs of every variant" : "Accuracy vs nonzero parameters of every "
                    + "variant (MACs unknown)", macs ? "MACs (M; effective for sparse weights)" : "nonzero parameters (M)",
                    "top-1 (%)", points, folder.file(RunFolder.PLOT_VARIANTS));
        }
    }

    private void content(RunSummary run) throws IOException {
        PipelineSpec spec = run.spec();
        heading(1, "Compression report: " + spec.model().name());
        paragraph(String.format(Locale.ROOT, "%s · %d processors · %s %s · %s · steps: %s · test images: %s · this "
                        + "invocation %.1f min", ZonedDateTime.now().format(DateTimeFormatter.ISO_LOCAL_DATE),
                Runtime.getRuntime().availableProcessors(), System.getProperty("os.name"), System.getProperty("os.arch"),
                EngineConfiguration.describeInForce(),
                String.join(" → ", spec.steps().stream().map(s -> s.kind().key()).toList()),
                spec.testImages() == null ? "all 10,000" : spec.testImages(), run.seconds() / 60));
        run.measurement().ifPresent(m -> {
            heading(2, "Original vs compressed");
            CompressionReport r = m.report();
            List<String[]> rows = new ArrayList<>();
            r.rows().forEach(row -> rows.add(new String[] {row.metric(), num(row.original()), num(row.compressed()),
                row.ratioText()}));
            table(new String[] {"metric", "original", "compressed", "ratio"}, rows);
        });
        StringBuilder trail = new StringBuilder();
        run.originalAccuracy().ifPresent(a -> trail.append("original ").append(a));
        run.prunedAccuracy().ifPresent(a -> trail.append(" → right after pruning ").append(a));
        if (!run.history().isEmpty()) {
            EpochRecord last = run.history().get(run.history().size() - 1);
            trail.append(" → after ").append(last.epoch()).append(" fine-tuning epoch(s) ").append(last.testResult());
        }
        if (trail.length() > 0) {
            paragraph("Accuracy: " + trail);
        }
        if (!run.variants().isEmpty()) {
            heading(2, "Every variant tried");
            image(RunFolder.PLOT_VARIANTS, "accuracy vs MACs");
            List<String[]> rows = new ArrayList<>();
            run.variants().forEach(v -> rows.add(new String[] {v.name(), v.macs() < 0 ? "unknown" : num(v.macs() / 1e6), String.format(Locale.ROOT,
                "%,d", v.params()), num(v.accuracy())}));
            table(new String[] {"variant", "MACs (M)", "nonzero params", "top-1 (%)"}, rows);
        }
        if (!run.history().isEmpty()) {
            heading(2, "Fine-tuning");
            image(RunFolder.PLOT_EPOCHS, "accuracy per epoch");
            List<String[]> rows = new ArrayList<>();
            run.history().forEach(h -> rows.add(new String[] {Integer.toString(h.epoch()), String.format(Locale.ROOT,
                "%.4f", h.trainLoss()), num(h.trainAccuracy()), num(h.testAccuracy()), String.format(Locale.ROOT,
                "%.5f", h.learningRate()), String.format(Locale.ROOT, "%.0f", h.seconds())}));
            table(new String[] {"epoch", "train loss", "train acc (%)", "test acc (%)", "lr (end)", "seconds"}, rows);
        }
        if (run.scan() != null) {
            heading(2, "Sensitivity scan");
            paragraph(String.format(Locale.ROOT, "Accuracy with one tensor pruned at a time, on the %s (dense %.2f%%); "
                    + "the flat line is 100 − 1.5·(100 − dense).", run.scan().evaluatedOn(), run.scan().denseAccuracy()));
            image(RunFolder.PLOT_SENSITIVITY, "sensitivity curves");
        }
        if (!run.layers().isEmpty()) {
            heading(2, "Per layer");
            List<String[]> rows = new ArrayList<>();
            run.layers().forEach(l -> rows.add(new String[] {l.path(), l.type(), l.originalShape(), l.compressedShape(),
                String.format(Locale.ROOT, "%,d", l.originalParams()), String.format(Locale.ROOT, "%,d", l.nonzeroParams()),
                String.format(Locale.ROOT, "%.3f", l.sparsity())}));
            table(new String[] {"layer", "type", "output (original)", "output (compressed)", "params (original)",
                "nonzero (compressed)", "sparsity"}, rows);
            image(RunFolder.PLOT_PARAMS, "parameters per layer");
            heading(3, "Weights of the original");
            image(RunFolder.PLOT_WEIGHTS_ORIGINAL, "weight histograms, original");
            heading(3, "Nonzero weights after compression");
            image(RunFolder.PLOT_WEIGHTS_COMPRESSED, "weight histograms, compressed");
        }
        heading(2, "Pipeline");
        paragraph("Rerun with `bin/djl-pruning pipeline --config " + folder.file(RunFolder.SPEC) + "` (finished steps are "
                + "skipped).");
        code(spec.toJson());
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, Math.abs(v) >= 100 ? "%.1f" : "%.2f", v);
    }

    private static String esc(String s) {
        return HtmlEscapers.htmlEscaper().escape(s);
    }

    private void heading(int level, String text) {
        md.append("#".repeat(level)).append(' ').append(text).append("\n\n");
        html.append("<h").append(level).append('>').append(esc(text)).append("</h").append(level).append(">\n");
    }

    private void paragraph(String text) {
        md.append(text).append("\n\n");
        html.append("<p>").append(esc(text).replaceAll("`([^`]*)`", "<code>$1</code>")).append("</p>\n");
    }

    private void code(String text) {
        md.append("```json\n").append(text).append("\n```\n");
        html.append("<pre>").append(esc(text)).append("</pre>\n");
    }

    private void table(String[] header, List<String[]> rows) {
        md.append("| ").append(String.join(" | ", header)).append(" |\n|");
        for (int i = 0; i < header.length; i++) {
            md.append(i == 0 ? "---|" : "---:|");
        }
        md.append('\n');
        html.append("<table><tr>");
        for (String h : header) {
            html.append("<th>").append(esc(h)).append("</th>");
        }
        html.append("</tr>\n");
        for (String[] r : rows) {
            md.append("| ").append(String.join(" | ", r)).append(" |\n");
            html.append("<tr>");
            for (int i = 0; i < r.length; i++) {
                html.append(i == 0 ? "<td>" : "<td class=\"n\">").append(esc(r[i])).append("</td>");
            }
            html.append("</tr>\n");
        }
        md.append('\n');
        html.append("</table>\n");
    }

    private void image(String relative, String alt) {
        Path png = folder.file(relative);
        if (!Files.isRegularFile(png)) {
            return;
        }
        md.append("![").append(alt).append("](").append(relative).append(")\n\n");
        try {
            html.append("<img alt=\"").append(esc(alt)).append("\" src=\"data:image/png;base64,")
                    .append(Base64.getEncoder().encodeToString(Files.readAllBytes(png))).append("\">\n");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
