package ai.djl.pruning.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Mean over the spatial axes: (N, C, H, W) to (N, C). Channel c of the output is channel c of the
 * input, which is what lets a pruner couple the last conv's filters with the classifier's inputs.
 */
public class GlobalAvgPool2d extends AbstractBlock {

    /** Creates a global average pool. */
    public GlobalAvgPool2d() {
        super((byte) 1);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        Shape s = x.getShape();
        // The PyTorch engine reduces one axis at a time: flatten H and W first.
        return new NDList(x.reshape(s.get(0), s.get(1), s.get(2) * s.get(3)).mean(new int[] {2}));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), inputShapes[0].get(1))};
    }
}
