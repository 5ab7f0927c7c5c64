package ai.djl.pruning.training;

import ai.djl.Model;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pruning.unstructured.PrunableParameters;
import ai.djl.pruning.unstructured.PruningMasks;
import ai.djl.training.listener.TrainingListener;
import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Lottery tickets by iterative magnitude pruning (Frankle &amp; Carbin 2019): train; prune a fraction p of
 * the <em>surviving</em> weights by magnitude (one threshold over all prunable tensors, or one per
 * tensor); rewind the survivors to θ₀, or to θ_k after k steps (late rewinding); retrain with the masks
 * held; repeat. After round r the prunable tensors are 1 − (1 − p)^r sparse.
 *
 * <pre>{@code
 * LotteryTicket imp = LotteryTicket.builder().optRate(0.5).optRounds(3).optRewindStep(0).build();
 * List<LotteryTicket.Round> rounds = imp.run(model, (m, masks, round, listeners) -> {
 *     // train m for this round holding masks (MaskedOptimizer), with the listeners installed
 * });
 * }</pre>
 *
 * <p>The controls (random re-initialisation, sign-only, random signs, shuffled, supermask) start from the
 * same masks with other values: {@link #reset} with a {@link TicketInit}.
 */
public final class LotteryTicket {

    /** Whether one magnitude threshold covers all prunable tensors or each tensor has its own. */
    public enum Scope {
        GLOBAL,
        LAYERWISE
    }

    /**
     * The caller's training of one round.
     */
    @FunctionalInterface
    public interface RoundTraining {
        /**
         * Trains the model's block, holding the masks exactly (for example with {@code MaskedOptimizer}).
         *
         * @param model the model
         * @param masks the masks (empty in round 0, the dense network)
         * @param round 0 for the dense network, then 1, 2, ...
         * @param listeners listeners to install for this round (the rewind capture in round 0)
         * @throws Exception on training errors
         */
        void train(Model model, PruningMasks masks, int round, List<TrainingListener> listeners) throws Exception;
    }

    /**
     * One round's result.
     *
     * @param round 1-based round
     * @param masks the masks the round trained with
     * @param sparsity their sparsity over the prunable tensors
     */
    public record Round(int round, PruningMasks masks, double sparsity) {}

    private final double rate;
    private final int rounds;
    private final Scope scope;
    private final String prunable;
    private final long rewindStep;

    private LotteryTicket(Builder b) {
        this.rate = b.rate;
        this.rounds = b.rounds;
        this.scope = b.scope;
        this.prunable = b.prunable;
        this.rewindStep = b.rewindStep;
    }

    /** @return a builder (20 % per round, 3 rounds, global, all conv and linear weights, rewind to θ₀) */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the fraction of surviving weights pruned per round */
    public double rate() {
        return rate;
    }

    /** @return the number of pruning rounds */
    public int rounds() {
        return rounds;
    }

    /** @return k of the rewind point θ_k (0: θ₀) */
    public long rewindStep() {
        return rewindStep;
    }

    /**
     * Returns the sparsity of the prunable tensors after a round: 1 − (1 − p)^round.
     *
     * @param round the round, 0 for dense
     * @return the sparsity
     */
    public double sparsityAfter(int round) {
        return 1 - Math.pow(1 - rate, round);
    }

    /**
     * Returns the tensors this pruner prunes.
     *
     * @param block an initialised block
     * @return their DJL paths
     */
    public List<String> prunablePaths(Block block) {
        return ImmutableList.copyOf(PrunableParameters.select(block, prunable).keySet());
    }

    /**
     * Prunes the rate of the surviving weights by magnitude; weights the current masks removed stay
     * removed whatever their value. The block is not changed.
     *
     * @param block the trained block
     * @param current the masks held so far (empty: dense)
     * @return the masks of the next round
     */
    public PruningMasks nextMasks(Block block, PruningMasks current) {
        Preconditions.checkNotNull(current, "current masks");
        Map<String, float[]> values = new LinkedHashMap<>();
        Map<String, BitSet> alive = new LinkedHashMap<>();
        Map<String, Parameter> params = PrunableParameters.select(block, prunable);
        params.forEach((path, p) -> {
            float[] w = p.getArray().toFloatArray();
            for (float v : w) {
                Preconditions.checkArgument(Float.isFinite(v), "parameter %s holds NaN or infinite values", path);
            }
            values.put(path, w);
            PruningMasks.Mask m = current.masks().get(path);
            BitSet kept = new BitSet(w.length);
            if (m == null) {
                kept.set(0, w.length);
            } else {
                Preconditions.checkArgument(m.shape().equals(p.getArray().getShape()),
                        "mask of %s has shape %s, the parameter %s", path, m.shape(), p.getArray().getShape());
                kept.or(m.kept());
            }
            alive.put(path, kept);
        });
        Map<String, PruningMasks.Mask> out = new LinkedHashMap<>();
        if (scope == Scope.GLOBAL) {
            float threshold = threshold(values.keySet(), values, alive);
            values.forEach((path, w) -> out.put(path, keep(params.get(path), w, alive.get(path), threshold)));
        } else {
            values.forEach((path, w) -> out.put(path, keep(params.get(path), w, alive.get(path),
                    threshold(List.of(path), values, alive))));
        }
        return PruningMasks.of(out);
    }

    /** The k-th smallest surviving |w|, k = round(rate · survivors); -1 when nothing is pruned. */
    private float threshold(Iterable<String> paths, Map<String, float[]> values, Map<String, BitSet> alive) {
        int n = 0;
        for (String p : paths) {
            n += alive.get(p).cardinality();
        }
        float[] abs = new float[n];
        int at = 0;
        for (String p : paths) {
            float[] w = values.get(p);
            BitSet kept = alive.get(p);
            for (int i = kept.nextSetBit(0); i >= 0; i = kept.nextSetBit(i + 1)) {
                abs[at++] = Math.abs(w[i]);
            }
        }
        long k = Math.round(rate * n);
        if (k == 0) {
            return -1f;
        }
        Arrays.sort(abs);
        return abs[(int) k - 1];
    }

    private static PruningMasks.Mask keep(Parameter p, float[] w, BitSet alive, float threshold) {
        BitSet kept = new BitSet(w.length);
        for (int i = alive.nextSetBit(0); i >= 0; i = alive.nextSetBit(i + 1)) {
            if (Math.abs(w[i]) > threshold) {
                kept.set(i);
            }
        }
        return new PruningMasks.Mask(p.getArray().getShape(), kept);
    }

    /**
     * Sets the block to a ticket's starting point: the values the mode computes from the rewind point (and
     * the fresh initialisation for {@link TicketInit#RANDOM_REINIT}), pruned positions zero.
     *
     * @param block the block
     * @param masks the ticket's masks
     * @param init the mode
     * @param rewindPoint θ₀ or θ_k
     * @param fresh a fresh initialisation of the same network, or null unless the mode is RANDOM_REINIT
     * @param seed seed of random signs and permutations
     */
    public static void reset(Block block, PruningMasks masks, TicketInit init, WeightSnapshot rewindPoint,
            WeightSnapshot fresh, long seed) {
        masks.validate(block);
        init.values(masks, rewindPoint, fresh, seed).restore(block);
    }

    /**
     * Runs iterative magnitude pruning with rewinding: the dense round 0 (capturing θ_k), then each round
     * prunes, rewinds the survivors and retrains. The model's block ends as the last round's ticket,
     * trained.
     *
     * @param model a model with an initialised, untrained block (its values are θ₀)
     * @param training the caller's training of one round
     * @return each pruning round's masks
     * @throws Exception from the training
     */
    public List<Round> run(Model model, RoundTraining training) throws Exception {
        Block block = model.getBlock();
        prunablePaths(block); // fails early on a pattern that selects nothing
        RewindCapture capture = new RewindCapture(block, rewindStep, null);
        training.train(model, PruningMasks.of(Map.of()), 0, List.of(capture));
        WeightSnapshot rewindPoint = capture.snapshot().orElseThrow(() -> new IllegalStateException(
                "round 0 trained fewer than the rewind step's " + rewindStep + " steps"));
        List<Round> out = new ArrayList<>();
        PruningMasks masks = PruningMasks.of(Map.of());
        for (int r = 1; r <= rounds; r++) {
            masks = nextMasks(block, masks);
            reset(block, masks, TicketInit.REWIND, rewindPoint, null, 0);
            training.train(model, masks, r, List.of());
            out.add(new Round(r, masks, masks.sparsity()));
        }
        return out;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "LotteryTicket(%d rounds of %.1f%%, %s, rewind to θ_%d%s)", rounds,
                100 * rate, scope.name().toLowerCase(Locale.ROOT), rewindStep,
                prunable == null ? "" : ", tensors matching '" + prunable + "'");
    }

    /** Options of a {@link LotteryTicket}. */
    public static final class Builder {
        private double rate = 0.2;
        private int rounds = 3;
        private Scope scope = Scope.GLOBAL;
        private String prunable;
        private long rewindStep;

        private Builder() {}

        /**
         * Sets the fraction of the surviving weights pruned per round; default 0.2.
         *
         * @param rate in (0, 1)
         * @return this builder
         */
        public Builder optRate(double rate) {
            Preconditions.checkArgument(rate > 0 && rate < 1, "pruning rate per round must be in (0, 1), got %s", rate);
            this.rate = rate;
            return this;
        }

        /**
         * Sets the number of pruning rounds; default 3.
         *
         * @param rounds at least 1
         * @return this builder
         */
        public Builder optRounds(int rounds) {
            Preconditions.checkArgument(rounds >= 1, "rounds must be at least 1, got %s", rounds);
            this.rounds = rounds;
            return this;
        }

        /**
         * Sets whether one threshold covers all prunable tensors; default global.
         *
         * @param scope the scope
         * @return this builder
         */
        public Builder optScope(Scope scope) {
            this.scope = Preconditions.checkNotNull(scope, "scope");
            return this;
        }

        /**
         * Restricts pruning to the conv/linear weights whose DJL path or PyTorch-style name matches a regular
         * expression; default all of them.
         *
         * @param pattern the expression
         * @return this builder
         */
        public Builder optPrunable(String pattern) {
            this.prunable = pattern;
            return this;
        }

        /**
         * Sets k: survivors rewind to their values after k training steps of round 0; default 0 (θ₀).
         *
         * @param step at least 0
         * @return this builder
         */
        public Builder optRewindStep(long step) {
            Preconditions.checkArgument(step >= 0, "rewind step must be >= 0, got %s", step);
            this.rewindStep = step;
            return this;
        }

        /** @return the pipeline */
        public LotteryTicket build() {
            return new LotteryTicket(this);
        }
    }
}
