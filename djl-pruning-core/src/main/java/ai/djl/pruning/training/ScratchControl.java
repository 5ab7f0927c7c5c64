package ai.djl.pruning.training;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pruning.nn.BlockSpec;
import ai.djl.training.initializer.Initializer;
import com.google.common.base.Preconditions;

/**
 * The "rethinking" control for structured pruning (Liu et al. 2019, "Rethinking the Value of Network
 * Pruning"): the pruned architecture with freshly initialised parameters, to be trained from scratch
 * beside the fine-tuned pruned weights. With the same budget in epochs ("Scratch-E") or scaled by the
 * MAC ratio ("Scratch-B", {@link #scaledEpochs}).
 *
 * <pre>{@code
 * Block scratch = ScratchControl.reinitialised(pruned, new Shape(1, 3, 32, 32), kaiming, manager);
 * }</pre>
 */
public final class ScratchControl {

    private ScratchControl() {}

    /**
     * Builds the block's architecture anew (from its {@link BlockSpec}) with fresh parameters: weights
     * from the initialiser, the other parameters (BatchNorm γ = 1, β = 0, biases 0) as the layers
     * initialise them. The given block is not changed.
     *
     * @param block a pruned (or any supported) block
     * @param inputShape its input shape
     * @param weightInit the initialiser of the conv and linear weights (the one the original was trained from)
     * @param manager owns the new parameters
     * @return the new, untrained block
     */
    public static Block reinitialised(Block block, Shape inputShape, Initializer weightInit, NDManager manager) {
        Preconditions.checkNotNull(weightInit, "weight initialiser");
        Block fresh = BlockSpec.build(BlockSpec.describe(block));
        fresh.setInitializer(weightInit, Parameter.Type.WEIGHT);
        fresh.initialize(manager, DataType.FLOAT32, inputShape);
        return fresh;
    }

    /**
     * The "Scratch-B" budget: the epochs that give the pruned network the original's training compute.
     *
     * @param epochs the original's epochs
     * @param macFraction pruned MACs / original MACs, in (0, 1]
     * @return {@code round(epochs / macFraction)}
     */
    public static int scaledEpochs(int epochs, double macFraction) {
        Preconditions.checkArgument(macFraction > 0 && macFraction <= 1, "MAC fraction must be in (0, 1], got %s",
                macFraction);
        Preconditions.checkArgument(epochs > 0, "epochs must be positive, got %s", epochs);
        return (int) Math.round(epochs / macFraction);
    }
}
