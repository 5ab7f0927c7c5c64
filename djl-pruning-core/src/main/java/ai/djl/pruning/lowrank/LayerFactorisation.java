package ai.djl.pruning.lowrank;

import java.util.Locale;

/**
 * One layer's entry in a {@link LowRankPlan}: its chosen rank, the relative error of the truncated
 * weight and its cost before and after.
 *
 * @param path the layer's DJL path
 * @param type {@code Conv2d} or {@code Linear}
 * @param rows N, the output channels/features (rows of the reshaped weight)
 * @param columns C·k·k or the input features (columns of the reshaped weight)
 * @param rank r, the rank kept (the full rank {@code min(rows, columns)} when not factorised)
 * @param factorised whether the layer is replaced by two factors
 * @param relativeError {@code ‖W − W_r‖_F / ‖W‖_F = sqrt(Σ_{i>r} σ_i² / Σ σ_i²)} (0 when not factorised)
 * @param paramsBefore trainable parameters of the layer (weight and bias)
 * @param paramsAfter parameters of the factors ({@code r·columns + rows·r}, + bias), or paramsBefore
 * @param macsBefore MACs of the layer for the profiled input
 * @param macsAfter MACs of the factors, or macsBefore
 */
public record LayerFactorisation(String path, String type, long rows, long columns, int rank, boolean factorised,
        double relativeError, long paramsBefore, long paramsAfter, long macsBefore, long macsAfter) {

    /** @return min(rows, columns) */
    public int fullRank() {
        return (int) Math.min(rows, columns);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s %s %dx%d rank %d/%d%s error %.4f params %,d→%,d MACs %,d→%,d", path, type,
                rows, columns, rank, fullRank(), factorised ? "" : " (kept)", relativeError, paramsBefore, paramsAfter,
                macsBefore, macsAfter);
    }
}
