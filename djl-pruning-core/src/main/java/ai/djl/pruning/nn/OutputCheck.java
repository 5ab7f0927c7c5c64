package ai.djl.pruning.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import com.google.common.base.Preconditions;

/**
 * The check every block transformation runs on its result (pruning, channel sorting, BatchNorm
 * insertion): the new block must compute what the reference computes.
 */
public final class OutputCheck {

    private OutputCheck() {}

    /**
     * Runs both blocks on one seeded random probe (a private generator: the engine's stream is untouched)
     * in inference mode and refuses the result if their outputs differ by more than {@code tolerance}
     * relative to the largest output magnitude (at least 1).
     *
     * @param reference the block whose function must be kept
     * @param candidate the transformed block
     * @param inputShape the probe's shape
     * @param tolerance relative tolerance
     * @param scope owns the probe and the outputs
     * @param what the message's start, naming the transformation
     * @return the difference found, relative to the largest output magnitude (at least 1)
     * @throws IllegalStateException if the outputs differ
     */
    public static double requireSameOutputs(Block reference, Block candidate, Shape inputShape, float tolerance,
            NDManager scope, String what) {
        NDArray x = ProbeInputs.gaussian(scope, inputShape, 1234);
        ParameterStore store = new ParameterStore(scope, false);
        NDArray expected = reference.forward(store, new NDList(x), false).singletonOrThrow();
        NDArray actual = candidate.forward(store, new NDList(x), false).singletonOrThrow();
        float diff = expected.sub(actual).abs().max().getFloat();
        float scale = Math.max(1f, expected.abs().max().getFloat());
        Preconditions.checkState(diff <= tolerance * scale, "%s by %s (tolerance %s × %s): refusing the result",
                what, diff, tolerance, scale);
        return diff / scale;
    }
}
