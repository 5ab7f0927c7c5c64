package ai.djl.pruning.analysis;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;

/** Parameter counts with PyTorch's conventions. */
public final class ParameterCounts {

    private ParameterCounts() {}

    /**
     * Counts the elements of parameters that require gradients, as PyTorch's {@code
     * sum(p.numel() for p in model.parameters())}: BatchNorm running statistics are buffers there and
     * are not counted.
     *
     * @param block an initialised block
     * @return the number of trainable elements
     */
    public static long trainable(Block block) {
        long n = 0;
        for (Pair<String, Parameter> p : block.getParameters()) {
            if (p.getValue().requiresGradient()) {
                n += p.getValue().getArray().size();
            }
        }
        return n;
    }
}
