package ai.djl.pruning.analysis;

import com.google.common.base.Preconditions;

/**
 * Top-1 accuracy as counts, so results compare exactly with other tools' counts.
 *
 * @param correct images whose highest logit is their label
 * @param total images evaluated
 */
public record AccuracyResult(long correct, long total) {

    /** Checks the counts. */
    public AccuracyResult {
        Preconditions.checkArgument(total >= 0 && correct >= 0 && correct <= total,
                "invalid counts: %s correct of %s", correct, total);
    }

    /** @return correct / total in percent (NaN for no images) */
    public double percent() {
        return total == 0 ? Double.NaN : 100.0 * correct / total;
    }

    @Override
    public String toString() {
        return String.format("%.2f%% (%d/%d)", percent(), correct, total);
    }
}
