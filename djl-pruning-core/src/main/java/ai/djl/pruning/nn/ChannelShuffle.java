package ai.djl.pruning.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import com.google.common.base.Preconditions;

/**
 * ShuffleNet's channel shuffle (Zhang et al. 2018) with g groups: (N, C, H, W) is viewed as (N, g, C/g,
 * H, W), the two group axes are swapped and the result flattened back, so output channel {@code a·g + b}
 * is input channel {@code b·(C/g) + a}. Parameter-free; it lets the next grouped convolution see channels
 * from every group of the previous one.
 *
 * <p>Channel pruning passes through it only by removing the same within-group index a from every group
 * at once (so C stays a multiple of g and the permutation keeps its form): the dependency analysis
 * couples input channels {@code b·(C/g) + a} over b.
 *
 * <pre>{@code
 * Block shuffle = new ChannelShuffle(4); // C must be a multiple of 4
 * }</pre>
 */
public final class ChannelShuffle extends AbstractBlock {

    private final int groups;

    /**
     * Creates a channel shuffle.
     *
     * @param groups g, at least 1
     */
    public ChannelShuffle(int groups) {
        super((byte) 1);
        Preconditions.checkArgument(groups >= 1, "channel shuffle needs at least one group, got %s", groups);
        this.groups = groups;
    }

    /** @return the number of groups g */
    public int getGroups() {
        return groups;
    }

    /**
     * Returns where each output channel comes from.
     *
     * @param channels C, a multiple of the groups
     * @return {@code source[j]} = the input channel that output channel j copies
     */
    public int[] sourceChannels(int channels) {
        checkChannels(channels);
        int perGroup = channels / groups;
        int[] source = new int[channels];
        for (int a = 0; a < perGroup; a++) {
            for (int b = 0; b < groups; b++) {
                source[a * groups + b] = b * perGroup + a;
            }
        }
        return source;
    }

    private void checkChannels(long channels) {
        Preconditions.checkArgument(channels % groups == 0,
                "channel shuffle with %s groups needs a multiple of %s channels, got %s", groups, groups, channels);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        Shape s = x.getShape();
        Preconditions.checkArgument(s.dimension() == 4, "channel shuffle takes (N, C, H, W), got %s", s);
        long c = s.get(1);
        checkChannels(c);
        NDArray y = x.reshape(s.get(0), groups, c / groups, s.get(2), s.get(3))
                .transpose(0, 2, 1, 3, 4)
                .reshape(s);
        return new NDList(y);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        checkChannels(inputShapes[0].get(1));
        return new Shape[] {inputShapes[0]};
    }

    @Override
    public String toString() {
        return "ChannelShuffle(groups " + groups + ")";
    }
}
