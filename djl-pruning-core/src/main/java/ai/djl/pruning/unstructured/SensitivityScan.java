package ai.djl.pruning.unstructured;

import ai.djl.pruning.nn.ParameterWrites;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import com.google.common.base.Preconditions;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Sensitivity scan: for each prunable tensor and each sparsity of a grid, prune that tensor alone by
 * magnitude, evaluate, and restore it bit-exactly from an in-memory copy (no reload). The block is
 * left as it was, also when the evaluation throws.
 *
 * <pre>{@code
 * SensitivityResult r = SensitivityScan.builder().build()
 *         .run(net, b -> AccuracyEvaluation.evaluate(b, subset).percent(), "first 1000 test images");
 * }</pre>
 */
public final class SensitivityScan {

    /** Measures a block's accuracy in percent. */
    @FunctionalInterface
    public interface Evaluator {
        /**
         * Evaluates the block as it is now.
         *
         * @param block the (partly pruned) block
         * @return accuracy in percent
         * @throws Exception if evaluation fails
         */
        double evaluate(Block block) throws Exception;
    }

    private final double[] sparsities;
    private final String pattern;
    private final Consumer<String> progress;

    private SensitivityScan(Builder b) {
        this.sparsities = b.sparsities;
        this.pattern = b.pattern;
        this.progress = b.progress;
    }

    /** @return a builder (grid 0.4, 0.5, …, 0.9; every conv/linear weight) */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Runs the scan.
     *
     * @param block an initialised block
     * @param evaluator measures accuracy
     * @param evaluatedOn a description of the evaluation data, kept in the result
     * @return the curves
     * @throws Exception if an evaluation fails (the block is restored first)
     */
    public SensitivityResult run(Block block, Evaluator evaluator, String evaluatedOn) throws Exception {
        Map<String, Parameter> params = PrunableParameters.select(block, pattern);
        MagnitudePruner pruner = MagnitudePruner.builder().build();
        double dense = evaluator.evaluate(block);
        Map<String, double[]> curves = new LinkedHashMap<>();
        Map<String, Long> sizes = new LinkedHashMap<>();
        int done = 0;
        long start = System.nanoTime();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            NDArray weight = e.getValue().getArray();
            sizes.put(e.getKey(), weight.size());
            double[] acc = new double[sparsities.length];
            try (NDManager scratch = weight.getManager().newSubManager()) {
                NDArray original = weight.duplicate();
                original.attach(scratch);
                try {
                    for (int i = 0; i < sparsities.length; i++) {
                        pruner.masks(block, SparsityPlan.of(Map.of(e.getKey(), sparsities[i]))).apply(block);
                        acc[i] = evaluator.evaluate(block);
                        ParameterWrites.set(weight, new NDIndex("..."), original);
                    }
                } finally {
                    ParameterWrites.set(weight, new NDIndex("..."), original);
                }
            }
            curves.put(e.getKey(), acc);
            done++;
            progress.accept(String.format(Locale.ROOT, "[%d/%d] %s %s → %s (%.0f s)", done, params.size(),
                    e.getKey(), Arrays.toString(sparsities), format(acc), (System.nanoTime() - start) / 1e9));
        }
        return new SensitivityResult(dense, sparsities, curves, sizes, evaluatedOn);
    }

    private static String format(double[] acc) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < acc.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.2f", acc[i]));
        }
        return sb.append(']').toString();
    }

    /** Options of a {@link SensitivityScan}. */
    public static final class Builder {
        private double[] sparsities = {0.4, 0.5, 0.6, 0.7, 0.8, 0.9};
        private String pattern;
        private Consumer<String> progress = s -> { };

        private Builder() {}

        /**
         * Sets the sparsity grid; default 0.4 … 0.9 in steps of 0.1.
         *
         * @param sparsities values in [0, 1]
         * @return this builder
         */
        public Builder optSparsities(double... sparsities) {
            Preconditions.checkArgument(sparsities.length > 0, "empty sparsity grid");
            for (double s : sparsities) {
                Preconditions.checkArgument(s >= 0 && s <= 1, "sparsity must be in [0, 1], got %s", s);
            }
            this.sparsities = sparsities.clone();
            return this;
        }

        /**
         * Scans only tensors whose DJL path or PyTorch-style name matches a regular expression.
         *
         * @param pattern the expression
         * @return this builder
         */
        public Builder optPattern(String pattern) {
            this.pattern = pattern;
            return this;
        }

        /**
         * Receives one line per scanned tensor.
         *
         * @param progress the consumer, e.g. {@code System.out::println}
         * @return this builder
         */
        public Builder optProgress(Consumer<String> progress) {
            this.progress = Preconditions.checkNotNull(progress, "progress");
            return this;
        }

        /** @return the scan */
        public SensitivityScan build() {
            return new SensitivityScan(this);
        }
    }
}
