package ai.djl.pruning.handlers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Convolution;
import ai.djl.pruning.analysis.CostHandler;
import ai.djl.pruning.analysis.LayerCost;
import ai.djl.pruning.analysis.OperationCounts;
import ai.djl.pruning.analysis.ProfileWalk;

/**
 * The cost of any DJL {@link Convolution} (1-, 2- or 3-D): {@code |output| / C_out · |W|} MACs whatever its
 * stride, padding, dilation or groups; an input and a weight read per MAC and each output written once.
 */
public final class ConvolutionHandler implements CostHandler<Convolution> {

    @Override
    public Class<Convolution> blockType() {
        return Convolution.class;
    }

    @Override
    public Shape[] profile(Convolution conv, ProfileWalk walk) {
        return weightedCost(conv, walk, conv.getFilters());
    }

    /** A layer whose weight's rows are its outputs: conv (per filter) or fully connected (per unit). */
    static Shape[] weightedCost(Block block, ProfileWalk walk, long rows) {
        NDArray w = block.getDirectParameters().get("weight").getArray();
        long outSize = walk.outputShapes()[0].size();
        long macs = outSize / rows * w.size();
        boolean bias = block.getDirectParameters().stream().anyMatch(p -> p.getValue().getType() == Parameter.Type.BIAS);
        return walk.leaf(block.getClass().getSimpleName(), new LayerCost(macs, 2 * macs + outSize,
                OperationCounts.multiplyAccumulate(outSize, w.size() / w.getShape().get(0), bias)));
    }
}
