package ai.djl.pruning.unstructured;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import com.google.common.base.Preconditions;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Magnitude pruning: importance |w| per element.
 *
 * <p>Per tensor with n elements and target sparsity s: k = round(n·s), threshold = the k-th smallest
 * |w| (1-based), keep |w| > threshold. Ties at the threshold are pruned too, so the achieved sparsity
 * can exceed the target slightly (as in MIT Lab 1). s = 0 keeps everything, s = 1 prunes everything.
 * Global pruning uses one threshold over all selected tensors. Optionally N:M semi-structured sparsity
 * keeps the N largest of every M consecutive weights along the input dimension (2:4 for sparse tensor
 * cores).
 *
 * <pre>{@code
 * MagnitudePruner pruner = MagnitudePruner.builder().build();
 * PruningMasks masks = pruner.masks(net, SparsityPlan.of(Map.of("01conv1_weight", 0.5)));
 * PruningMasks global = pruner.globalMasks(net, PrunableParameters.of(net).keySet(), 0.8);
 * }</pre>
 */
public final class MagnitudePruner {

    private final int n;
    private final int m;

    private MagnitudePruner(Builder b) {
        this.n = b.n;
        this.m = b.m;
    }

    /** @return a builder (plain magnitude pruning) */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Computes layer-wise masks; the block is not changed.
     *
     * @param block an initialised block
     * @param plan DJL path to sparsity (ignored for N:M, whose sparsity is 1 − N/M)
     * @return the masks
     * @throws IllegalArgumentException for an unknown path or a tensor with NaN/Inf values
     */
    public PruningMasks masks(Block block, SparsityPlan plan) {
        Map<String, PruningMasks.Mask> out = new LinkedHashMap<>();
        plan.sparsities().forEach((path, sparsity) -> {
            Parameter p = PrunableParameters.require(block, path);
            float[] w = finiteValues(path, p);
            Shape shape = p.getArray().getShape();
            out.put(path, new PruningMasks.Mask(shape, m > 0 ? nOfM(path, w, shape) : keepAbove(w, sparsity)));
        });
        return PruningMasks.of(out);
    }

    /**
     * Computes masks with one threshold over all listed tensors, for an overall sparsity.
     *
     * @param block an initialised block
     * @param paths DJL paths of the tensors pruned together
     * @param sparsity overall fraction of their elements to prune, in [0, 1]
     * @return the masks
     */
    public PruningMasks globalMasks(Block block, Collection<String> paths, double sparsity) {
        Preconditions.checkArgument(sparsity >= 0 && sparsity <= 1, "sparsity must be in [0, 1], got %s", sparsity);
        Preconditions.checkArgument(!paths.isEmpty(), "no tensor selected");
        Map<String, float[]> values = new LinkedHashMap<>();
        int total = 0;
        for (String path : paths) {
            float[] w = finiteValues(path, PrunableParameters.require(block, path));
            values.put(path, w);
            total += w.length;
        }
        float[] all = new float[total];
        int at = 0;
        for (float[] w : values.values()) {
            for (float v : w) {
                all[at++] = Math.abs(v);
            }
        }
        float threshold = threshold(all, Math.round(total * sparsity));
        Map<String, PruningMasks.Mask> out = new LinkedHashMap<>();
        values.forEach((path, w) -> out.put(path, new PruningMasks.Mask(
                PrunableParameters.require(block, path).getArray().getShape(), keepAboveThreshold(w, threshold))));
        return PruningMasks.of(out);
    }

    /**
     * Returns the k-th smallest |w| semantics applied to one tensor.
     *
     * @param w the values
     * @param sparsity the target sparsity
     * @return bit i set for kept elements
     */
    static BitSet keepAbove(float[] w, double sparsity) {
        Preconditions.checkArgument(sparsity >= 0 && sparsity <= 1, "sparsity must be in [0, 1], got %s", sparsity);
        float[] abs = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            abs[i] = Math.abs(w[i]);
        }
        return keepAboveThreshold(w, threshold(abs, Math.round(w.length * sparsity)));
    }

    /** The k-th smallest value (1-based); -1 for k = 0 so that every |w| ≥ 0 is kept. */
    private static float threshold(float[] abs, long k) {
        if (k == 0) {
            return -1f;
        }
        float[] sorted = abs.clone();
        Arrays.sort(sorted);
        return sorted[(int) Math.min(k, sorted.length) - 1];
    }

    private static BitSet keepAboveThreshold(float[] w, float threshold) {
        BitSet kept = new BitSet(w.length);
        for (int i = 0; i < w.length; i++) {
            if (Math.abs(w[i]) > threshold) {
                kept.set(i);
            }
        }
        return kept;
    }

    /** Keeps the n largest |w| of each group of m consecutive input channels (ties: lower index). */
    private BitSet nOfM(String path, float[] w, Shape shape) {
        long out = shape.get(0);
        long in = shape.get(1);
        long inner = shape.size() / (out * in); // kernel positions
        Preconditions.checkArgument(in % m == 0,
                "%s: input dimension %s is not a multiple of M = %s for %s:%s sparsity", path, in, m, n, m);
        BitSet kept = new BitSet(w.length);
        Integer[] order = new Integer[m];
        for (long o = 0; o < out; o++) {
            for (long g = 0; g < in / m; g++) {
                for (long pos = 0; pos < inner; pos++) {
                    int[] idx = new int[m];
                    for (int j = 0; j < m; j++) {
                        idx[j] = (int) ((o * in + g * m + j) * inner + pos);
                        order[j] = j;
                    }
                    Arrays.sort(order, (a, b) -> Float.compare(Math.abs(w[idx[b]]), Math.abs(w[idx[a]])));
                    for (int j = 0; j < n; j++) {
                        kept.set(idx[order[j]]);
                    }
                }
            }
        }
        return kept;
    }

    private static float[] finiteValues(String path, Parameter p) {
        float[] w = p.getArray().toFloatArray();
        for (float v : w) {
            Preconditions.checkArgument(Float.isFinite(v), "parameter %s holds NaN or infinite values", path);
        }
        return w;
    }

    /** Options of a {@link MagnitudePruner}. */
    public static final class Builder {
        private int n;
        private int m;

        private Builder() {}

        /**
         * Uses N:M semi-structured sparsity instead of per-tensor thresholds.
         *
         * @param n weights kept per group
         * @param m group size along the input dimension
         * @return this builder
         */
        public Builder optNofM(int n, int m) {
            Preconditions.checkArgument(m > 0 && n >= 0 && n <= m, "need 0 <= N <= M, M > 0; got %s:%s", n, m);
            this.n = n;
            this.m = m;
            return this;
        }

        /** @return the pruner */
        public MagnitudePruner build() {
            return new MagnitudePruner(this);
        }
    }
}
