package ai.djl.pruning.unstructured;

import com.google.common.base.Preconditions;

/**
 * How far along the way to its final sparsity a tensor is at an epoch: {@code s(t) = s_final ·
 * fraction(t)}. Epoch 0 is before training; the listener asks again after each epoch.
 */
@FunctionalInterface
public interface PruningSchedule {

    /**
     * Returns the fraction of the final sparsity to reach after {@code epoch} epochs.
     *
     * @param epoch epochs completed (0 = before training)
     * @return a value in [0, 1]
     */
    double fraction(int epoch);

    /** @return prune to the final sparsity at once, before training */
    static PruningSchedule oneShot() {
        return epoch -> 1.0;
    }

    /**
     * Automated gradual pruning (Zhu &amp; Gupta 2017) from sparsity 0:
     * {@code s_t = s_f (1 − (1 − (t − t0)/(nΔt))³)} for t0 ≤ t ≤ t0 + nΔt.
     *
     * @param startEpoch t0, the first pruning step
     * @param steps n, the number of pruning steps
     * @param epochsPerStep Δt
     * @return the schedule
     */
    static PruningSchedule agp(int startEpoch, int steps, int epochsPerStep) {
        Preconditions.checkArgument(startEpoch >= 0 && steps > 0 && epochsPerStep > 0, "invalid AGP schedule");
        return epoch -> {
            if (epoch < startEpoch) {
                return 0;
            }
            double progress = Math.min(1.0, (double) (epoch - startEpoch) / ((long) steps * epochsPerStep));
            return 1 - Math.pow(1 - progress, 3);
        };
    }

    /**
     * Iterative pruning: every {@code epochsPerRound} epochs another {@code fraction} of the sparsity
     * still missing is added, reaching the final sparsity after {@code rounds} rounds.
     *
     * @param rounds number of pruning rounds
     * @param epochsPerRound epochs of training between rounds
     * @return the schedule
     */
    static PruningSchedule iterative(int rounds, int epochsPerRound) {
        Preconditions.checkArgument(rounds > 0 && epochsPerRound > 0, "invalid iterative schedule");
        return epoch -> Math.min(1.0, (double) (epoch / epochsPerRound + 1) / rounds);
    }
}
