package ai.djl.pruning.analysis;

import ai.djl.ndarray.types.Shape;

/**
 * Implemented by a custom block that the profiler does not know, to describe its own cost. Its
 * parameters are counted by the profiler; its children, if any, are not visited.
 *
 * <pre>{@code
 * public class Swish extends AbstractBlock implements CostDescribed {
 *     public LayerCost describeCost(Shape[] in, Shape[] out, MacConvention c) {
 *         long n = out[0].size();
 *         return new LayerCost(c == MacConvention.TORCHPROFILE ? n : 0, 2 * n);
 *     }
 * }
 * }</pre>
 */
public interface CostDescribed {

    /**
     * Describes the block's cost.
     *
     * @param inputShapes the block's input shapes
     * @param outputShapes the block's output shapes
     * @param convention which operations count as MACs
     * @return the cost
     */
    LayerCost describeCost(Shape[] inputShapes, Shape[] outputShapes, MacConvention convention);
}
