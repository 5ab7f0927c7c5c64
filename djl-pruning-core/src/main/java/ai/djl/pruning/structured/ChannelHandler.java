package ai.djl.pruning.structured;

import ai.djl.nn.Block;
import ai.djl.pruning.nn.BlockHandler;
import com.google.gson.JsonObject;

/**
 * The channel facet of a {@link BlockHandler}: how a block maps channel ids from its input to its output
 * and which of its parameter dimensions they index ({@link DependencyGraph} asks), and how its spec
 * narrows when channels are removed ({@link ChannelPruner} asks). Like Torch-Pruning's per-layer pruning
 * functions, one per layer type.
 *
 * <p>Parameters are sliced by the roles recorded: a dimension recorded with an output-side role ({@link
 * ChannelRole#CONV_OUT}, {@link ChannelRole#BATCH_NORM}, ...) slices axis 0 of every parameter of the
 * block, an input role ({@link ChannelRole#CONV_IN}, {@link ChannelRole#LINEAR_IN}) axis 1 of its weight.
 *
 * @param <B> the block type served
 */
public interface ChannelHandler<B extends Block> extends BlockHandler<B> {

    /**
     * Follows the channels through a block: record the dimensions its parameters index, return its
     * output's channel ids (containers walk their children through {@link ChannelWalk#child}).
     *
     * @param block the block
     * @param walk the walk at this block: its input ids and shapes, and the graph being built
     * @return the output's channel ids and shapes
     * @throws IllegalArgumentException ({@link ChannelWalk#opaque}) where the mapping is not known
     */
    ChannelFlow channels(B block, ChannelWalk walk);

    /**
     * Narrows the block's spec to the channels kept; parameters are sliced by the roles recorded. Default:
     * nothing to change (a block whose widths follow its input, such as BatchNorm or ReLU).
     *
     * @param spec the block's spec (from its {@code SpecHandler}), changed in place
     * @param keep the indices kept along the dimensions the block recorded
     */
    default void narrow(JsonObject spec, KeptChannels keep) {}
}
