package ai.djl.pruning.analysis;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pruning.nn.BlockHandler;

/**
 * The cost facet of a {@link BlockHandler}: the rows a block adds to a {@link ModelProfile} (parameters,
 * MACs, memory traffic). A block without one is profiled as a row of unknown cost.
 *
 * @param <B> the block type served
 */
public interface CostHandler<B extends Block> extends BlockHandler<B> {

    /**
     * Profiles a block: a leaf adds its row ({@link ProfileWalk#leaf}), a container walks its children
     * ({@link ProfileWalk#child}).
     *
     * @param block the block
     * @param walk the profile walk at this block
     * @return the block's output shapes
     */
    Shape[] profile(B block, ProfileWalk walk);
}
