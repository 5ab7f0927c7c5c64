package ai.djl.pruning.structured;

import ai.djl.nn.Block;

/**
 * One layer's use of a channel dimension: for index i of that dimension, {@code channels[i]} is the
 * coupled channel (a {@link DependencyGraph} channel id) it belongs to.
 *
 * @param path the layer's DJL path
 * @param block the layer
 * @param role how its parameters index the dimension
 * @param channels channel id per index
 */
public record LayerChannels(String path, Block block, ChannelRole role, int[] channels) {

    /** @return the width of the dimension */
    public int width() {
        return channels.length;
    }
}
