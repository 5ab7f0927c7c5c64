package ai.djl.pruning.nn;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import com.google.common.base.Preconditions;

/** 2-D max pooling without padding, as a named block type: channel-local. */
public class MaxPool2d extends AbstractBlock {

    private final int kernel;
    private final int stride;

    /**
     * Creates a max pool.
     *
     * @param kernel window size (square)
     * @param stride step (both axes)
     */
    public MaxPool2d(int kernel, int stride) {
        super((byte) 1);
        Preconditions.checkArgument(kernel > 0 && stride > 0, "kernel and stride must be positive");
        this.kernel = kernel;
        this.stride = stride;
    }

    /** @return the window size */
    public int getKernel() {
        return kernel;
    }

    /** @return the step */
    public int getStride() {
        return stride;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(Pool.maxPool2d(
                inputs.singletonOrThrow(),
                new Shape(kernel, kernel),
                new Shape(stride, stride),
                new Shape(0, 0),
                false));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        long h = (in.get(2) - kernel) / stride + 1;
        long w = (in.get(3) - kernel) / stride + 1;
        return new Shape[] {new Shape(in.get(0), in.get(1), h, w)};
    }
}
