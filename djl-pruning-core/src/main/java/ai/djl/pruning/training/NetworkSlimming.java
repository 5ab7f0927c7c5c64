package ai.djl.pruning.training;

import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pruning.analysis.MacConvention;
import ai.djl.pruning.analysis.ModelProfile;
import ai.djl.pruning.structured.ChannelGroup;
import ai.djl.pruning.structured.ChannelPruner;
import ai.djl.pruning.structured.ChannelPruningPlan;
import ai.djl.pruning.structured.ChannelRole;
import ai.djl.pruning.structured.DependencyGraph;
import ai.djl.pruning.structured.GroupImportance;
import ai.djl.pruning.structured.GroupReduction;
import ai.djl.pruning.structured.LayerChannels;
import ai.djl.training.loss.Loss;
import ai.djl.util.Pair;
import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableSortedSet;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Network slimming (Liu et al. 2017) as one call: (1) train with λ·Σ|γ| added to the loss ({@link
 * SlimmingLoss}); (2) choose one global threshold on the BatchNorm scales for a channel ratio or a MAC
 * target ({@link #plan}, a printable {@link SlimmingPlan}) and build the narrower network with {@link
 * ChannelPruner}; (3) fine-tune it. Core has no data: the caller trains, given the model, the loss and the
 * stage.
 *
 * <pre>{@code
 * NetworkSlimming slimming = NetworkSlimming.builder().optLambda(1e-4f).setMacFraction(0.5).build();
 * NetworkSlimming.Result r = slimming.run(model, new Shape(1, 3, 32, 32), (m, loss, stage) -> {
 *     // train m with loss for this stage (EasyTrain.fit, or a checkpointed run)
 * });
 * System.out.println(r.plan());
 * }</pre>
 *
 * <p>In a residual network a channel of the residual stream is shared by several BatchNorms; its score
 * is the mean |γ| over the chosen BatchNorms of its coupled group. Groups touching the network's input or
 * output, and groups without a chosen BatchNorm, keep their width.
 */
public final class NetworkSlimming {

    /** The three stages the caller trains. */
    public enum Stage {
        /** Training with the sparsity penalty on γ. */
        SPARSITY,
        /** Fine-tuning the pruned network with the base loss. */
        FINE_TUNE
    }

    /** The caller's training of one stage. */
    @FunctionalInterface
    public interface StageTraining {
        /**
         * Trains the model's block with a loss.
         *
         * @param model the model (the original in {@link Stage#SPARSITY}, the pruned one in {@link Stage#FINE_TUNE})
         * @param loss the loss to train with
         * @param stage which stage
         * @throws Exception on training errors
         */
        void train(Model model, Loss loss, Stage stage) throws Exception;
    }

    /**
     * The pipeline's result.
     *
     * @param plan the threshold and channel plan
     * @param pruned a new model holding the pruned, fine-tuned block (the caller closes it)
     */
    public record Result(SlimmingPlan plan, Model pruned) {}

    private final float lambda;
    private final Double macFraction;
    private final Double channelRatio;
    private final Predicate<String> select;
    private final Loss baseLoss;

    private NetworkSlimming(Builder b) {
        this.lambda = b.lambda;
        this.macFraction = b.macFraction;
        this.channelRatio = b.channelRatio;
        this.select = b.select;
        this.baseLoss = b.baseLoss;
    }

    /** @return a builder (λ = 1e-4, all BatchNorms, softmax cross-entropy; a target is required) */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the stage-1 loss for a block: the base loss plus λ·Σ|γ| over the chosen BatchNorms.
     *
     * @param block the block to train
     * @return the loss
     */
    public SlimmingLoss loss(Block block) {
        return new SlimmingLoss(baseLoss, block, lambda, select);
    }

    /**
     * Chooses the global |γ| threshold for the target. The block is not changed.
     *
     * @param block a block trained with the penalty
     * @param inputShape its input shape
     * @param manager scratch memory for trial blocks (MAC targets)
     * @return the plan
     * @throws IllegalArgumentException if no chosen BatchNorm indexes a prunable channel, or no threshold
     *     reaches the MAC target
     */
    public SlimmingPlan plan(Block block, Shape inputShape, NDManager manager) {
        DependencyGraph graph = DependencyGraph.of(block, inputShape);
        GroupImportance importance = GroupImportance.of(layer -> layer.role() == ChannelRole.BATCH_NORM
                && select.test(layer.path() + "_gamma") ? gammaOf(block, layer) : null).withReduction(GroupReduction.MEAN);
        // Candidates: every prunable channel of a group with a chosen BatchNorm, by ascending score.
        List<double[]> ranked = new ArrayList<>(); // {score, channel}
        for (ChannelGroup g : graph.groups()) {
            boolean scored = g.layers().stream().anyMatch(l -> l.role() == ChannelRole.BATCH_NORM
                    && select.test(l.path() + "_gamma"));
            if (g.isProtected() || !scored) {
                continue;
            }
            double[] s = importance.score(g);
            for (int i = 0; i < s.length; i++) {
                Preconditions.checkArgument(Double.isFinite(s[i]), "BatchNorm scale of channel %s is %s",
                        (Object) g.channels().get(i), (Object) s[i]);
                ranked.add(new double[] {s[i], g.channels().get(i)});
            }
        }
        Preconditions.checkArgument(!ranked.isEmpty(),
                "no chosen BatchNorm indexes a prunable channel (groups touching the input or output are kept)");
        ranked.sort(Comparator.<double[]>comparingDouble(r -> r[0]).thenComparingDouble(r -> r[1]));
        Map<Integer, List<LayerChannels>> layersOf = new HashMap<>();
        for (LayerChannels l : graph.layers()) {
            if (l.role().isSliced()) {
                for (int c : l.channels()) {
                    layersOf.computeIfAbsent(c, k -> new ArrayList<>()).add(l);
                }
            }
        }
        long before = ModelProfile.of(block, inputShape, MacConvention.CONV_LINEAR).macs();
        ChannelPruner pruner = ChannelPruner.builder().build();
        if (channelRatio != null) {
            int k = (int) Math.round(channelRatio * ranked.size());
            Selection s = select(ranked, layersOf, k);
            ChannelPruningPlan plan = new ChannelPruningPlan(graph, s.pruned());
            return new SlimmingPlan(s.threshold(), s.pruned().size(), ranked.size(), before,
                    macs(pruner, block, plan, inputShape, manager), "ratio " + channelRatio, plan);
        }
        // The smallest number of removed channels whose network meets the MAC target (MACs fall as k grows).
        int lo = 0;
        int hi = ranked.size();
        Selection best = null;
        long bestMacs = 0;
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            Selection s = select(ranked, layersOf, mid);
            long m = macs(pruner, block, new ChannelPruningPlan(graph, s.pruned()), inputShape, manager);
            if (m <= macFraction * before) {
                best = s;
                bestMacs = m;
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        if (best == null || best.k() != lo) {
            Selection s = select(ranked, layersOf, lo);
            long m = macs(pruner, block, new ChannelPruningPlan(graph, s.pruned()), inputShape, manager);
            Preconditions.checkArgument(m <= macFraction * before, "no |γ| threshold reaches %s of the MACs "
                    + "(removing every prunable channel leaves %s of %s)", macFraction, m, before);
            best = s;
            bestMacs = m;
        }
        return new SlimmingPlan(best.threshold(), best.pruned().size(), ranked.size(), before, bestMacs,
                String.format(Locale.ROOT, "MACs <= %.3f", macFraction), new ChannelPruningPlan(graph, best.pruned()));
    }

    /**
     * Builds the pruned block (a new block; the original is not changed).
     *
     * @param block the block the plan was made for
     * @param plan the plan
     * @param manager owns the new block's parameters
     * @return the narrower block
     */
    public Block apply(Block block, SlimmingPlan plan, NDManager manager) {
        return ChannelPruner.builder().build().apply(block, plan.channels(), manager);
    }

    /**
     * Runs the three stages: trains the model with the penalty, plans, builds the pruned network in a new
     * model and fine-tunes it with the base loss.
     *
     * @param model a model with an initialised block (trained in place by stage 1)
     * @param inputShape the block's input shape
     * @param training the caller's training
     * @return the plan and the new model
     * @throws Exception from the training
     */
    public Result run(Model model, Shape inputShape, StageTraining training) throws Exception {
        Block block = model.getBlock();
        Preconditions.checkArgument(block.isInitialized(), "initialise the block first");
        SlimmingLoss loss = loss(block); // fails early on an empty selection
        DependencyGraph.of(block, inputShape); // fails early on an unsupported block
        training.train(model, loss, Stage.SPARSITY);
        SlimmingPlan plan;
        try (NDManager scratch = model.getNDManager().newSubManager()) {
            plan = plan(block, inputShape, scratch);
        }
        Model pruned = Model.newInstance(model.getName() + "-slim");
        try {
            pruned.setBlock(apply(block, plan, pruned.getNDManager()));
            training.train(pruned, baseLoss, Stage.FINE_TUNE);
            return new Result(plan, pruned);
        } catch (Exception | Error e) {
            pruned.close();
            throw e;
        }
    }

    private record Selection(int k, ImmutableSortedSet<Integer> pruned, double threshold) {}

    /** The first k candidates that leave every layer a channel, and the score of the last one taken. */
    private static Selection select(List<double[]> ranked, Map<Integer, List<LayerChannels>> layersOf, int k) {
        Map<LayerChannels, Integer> kept = new HashMap<>();
        TreeSet<Integer> pruned = new TreeSet<>();
        double threshold = 0;
        for (double[] r : ranked) {
            if (pruned.size() >= k) {
                break;
            }
            int c = (int) r[1];
            List<LayerChannels> layers = layersOf.getOrDefault(c, List.of());
            boolean ok = true;
            for (LayerChannels l : layers) {
                int left = kept.computeIfAbsent(l, x -> x.width());
                ok &= left - occurrences(l, c) >= 1;
            }
            if (ok) {
                for (LayerChannels l : layers) {
                    kept.put(l, kept.get(l) - occurrences(l, c));
                }
                pruned.add(c);
                threshold = r[0];
            }
        }
        return new Selection(k, ImmutableSortedSet.copyOf(pruned), threshold);
    }

    private static int occurrences(LayerChannels l, int c) {
        int n = 0;
        for (int x : l.channels()) {
            n += x == c ? 1 : 0;
        }
        return n;
    }

    private static long macs(ChannelPruner pruner, Block block, ChannelPruningPlan plan, Shape inputShape,
            NDManager manager) {
        try (NDManager scope = manager.newSubManager()) {
            Block trial = pruner.apply(block, plan, scope);
            return ModelProfile.of(trial, inputShape, MacConvention.CONV_LINEAR).macs();
        }
    }

    private static double[] gammaOf(Block block, LayerChannels layer) {
        for (Pair<String, Parameter> p : layer.block().getDirectParameters()) {
            if (p.getValue().getType() == Parameter.Type.GAMMA) {
                float[] g = p.getValue().getArray().toFloatArray();
                double[] out = new double[g.length];
                for (int i = 0; i < g.length; i++) {
                    out[i] = Math.abs(g[i]);
                }
                return out;
            }
        }
        throw new IllegalStateException(layer.path() + " has no γ");
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "NetworkSlimming(λ=%s, %s)", lambda,
                channelRatio != null ? "channel ratio " + channelRatio : "MAC fraction " + macFraction);
    }

    /** Options of a {@link NetworkSlimming}. */
    public static final class Builder {
        private float lambda = 1e-4f;
        private Double macFraction;
        private Double channelRatio;
        private Predicate<String> select = path -> true;
        private Loss baseLoss = Loss.softmaxCrossEntropyLoss();

        private Builder() {}

        /**
         * Sets λ, the weight of Σ|γ|; default 1e-4 (Liu et al.'s value for 160 CIFAR epochs).
         *
         * @param lambda finite, at least 0
         * @return this builder
         */
        public Builder optLambda(float lambda) {
            Preconditions.checkArgument(lambda >= 0 && Float.isFinite(lambda),
                    "slimming penalty λ must be finite and >= 0, got %s", lambda);
            this.lambda = lambda;
            return this;
        }

        /**
         * Chooses the threshold for a MAC target (conv and linear MACs after / before).
         *
         * @param fraction in (0, 1]
         * @return this builder
         */
        public Builder setMacFraction(double fraction) {
            Preconditions.checkArgument(fraction > 0 && fraction <= 1, "MAC fraction must be in (0, 1], got %s", fraction);
            this.macFraction = fraction;
            this.channelRatio = null;
            return this;
        }

        /**
         * Chooses the threshold that removes a fraction of the prunable channels (Liu et al.'s percentile).
         *
         * @param ratio in [0, 1)
         * @return this builder
         */
        public Builder setChannelRatio(double ratio) {
            Preconditions.checkArgument(ratio >= 0 && ratio < 1, "channel ratio must be in [0, 1), got %s", ratio);
            this.channelRatio = ratio;
            this.macFraction = null;
            return this;
        }

        /**
         * Chooses the BatchNorms whose γ is penalised and ranked, by the DJL path of γ (e.g. {@code
         * 04layer1_01conv1..._gamma}); default all.
         *
         * @param select the predicate
         * @return this builder
         */
        public Builder optBatchNorms(Predicate<String> select) {
            this.select = Preconditions.checkNotNull(select, "select");
            return this;
        }

        /**
         * Sets the task loss; default softmax cross-entropy.
         *
         * @param loss the loss
         * @return this builder
         */
        public Builder optBaseLoss(Loss loss) {
            this.baseLoss = Preconditions.checkNotNull(loss, "base loss");
            return this;
        }

        /** @return the pipeline */
        public NetworkSlimming build() {
            Preconditions.checkState(macFraction != null || channelRatio != null,
                    "set a target: setMacFraction or setChannelRatio");
            return new NetworkSlimming(this);
        }
    }
}
