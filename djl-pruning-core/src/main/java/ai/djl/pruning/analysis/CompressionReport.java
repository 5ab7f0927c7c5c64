package ai.djl.pruning.analysis;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.Locale;

/**
 * The Original / Compressed / Ratio table of a compression result: latency, MACs, parameters, size and
 * accuracy, as text, Markdown or JSON. For costs the ratio is original / compressed (how many times
 * smaller or faster); for accuracy it is the change in points.
 *
 * <pre>{@code
 * CompressionReport r = CompressionReport.builder()
 *         .addProfiles(denseProfile, prunedProfile, 32)
 *         .addLatency(denseLatency.medianMs(), prunedLatency.medianMs())
 *         .addAccuracy(93.39, 92.80)
 *         .build();
 * System.out.println(r.toText());
 * }</pre>
 */
public final class CompressionReport {

    /**
     * One row of the table.
     *
     * @param metric what is measured, with its unit
     * @param original the original model's value
     * @param compressed the compressed model's value
     * @param higherIsBetter true for accuracy (ratio shown as a difference)
     */
    public record Row(String metric, double original, double compressed, boolean higherIsBetter) {

        /** @return original / compressed for costs, compressed − original for accuracy */
        public double ratio() {
            return higherIsBetter ? compressed - original : original / compressed;
        }

        /** @return the ratio as shown in tables ({@code 1.98×} or {@code -0.41 pt}) */
        public String ratioText() {
            return higherIsBetter
                    ? String.format(Locale.ROOT, "%+.2f pt", ratio())
                    : String.format(Locale.ROOT, "%.2f×", ratio());
        }
    }

    private final ImmutableList<Row> rows;

    private CompressionReport(ImmutableList<Row> rows) {
        this.rows = rows;
    }

    /** @return a new builder */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the rows in order */
    public ImmutableList<Row> rows() {
        return rows;
    }

    /** @return an aligned plain-text table */
    public String toText() {
        StringBuilder sb = new StringBuilder();
        String f = "%-26s %14s %14s %12s%n";
        sb.append(String.format(Locale.ROOT, f, "", "Original", "Compressed", "Ratio"));
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, f, r.metric(), value(r.original()), value(r.compressed()), r.ratioText()));
        }
        return sb.toString();
    }

    /** @return a Markdown table */
    public String toMarkdown() {
        StringBuilder sb = new StringBuilder("| | Original | Compressed | Ratio |\n|---|---:|---:|---:|\n");
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s |%n", r.metric(), value(r.original()),
                    value(r.compressed()), r.ratioText()));
        }
        return sb.toString();
    }

    /** @return the rows as JSON */
    public String toJson() {
        JsonArray array = new JsonArray();
        for (Row r : rows) {
            JsonObject o = new JsonObject();
            o.addProperty("metric", r.metric());
            o.addProperty("original", r.original());
            o.addProperty("compressed", r.compressed());
            o.addProperty(r.higherIsBetter() ? "difference" : "ratio", r.ratio());
            array.add(o);
        }
        JsonObject root = new JsonObject();
        root.add("rows", array);
        return new GsonBuilder().setPrettyPrinting().create().toJson(root);
    }

    @Override
    public String toString() {
        return toText();
    }

    private static String value(double v) {
        if (v == Math.rint(v) && Math.abs(v) >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }

    /** Collects the rows of a {@link CompressionReport}. */
    public static final class Builder {
        private final ImmutableList.Builder<Row> rows = ImmutableList.builder();

        private Builder() {}

        /**
         * Adds a latency row.
         *
         * @param originalMs original median latency
         * @param compressedMs compressed median latency
         * @return this builder
         */
        public Builder addLatency(double originalMs, double compressedMs) {
            return add("Latency (ms)", originalMs, compressedMs, false);
        }

        /**
         * Adds MACs, parameter and size rows from two profiles; no MAC rows when either profile has blocks
         * of unknown cost.
         *
         * @param original the original model's profile
         * @param compressed the compressed model's profile
         * @param bitWidth bits per stored parameter for the size rows
         * @return this builder
         */
        public Builder addProfiles(ModelProfile original, ModelProfile compressed, int bitWidth) {
            Preconditions.checkArgument(original.convention() == compressed.convention(),
                    "profiles use different MAC conventions: %s vs %s", original.convention(), compressed.convention());
            // A profile with blocks of unknown cost has only a lower bound of MACs (0 for an opaque TorchScript
            // graph): a ratio of lower bounds would read like a measurement, so there is no MAC row then.
            if (original.macsKnown() && compressed.macsKnown()) {
                add("MACs (M)", original.macs() / 1e6, compressed.macs() / 1e6, false);
                if (compressed.effectiveMacs() != compressed.macs() || original.effectiveMacs() != original.macs()) {
                    add("Effective MACs (M)", original.effectiveMacs() / 1e6, compressed.effectiveMacs() / 1e6, false);
                }
            }
            add("Params (M)", original.params() / 1e6, compressed.params() / 1e6, false);
            add("Nonzero params (M)", original.nonzeroParams() / 1e6, compressed.nonzeroParams() / 1e6, false);
            add("Size (MiB, " + bitWidth + "-bit)", original.sizeBytes(bitWidth) / 1048576.0,
                    compressed.sizeBytes(bitWidth) / 1048576.0, false);
            return add("Nonzero size (MiB, " + bitWidth + "-bit)", original.nonzeroSizeBytes(bitWidth) / 1048576.0,
                    compressed.nonzeroSizeBytes(bitWidth) / 1048576.0, false);
        }

        /**
         * Adds an accuracy row.
         *
         * @param originalPercent original top-1 in percent
         * @param compressedPercent compressed top-1 in percent
         * @return this builder
         */
        public Builder addAccuracy(double originalPercent, double compressedPercent) {
            return add("Accuracy (%)", originalPercent, compressedPercent, true);
        }

        /**
         * Adds any row.
         *
         * @param metric name and unit
         * @param original original value
         * @param compressed compressed value
         * @param higherIsBetter true to show a difference instead of a ratio
         * @return this builder
         */
        public Builder add(String metric, double original, double compressed, boolean higherIsBetter) {
            Preconditions.checkArgument(Double.isFinite(original) && Double.isFinite(compressed),
                    "%s: values must be finite, got %s and %s", metric, original, compressed);
            rows.add(new Row(metric, original, compressed, higherIsBetter));
            return this;
        }

        /** @return the report */
        public CompressionReport build() {
            return new CompressionReport(rows.build());
        }
    }
}
