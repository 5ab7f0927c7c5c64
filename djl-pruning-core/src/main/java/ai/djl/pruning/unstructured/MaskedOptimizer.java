package ai.djl.pruning.unstructured;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.util.Pair;
import com.google.common.base.Preconditions;
import java.util.HashMap;
import java.util.Map;

/**
 * Holds fine-grained masks exactly during DJL training by wrapping the user's optimizer: for a masked
 * parameter it zeroes the gradient's pruned elements, lets the wrapped optimizer update, then zeroes
 * the weight's pruned elements again.
 *
 * <p>Why an optimizer and not a listener: DJL calls {@code onTrainingBatch} after backward but before
 * {@code trainer.step()}, and there is no hook after the step, so weights zeroed in a listener are
 * revived by momentum and weight decay. Masking after every update keeps each pruned weight at exactly
 * 0.0 whatever the optimizer does (SGD with momentum and weight decay, Adam, AdamW).
 *
 * <pre>{@code
 * DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
 *         .optOptimizer(Optimizer.sgd().setLearningRateTracker(lr).optMomentum(0.9f).build());
 * MaskedOptimizer masked = MaskedOptimizer.install(config, net, masks);  // one call
 * try (Trainer trainer = model.newTrainer(config)) { EasyTrain.fit(trainer, epochs, train, test); }
 * }</pre>
 */
public final class MaskedOptimizer extends Optimizer implements AutoCloseable {

    private final Optimizer delegate;
    private final Block block;
    private NDManager maskManager;
    private Map<String, NDArray> masksById = Map.of();
    private PruningMasks masks;

    /**
     * Wraps an optimizer.
     *
     * @param delegate the optimizer that computes updates
     * @param block the block whose parameters are trained
     * @param masks the masks to hold
     */
    public MaskedOptimizer(Optimizer delegate, Block block, PruningMasks masks) {
        super(new PassThroughBuilder());
        this.delegate = Preconditions.checkNotNull(delegate, "delegate");
        this.block = Preconditions.checkNotNull(block, "block");
        setMasks(masks);
    }

    /**
     * Replaces the optimizer of a training configuration by a masked one and zeroes the pruned weights
     * now, so training starts from the pruned model.
     *
     * @param config a configuration whose optimizer is the one to wrap
     * @param block the block to be trained
     * @param masks the masks to hold
     * @return the installed optimizer (call {@link #setMasks} to change masks during training)
     */
    public static MaskedOptimizer install(DefaultTrainingConfig config, Block block, PruningMasks masks) {
        MaskedOptimizer masked = new MaskedOptimizer(config.getOptimizer(), block, masks);
        config.optOptimizer(masked);
        return masked;
    }

    /**
     * Changes the held masks (for example at the next step of a pruning schedule) and applies them to
     * the weights at once.
     *
     * @param masks the new masks
     */
    public synchronized void setMasks(PruningMasks masks) {
        masks.validate(block);
        Map<String, Parameter> byPath = new HashMap<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            byPath.put(p.getKey(), p.getValue());
        }
        NDManager base = byPath.values().iterator().next().getArray().getManager();
        NDManager next = base.newSubManager();
        Map<String, NDArray> byId = new HashMap<>();
        masks.masks().forEach((path, m) -> {
            Parameter p = byPath.get(path);
            byId.put(p.getId(), m.toNDArray(next).toDevice(p.getArray().getDevice(), false));
        });
        masks.apply(block);
        NDManager old = maskManager;
        this.maskManager = next;
        this.masksById = byId;
        this.masks = masks;
        if (old != null) {
            old.close();
        }
    }

    /** @return the masks held now */
    public synchronized PruningMasks getMasks() {
        return masks;
    }

    /** @return the wrapped optimizer */
    public Optimizer getDelegate() {
        return delegate;
    }

    @Override
    public void update(String parameterId, NDArray weight, NDArray grad) {
        NDArray mask;
        synchronized (this) {
            mask = masksById.get(parameterId);
        }
        if (mask == null) {
            delegate.update(parameterId, weight, grad);
            return;
        }
        grad.muli(mask);
        delegate.update(parameterId, weight, grad);
        PruningMasks.zeroPruned(weight, mask);
    }

    @Override
    public synchronized void close() {
        if (maskManager != null) {
            maskManager.close();
            maskManager = null;
        }
    }

    /** The wrapper itself adds no weight decay, clipping or rescaling: its delegate does. */
    private static final class PassThroughBuilder extends OptimizerBuilder<PassThroughBuilder> {
        @Override
        protected PassThroughBuilder self() {
            return this;
        }
    }
}
