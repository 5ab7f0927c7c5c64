package ai.djl.pruning.analysis;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;

/** A {@link ModelProfile} walk standing at one block: what a {@link CostHandler} reads and adds. */
public interface ProfileWalk {

    /** @return the block's DJL path ("" for the root) */
    String path();

    /** @return the block's input shapes */
    Shape[] inputShapes();

    /** @return the block's output shapes for these inputs */
    Shape[] outputShapes();

    /** @return which operations count as MACs */
    MacConvention convention();

    /**
     * MACs of an element-wise operation by the convention (one per output element under torchprofile).
     *
     * @param outputElements elements written
     * @return the MACs
     */
    default long elementwise(long outputElements) {
        return convention() == MacConvention.TORCHPROFILE ? outputElements : 0;
    }

    /**
     * Adds the block's row: its trainable parameters are counted (and their zeros, for the effective MACs).
     *
     * @param type the type shown, e.g. "Conv2d"
     * @param cost its MACs (dense, for the batch), memory accesses and operation kinds
     * @return the block's output shapes
     */
    Shape[] leaf(String type, LayerCost cost);

    /**
     * Adds a row of unknown cost for the block (its parameters still counted).
     *
     * @param type the type shown
     * @param countFrozen whether parameters that take no gradient count too (a traced graph's)
     * @return the block's output shapes
     */
    Shape[] unknown(String type, boolean countFrozen);

    /**
     * Adds a parameter-free row below the block's path, for work a container does itself (a residual add).
     *
     * @param name appended to the path, e.g. "add"
     * @param type the type shown
     * @param out its output shape
     * @param cost its cost, or null when unknown
     */
    void extra(String name, String type, Shape out, LayerCost cost);

    /**
     * Profiles a child block.
     *
     * @param key the child's DJL name
     * @param child the child
     * @param in its input shapes
     * @return its output shapes
     */
    Shape[] child(String key, Block child, Shape[] in);

    /**
     * Profiles another block in this one's place (same path and inputs).
     *
     * @param same the block
     * @return its output shapes
     */
    Shape[] as(Block same);
}
