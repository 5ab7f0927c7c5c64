package ai.djl.pruning.adder;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.util.Pair;
import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableSet;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * AdderNet's adaptive learning-rate scaling as an optimizer option: before the wrapped optimizer
 * updates an {@link AdderConv2d} weight, its gradient is multiplied by the layer's local rate
 *
 * <pre>α_l = η · √k / ‖ΔL(W_l)‖₂</pre>
 *
 * ({@code k} = number of elements of {@code W_l}, Chen et al. 2020, Eq. 13), so that the update is
 * {@code γ·α_l·ΔL(W_l)} with the global rate {@code γ} of the wrapped optimizer. AdderNet's
 * full-precision weight gradients are small and differ in magnitude from layer to layer; the scaling
 * normalises every adder layer's gradient to the norm {@code η·√k}. Other parameters are passed through
 * unchanged. (The wrapped optimizer's weight decay and momentum then act on the scaled gradient.)
 *
 * <pre>{@code
 * DefaultTrainingConfig config = new DefaultTrainingConfig(loss).optOptimizer(Optimizer.sgd()...build());
 * AdaptiveLearningRate.install(config, net, 0.1f);
 * }</pre>
 */
public final class AdaptiveLearningRate extends Optimizer {

    /** Below this gradient norm the gradient is left unscaled (a zero gradient has no direction). */
    private static final double MIN_NORM = 1e-12;

    private final Optimizer delegate;
    private final float eta;
    private final ImmutableSet<String> adderWeightIds;

    /**
     * Wraps an optimizer.
     *
     * @param delegate the optimizer that computes updates
     * @param block the trained block; its {@link AdderConv2d} weights get the scaling
     * @param eta the hyper-parameter η (the paper uses 0.1)
     */
    public AdaptiveLearningRate(Optimizer delegate, Block block, float eta) {
        super(new PassThroughBuilder());
        Preconditions.checkArgument(eta > 0 && Float.isFinite(eta), "eta must be positive, got %s", eta);
        this.delegate = Preconditions.checkNotNull(delegate, "delegate");
        this.eta = eta;
        this.adderWeightIds = adderWeights(Preconditions.checkNotNull(block, "block"));
        Preconditions.checkArgument(!adderWeightIds.isEmpty(), "the block has no AdderConv2d layer to scale");
    }

    /**
     * Replaces the configuration's optimizer by the scaling wrapper around it.
     *
     * @param config a configuration whose optimizer is the one to wrap
     * @param block the block to be trained
     * @param eta the hyper-parameter η
     * @return the installed optimizer
     */
    public static AdaptiveLearningRate install(DefaultTrainingConfig config, Block block, float eta) {
        AdaptiveLearningRate o = new AdaptiveLearningRate(config.getOptimizer(), block, eta);
        config.optOptimizer(o);
        return o;
    }

    /**
     * Returns the local rate {@code α = η·√k / ‖g‖₂} for a gradient.
     *
     * @param gradient the layer's weight gradient
     * @param eta η
     * @return α (1 for a gradient of norm below 1e-12)
     */
    public static float localRate(NDArray gradient, float eta) {
        double norm;
        try (NDArray sq = gradient.square(); NDArray sum = sq.sum()) {
            norm = Math.sqrt(sum.toType(ai.djl.ndarray.types.DataType.FLOAT64, false).getDouble());
        }
        return norm < MIN_NORM ? 1f : (float) (eta * Math.sqrt(gradient.size()) / norm);
    }

    /** @return η */
    public float getEta() {
        return eta;
    }

    /** @return the wrapped optimizer */
    public Optimizer getDelegate() {
        return delegate;
    }

    @Override
    public void update(String parameterId, NDArray weight, NDArray grad) {
        if (adderWeightIds.contains(parameterId)) {
            grad.muli(localRate(grad, eta));
        }
        delegate.update(parameterId, weight, grad);
    }

    private static ImmutableSet<String> adderWeights(Block root) {
        ImmutableSet.Builder<String> ids = ImmutableSet.builder();
        Deque<Block> todo = new ArrayDeque<>();
        todo.push(root);
        while (!todo.isEmpty()) {
            Block b = todo.pop();
            if (b instanceof AdderConv2d adder) {
                ids.add(adder.getWeight().getId());
            }
            for (Pair<String, Block> c : b.getChildren()) {
                todo.push(c.getValue());
            }
        }
        return ids.build();
    }

    /** The wrapper itself adds no weight decay, clipping or rescaling of its own beyond α. */
    private static final class PassThroughBuilder extends OptimizerBuilder<PassThroughBuilder> {
        @Override
        protected PassThroughBuilder self() {
            return this;
        }
    }
}
