package ai.djl.pruning.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import com.google.common.base.Preconditions;

/**
 * (N, C) to (N, C, 1, 1): turns a per-channel vector (after {@link GlobalAvgPool2d} and linear layers)
 * back into a map that broadcasts over H and W, as a squeeze-and-excitation gate needs before its
 * channel-wise multiply. Channel c stays channel c; parameter-free.
 */
public final class Unsqueeze2d extends AbstractBlock implements ChannelMapping {

    /** Creates the block. */
    public Unsqueeze2d() {
        super((byte) 1);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        Preconditions.checkArgument(x.getShape().dimension() == 2, "Unsqueeze2d takes (N, C), got %s", x.getShape());
        return new NDList(x.reshape(x.getShape().get(0), x.getShape().get(1), 1, 1));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        Preconditions.checkArgument(s.dimension() == 2, "Unsqueeze2d takes (N, C), got %s", s);
        return new Shape[] {new Shape(s.get(0), s.get(1), 1, 1)};
    }

    @Override
    public int[] mapChannels(int[] inputChannels, Shape[] inputShapes) {
        return inputChannels;
    }

    @Override
    public String toString() {
        return "Unsqueeze2d";
    }
}
