package ai.djl.pruning.structured;

import com.google.common.collect.ImmutableList;

/**
 * Channel classes coupled through shared layer dimensions (for example a ResNet stage's residual
 * stream: the stem conv's filters, every block's second conv and BatchNorm, every block's first conv
 * input), with the layer dimensions they span.
 *
 * @param id position among the graph's groups
 * @param channels the channel classes
 * @param layers the layer dimensions indexed by these channels
 * @param isProtected true if a channel touches the network input or output (never pruned)
 */
public record ChannelGroup(int id, ImmutableList<Integer> channels, ImmutableList<LayerChannels> layers,
        boolean isProtected) {

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(String.format("group %d: %d channels%s over", id, channels.size(),
                isProtected ? " (protected)" : ""));
        for (LayerChannels l : layers) {
            sb.append(' ').append(l.path()).append('[').append(l.role()).append(']');
        }
        return sb.toString();
    }
}
