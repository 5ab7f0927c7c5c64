package ai.djl.pruning.unstructured;

import com.google.common.base.Preconditions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Chooses per-tensor sparsities from sensitivity curves to meet a size budget with the least
 * predicted accuracy loss.
 *
 * <p>Each tensor may stay dense or take one of the scanned sparsities; its predicted loss there is the
 * drop of the scanned accuracy below the dense accuracy (negative drops count as zero), and losses
 * are assumed to add up. Minimising their sum subject to "nonzero parameters ≤ budget" is a
 * multiple-choice knapsack, solved exactly by dynamic programming over kept parameters counted in
 * units of {@code ceil(prunable / resolution)} (each option's kept count is rounded up, so the budget
 * is never exceeded).
 *
 * <pre>{@code
 * Allocation a = SparsityAllocator.builder().build().allocate(scan, totalParams, 0.25);
 * SparsityPlan plan = a.plan();
 * }</pre>
 */
public final class SparsityAllocator {

    private final int resolution;

    private SparsityAllocator(Builder b) {
        this.resolution = b.resolution;
    }

    /** @return a builder */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The chosen sparsities and their prediction.
     *
     * @param plan DJL path to sparsity
     * @param predictedLoss sum of the chosen options' predicted accuracy drops (points)
     * @param predictedAccuracy dense accuracy minus the predicted loss
     * @param nonzeroParams parameters kept by the plan (scanned tensors at their sparsity plus every
     *     other parameter)
     * @param budget the nonzero-parameter budget
     */
    public record Allocation(SparsityPlan plan, double predictedLoss, double predictedAccuracy, long nonzeroParams,
            long budget) {

        @Override
        public String toString() {
            return String.format(Locale.ROOT,
                    "Allocation(%d nonzero of budget %d, predicted loss %.2f pt → %.2f%%)%n%s",
                    nonzeroParams, budget, predictedLoss, predictedAccuracy, plan);
        }
    }

    /**
     * Allocates sparsities for a budget relative to the whole model.
     *
     * @param scan sensitivity curves of the prunable tensors
     * @param totalParams all trainable parameters of the model (prunable or not)
     * @param sizeFraction nonzero size allowed, as a fraction of the dense size, in (0, 1]
     * @return the allocation
     * @throws IllegalArgumentException if the budget cannot be met even at the grid's highest sparsity
     */
    public Allocation allocate(SensitivityResult scan, long totalParams, double sizeFraction) {
        Preconditions.checkArgument(sizeFraction > 0 && sizeFraction <= 1,
                "size fraction must be in (0, 1], got %s", sizeFraction);
        List<String> paths = new ArrayList<>(scan.accuracies().keySet());
        long prunable = paths.stream().mapToLong(p -> scan.sizes().get(p)).sum();
        Preconditions.checkArgument(prunable <= totalParams, "total parameters %s < scanned %s", totalParams, prunable);
        long fixed = totalParams - prunable;
        long budget = (long) Math.floor(totalParams * sizeFraction);
        long unit = Math.max(1, (prunable + resolution - 1) / resolution);
        int capacity = (int) Math.max(-1, Math.floorDiv(budget - fixed, unit));
        double[] grid = scan.sparsities().stream().mapToDouble(Double::doubleValue).toArray();

        int layers = paths.size();
        int options = grid.length + 1; // dense, then the grid
        long[][] keptUnits = new long[layers][options];
        double[][] loss = new double[layers][options];
        long minimum = 0;
        for (int l = 0; l < layers; l++) {
            long n = scan.sizes().get(paths.get(l));
            long best = Long.MAX_VALUE;
            for (int o = 0; o < options; o++) {
                double s = o == 0 ? 0 : grid[o - 1];
                keptUnits[l][o] = ceilDiv(kept(n, s), unit);
                loss[l][o] = o == 0 ? 0 : Math.max(0, scan.denseAccuracy() - scan.accuracies().get(paths.get(l)).get(o - 1));
                best = Math.min(best, keptUnits[l][o]);
            }
            minimum += best;
        }
        Preconditions.checkArgument(capacity >= minimum, "a nonzero size of %s of the dense model (%s parameters) "
                + "cannot be met within the scanned sparsities (at least %s parameters stay)", sizeFraction, budget,
                fixed + minimum * unit);

        // best[c] = least loss of the layers so far using at most c units; choice[l][c] = option taken.
        double[] best = new double[capacity + 1];
        int[][] choice = new int[layers][capacity + 1];
        double inf = Double.POSITIVE_INFINITY;
        java.util.Arrays.fill(best, 0);
        for (int l = 0; l < layers; l++) {
            double[] next = new double[capacity + 1];
            java.util.Arrays.fill(next, inf);
            for (int c = 0; c <= capacity; c++) {
                for (int o = 0; o < options; o++) {
                    long w = keptUnits[l][o];
                    if (w <= c && best[(int) (c - w)] + loss[l][o] < next[c]) {
                        next[c] = best[(int) (c - w)] + loss[l][o];
                        choice[l][c] = o;
                    }
                }
            }
            best = next;
        }
        Map<String, Double> plan = new LinkedHashMap<>();
        double[] chosen = new double[layers];
        int c = capacity;
        for (int l = layers - 1; l >= 0; l--) {
            int o = choice[l][c];
            chosen[l] = o == 0 ? 0 : grid[o - 1];
            c -= (int) keptUnits[l][o];
        }
        long nonzero = fixed;
        for (int l = 0; l < layers; l++) {
            plan.put(paths.get(l), chosen[l]);
            nonzero += kept(scan.sizes().get(paths.get(l)), chosen[l]);
        }
        double predictedLoss = best[capacity];
        return new Allocation(SparsityPlan.of(plan), predictedLoss, scan.denseAccuracy() - predictedLoss, nonzero, budget);
    }

    /** Elements kept by magnitude pruning at sparsity s (k = round(n·s) pruned, ties aside). */
    static long kept(long n, double s) {
        return n - Math.round(n * s);
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    /** Options of a {@link SparsityAllocator}. */
    public static final class Builder {
        private int resolution = 20_000;

        private Builder() {}

        /**
         * Sets how finely kept parameters are counted: the prunable total is split into this many
         * units; default 20,000 (finer is slower, never looser).
         *
         * @param resolution units
         * @return this builder
         */
        public Builder optResolution(int resolution) {
            Preconditions.checkArgument(resolution > 0, "resolution must be positive");
            this.resolution = resolution;
            return this;
        }

        /** @return the allocator */
        public SparsityAllocator build() {
            return new SparsityAllocator(this);
        }
    }
}
