/**
 * Low-rank factorisation (the acceleration lecture's SVD): a Linear weight {@code W ≈ U_r Σ_r V_rᵀ}
 * becomes two Linear layers (r units, then the original outputs), a k×k convolution C→N becomes a k×k
 * convolution with r filters followed by a 1×1 convolution r→N (W reshaped to N×(C·k·k)). Ranks come
 * from an energy threshold, a global parameter/MAC budget or per layer ({@link
 * ai.djl.pruning.lowrank.RankSelection}); {@link ai.djl.pruning.lowrank.LowRankFactorizer#plan} returns a
 * printable {@link ai.djl.pruning.lowrank.LowRankPlan} (rank, relative error, cost before/after) and
 * {@link ai.djl.pruning.lowrank.LowRankFactorizer#apply} builds a new block, the original untouched.
 */
package ai.djl.pruning.lowrank;
