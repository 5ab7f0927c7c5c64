package ai.djl.pruning.examples.pipeline;

import ai.djl.pruning.analysis.AccuracyResult;
import ai.djl.pruning.analysis.CompressionReport;
import ai.djl.pruning.analysis.LayerProfile;
import ai.djl.pruning.analysis.ModelProfile;
import ai.djl.pruning.examples.train.EpochRecord;
import ai.djl.pruning.unstructured.SensitivityResult;
import ai.djl.pruning.unstructured.SparsityPlan;
import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a pipeline run measured, step by step; the report is written from this value alone. Fields of
 * steps the pipeline does not have are empty.
 *
 * @param spec the pipeline
 * @param folder its output folder
 * @param originalAccuracy the model as loaded (profile step)
 * @param scan the sensitivity scan, or {@code null}
 * @param sparsityPlan the fine-grained plan, or {@code null}
 * @param prunedAccuracy right after pruning, before fine-tuning
 * @param variants every model state measured: original, each pruning criterion, fine-tuned
 * @param history fine-tuning epochs
 * @param measurement original vs compressed
 * @param layers per-layer comparison
 * @param seconds wall time of this invocation
 */
public record RunSummary(
        PipelineSpec spec,
        RunFolder folder,
        Optional<AccuracyResult> originalAccuracy,
        SensitivityResult scan,
        SparsityPlan sparsityPlan,
        Optional<AccuracyResult> prunedAccuracy,
        ImmutableList<Variant> variants,
        ImmutableList<EpochRecord> history,
        Optional<Measurement> measurement,
        ImmutableList<LayerRow> layers,
        double seconds) {

    /**
     * One model state on the accuracy-vs-cost plane.
     *
     * @param name what it is
     * @param macs MACs (effective MACs, zeros skipped, for fine-grained sparsity), or -1 when the model has
     *     blocks of unknown cost (an opaque TorchScript graph)
     * @param params nonzero parameters
     * @param accuracy top-1 in percent on the pipeline's test images
     */
    public record Variant(String name, long macs, long params, double accuracy) {

        /**
         * A variant measured by a profile.
         *
         * @param name what it is
         * @param profile its profile
         * @param effective count effective MACs (zeros skipped) instead of dense ones
         * @param accuracy top-1 in percent
         * @return the variant
         */
        static Variant of(String name, ModelProfile profile, boolean effective, double accuracy) {
            long macs = !profile.macsKnown() ? -1 : effective ? profile.effectiveMacs() : profile.macs();
            return new Variant(name, macs, profile.nonzeroParams(), accuracy);
        }
    }

    /**
     * Original vs compressed, as the rows of a {@link CompressionReport}.
     *
     * @param rows the rows
     */
    public record Measurement(List<CompressionReport.Row> rows) {

        static Measurement of(ModelProfile before, ModelProfile after, AccuracyResult accBefore, AccuracyResult accAfter,
                double latencyBefore, double latencyAfter) {
            CompressionReport.Builder b = CompressionReport.builder().addProfiles(before, after, 32)
                    .addAccuracy(accBefore.percent(), accAfter.percent());
            if (Double.isFinite(latencyBefore) && Double.isFinite(latencyAfter)) {
                b.addLatency(latencyBefore, latencyAfter);
            }
            return new Measurement(b.build().rows());
        }

        /** @return the rows as a report */
        public CompressionReport report() {
            CompressionReport.Builder b = CompressionReport.builder();
            rows.forEach(r -> b.add(r.metric(), r.original(), r.compressed(), r.higherIsBetter()));
            return b.build();
        }
    }

    /**
     * One layer with parameters, before and after compression.
     *
     * @param path DJL path
     * @param type layer type
     * @param originalShape output shape before (channel pruning narrows it)
     * @param compressedShape output shape after
     * @param originalParams parameters before
     * @param compressedParams parameters after
     * @param nonzeroParams nonzero parameters after
     */
    public record LayerRow(String path, String type, String originalShape, String compressedShape, long originalParams,
            long compressedParams, long nonzeroParams) {

        /** @return the fraction of the compressed layer's parameters that are zero */
        public double sparsity() {
            return compressedParams == 0 ? 0 : 1 - (double) nonzeroParams / compressedParams;
        }

        /**
         * Pairs the layers with parameters of two profiles by path.
         *
         * @param before the original's profile
         * @param after the compressed model's profile
         * @param names parameter path to PyTorch-style name, for display
         * @return one row per layer present in both
         */
        static List<LayerRow> compare(ModelProfile before, ModelProfile after, Map<String, String> names) {
            Map<String, LayerProfile> a = new LinkedHashMap<>();
            after.layers().forEach(l -> a.put(l.path(), l));
            List<LayerRow> rows = new ArrayList<>();
            for (LayerProfile b : before.layers()) {
                LayerProfile c = a.get(b.path());
                if (b.params() > 0 && c != null) {
                    String weight = names.getOrDefault(b.path() + "_weight", names.get(b.path() + "_gamma"));
                    rows.add(new LayerRow(weight == null ? b.path() : weight.replaceAll("\\.weight$", ""), b.type(),
                            b.outputShape().toString(), c.outputShape().toString(),
                            b.params(), c.params(), c.nonzeroParams()));
                }
            }
            return rows;
        }
    }

    static Builder builder(PipelineSpec spec, RunFolder folder) {
        return new Builder(spec, folder);
    }

    /** Collects a run's results as its steps finish. */
    static final class Builder {
        private final PipelineSpec spec;
        private final RunFolder folder;
        private ModelProfile original;
        private AccuracyResult originalAccuracy;
        private SensitivityResult scan;
        private SparsityPlan plan;
        private AccuracyResult prunedAccuracy;
        private final List<Variant> variants = new ArrayList<>();
        private List<EpochRecord> history = List.of();
        private Measurement measurement;
        private List<LayerRow> layers = List.of();
        private double seconds;

        private Builder(PipelineSpec spec, RunFolder folder) {
            this.spec = spec;
            this.folder = folder;
        }

        Builder original(ModelProfile profile) {
            this.original = profile;
            return this;
        }

        Optional<AccuracyResult> originalAccuracy() {
            return Optional.ofNullable(originalAccuracy);
        }

        Builder originalAccuracy(AccuracyResult a) {
            this.originalAccuracy = a;
            return this;
        }

        Builder scan(SensitivityResult s) {
            this.scan = s;
            return this;
        }

        Builder sparsityPlan(SparsityPlan p) {
            this.plan = p;
            return this;
        }

        Builder prunedAccuracy(AccuracyResult a) {
            this.prunedAccuracy = a;
            return this;
        }

        Builder addVariant(Variant v) {
            variants.add(v);
            return this;
        }

        Builder history(List<EpochRecord> h) {
            this.history = h;
            return this;
        }

        Builder measurement(Measurement m) {
            this.measurement = m;
            return this;
        }

        Builder layers(List<LayerRow> rows) {
            this.layers = rows;
            return this;
        }

        Builder seconds(double s) {
            this.seconds = s;
            return this;
        }

        RunSummary build() {
            List<Variant> all = new ArrayList<>();
            if (original != null && originalAccuracy != null) {
                all.add(Variant.of("original", original, false, originalAccuracy.percent()));
            }
            all.addAll(variants);
            return new RunSummary(spec, folder, Optional.ofNullable(originalAccuracy), scan, plan,
                    Optional.ofNullable(prunedAccuracy), ImmutableList.copyOf(all), ImmutableList.copyOf(history),
                    Optional.ofNullable(measurement), ImmutableList.copyOf(layers), seconds);
        }
    }
}
