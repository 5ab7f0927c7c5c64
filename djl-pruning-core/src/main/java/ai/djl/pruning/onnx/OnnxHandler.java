package ai.djl.pruning.onnx;

import ai.djl.nn.Block;
import ai.djl.pruning.nn.BlockHandler;

/**
 * The ONNX facet of a {@link BlockHandler}: the nodes a block becomes in {@link OnnxExporter}'s graph.
 *
 * @param <B> the block type served
 */
public interface OnnxHandler<B extends Block> extends BlockHandler<B> {

    /**
     * Emits the block's nodes.
     *
     * @param block the block
     * @param graph the graph being written, standing at this block
     * @return the name of the block's output tensor
     * @throws IllegalArgumentException if this instance has no ONNX form
     */
    String emit(B block, OnnxGraph graph);
}
