package ai.djl.pruning.structured;

import com.google.common.base.Preconditions;
import java.util.Arrays;
import java.util.Comparator;

/**
 * FPGM (He et al. 2019): per layer, a filter's score is the sum of Euclidean distances to all other
 * filters of the layer; filters near the geometric median (small sums) are the most replaceable and go
 * first.
 *
 * <p>With a norm share s (the reference code's two rates), the {@code round(s · n)} filters of smallest
 * L2 norm rank below all others, and the distances are measured among the remaining filters only: a
 * plan that removes a fraction r ≥ s then removes s by norm and r − s by distance.
 */
public final class FpgmImportance implements LayerImportance {

    private final double normShare;

    /** Plain FPGM. */
    public FpgmImportance() {
        this(0);
    }

    /**
     * @param normShare fraction of each layer's filters ranked first by smallest L2 norm, in [0, 1)
     */
    public FpgmImportance(double normShare) {
        Preconditions.checkArgument(normShare >= 0 && normShare < 1,
                "norm share must be in [0, 1), got %s", normShare);
        this.normShare = normShare;
    }

    @Override
    public double[] score(LayerChannels layer) {
        if (!layer.role().hasFilters()) {
            return null;
        }
        float[][] rows = LayerParameters.filters(layer);
        int n = rows.length;
        boolean[] byNorm = new boolean[n];
        double[] norms = new double[n];
        for (int i = 0; i < n; i++) {
            for (float v : rows[i]) {
                norms[i] += (double) v * v;
            }
        }
        int normCount = (int) Math.round(normShare * n);
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingDouble(i -> norms[i]));
        for (int i = 0; i < normCount; i++) {
            byNorm[order[i]] = true;
        }
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                if (byNorm[i] || byNorm[j]) {
                    continue;
                }
                double d = 0;
                for (int k = 0; k < rows[i].length; k++) {
                    double diff = rows[i][k] - rows[j][k];
                    d += diff * diff;
                }
                out[i] += Math.sqrt(d);
                out[j] += Math.sqrt(d);
            }
        }
        double below = -1 - Arrays.stream(norms).map(Math::sqrt).max().orElse(0);
        for (int i = 0; i < n; i++) {
            if (byNorm[i]) {
                out[i] = below + Math.sqrt(norms[i]); // below every distance sum, smallest norm lowest
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return normShare > 0 ? "fpgm(norm share " + normShare + ")" : "fpgm";
    }
}
