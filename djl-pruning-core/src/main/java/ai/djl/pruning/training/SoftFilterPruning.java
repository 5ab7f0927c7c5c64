package ai.djl.pruning.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pruning.nn.ParameterWrites;
import ai.djl.pruning.structured.ChannelPruner;
import ai.djl.pruning.structured.ChannelPruningPlan;
import ai.djl.pruning.structured.Importance;
import ai.djl.pruning.structured.LayerChannels;
import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListenerAdapter;
import ai.djl.util.Pair;
import com.google.common.base.Preconditions;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * Soft filter pruning (He et al. 2018; the training mode of FPGM, He et al. 2019) as a training listener:
 * after every epoch it ranks the channels of every prunable group (L2 norm or FPGM, through {@link
 * ChannelPruner}'s plan) and zeroes the lowest-ranked ones — their filters, biases and BatchNorm γ and
 * β — but keeps training them: the optimizer does not mask them, so they may regrow and win their place
 * back at the next epoch's ranking. At the end, {@link #prune} removes the channels of the last ranking
 * for real (a new, narrower block).
 *
 * <pre>{@code
 * SoftFilterPruning sfp = SoftFilterPruning.builder(net, new Shape(1, 3, 32, 32)).optRatio(0.3)
 *         .optImportance(Importance.fpgm()).build();
 * config.addTrainingListeners(sfp);
 * EasyTrain.fit(trainer, epochs, train, test);
 * Block smaller = sfp.prune(manager);
 * }</pre>
 */
public final class SoftFilterPruning extends TrainingListenerAdapter {

    private final Block block;
    private final Shape inputShape;
    private final ChannelPruner pruner;
    private final double ratio;
    private ChannelPruningPlan last;
    private int epochs;

    private SoftFilterPruning(Builder b) {
        this.block = b.block;
        this.inputShape = b.inputShape;
        this.ratio = b.ratio;
        ChannelPruner.Builder pb = ChannelPruner.builder().optImportance(b.importance);
        if (b.protect != null) {
            pb.optProtect(b.protect);
        }
        this.pruner = pb.build();
    }

    /**
     * Starts a builder.
     *
     * @param block the trained block (initialised)
     * @param inputShape its input shape
     * @return a builder (ratio 0.3, L2 norm)
     */
    public static Builder builder(Block block, Shape inputShape) {
        return new Builder(block, inputShape);
    }

    @Override
    public void onEpoch(Trainer trainer) {
        zeroNow();
    }

    /**
     * Ranks the channels now and zeroes the lowest-ranked ones (what every epoch's end does).
     *
     * @return the plan whose channels were zeroed
     */
    public ChannelPruningPlan zeroNow() {
        ChannelPruningPlan plan = pruner.plan(block, inputShape, ratio);
        zero(plan);
        last = plan;
        epochs++;
        return plan;
    }

    /** Zeroes the filters (axis 0 of weights), biases, γ and β that the plan's channels index. */
    private void zero(ChannelPruningPlan plan) {
        for (LayerChannels l : plan.graph().layers()) {
            if (!l.role().isOutputSide() || !l.role().isSliced()) {
                continue;
            }
            int[] removed = IntStream.range(0, l.width()).filter(i -> plan.pruned().contains(l.channels()[i])).toArray();
            if (removed.length == 0) {
                continue;
            }
            for (Pair<String, Parameter> p : l.block().getDirectParameters()) {
                Parameter.Type type = p.getValue().getType();
                if (type == Parameter.Type.WEIGHT || type == Parameter.Type.BIAS || type == Parameter.Type.GAMMA
                        || type == Parameter.Type.BETA) {
                    NDArray array = p.getValue().getArray();
                    try (NDManager scope = array.getManager().newSubManager()) {
                        ParameterWrites.set(array, new NDIndex("{}", scope.create(removed)), 0f);
                    }
                }
            }
        }
    }

    /** @return the plan of the last epoch's zeroing, if an epoch ended */
    public Optional<ChannelPruningPlan> lastPlan() {
        return Optional.ofNullable(last);
    }

    /** @return how many times channels were zeroed */
    public int zeroings() {
        return epochs;
    }

    /**
     * Removes the last ranking's channels for real: zeroes them once more (training after the last epoch
     * end may have moved them), then builds the narrower block. The trained block is left zeroed.
     *
     * @param manager owns the new block's parameters
     * @return the pruned block
     * @throws IllegalStateException if no epoch ended yet
     */
    public Block prune(NDManager manager) {
        Preconditions.checkState(last != null, "no epoch has ended: nothing was ranked yet");
        zero(last);
        return pruner.apply(block, last, manager);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "SoftFilterPruning(ratio %.3f, %s)", ratio, pruner);
    }

    /** Options of a {@link SoftFilterPruning}. */
    public static final class Builder {
        private final Block block;
        private final Shape inputShape;
        private double ratio = 0.3;
        private Importance importance = Importance.l2();
        private String protect;

        private Builder(Block block, Shape inputShape) {
            Preconditions.checkArgument(block != null && block.isInitialized(), "an initialised block is required");
            this.block = block;
            this.inputShape = Preconditions.checkNotNull(inputShape, "input shape");
        }

        /**
         * Sets the fraction of every prunable group's channels zeroed (and finally removed); default 0.3.
         *
         * @param ratio in (0, 1)
         * @return this builder
         */
        public Builder optRatio(double ratio) {
            Preconditions.checkArgument(ratio > 0 && ratio < 1, "soft pruning ratio must be in (0, 1), got %s", ratio);
            this.ratio = ratio;
            return this;
        }

        /**
         * Sets the ranking; default L2 norm ({@code Importance.fpgm()} for FPGM).
         *
         * @param importance the criterion
         * @return this builder
         */
        public Builder optImportance(Importance importance) {
            this.importance = Preconditions.checkNotNull(importance, "importance");
            return this;
        }

        /**
         * Keeps the groups touching layers whose DJL path matches a regular expression whole.
         *
         * @param pattern the expression
         * @return this builder
         */
        public Builder optProtect(String pattern) {
            this.protect = pattern;
            return this;
        }

        /** @return the listener */
        public SoftFilterPruning build() {
            SoftFilterPruning sfp = new SoftFilterPruning(this);
            return sfp;
        }
    }
}
