package ai.djl.pruning.nn;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import com.google.common.base.Preconditions;

/** 2-D max pooling over square windows (floor rounding, optional padding), as a named block type: channel-local. */
public class MaxPool2d extends AbstractBlock {

    private final int kernel;
    private final int stride;
    private final int padding;

    /**
     * Creates a max pool without padding.
     *
     * @param kernel window size (square)
     * @param stride step (both axes)
     */
    public MaxPool2d(int kernel, int stride) {
        this(kernel, stride, 0);
    }

    /**
     * Creates a max pool; padded positions never win the maximum (PyTorch's and ONNX's definition).
     *
     * @param kernel window size (square)
     * @param stride step (both axes)
     * @param padding padding on each side, at most kernel / 2
     */
    public MaxPool2d(int kernel, int stride, int padding) {
        super((byte) 1);
        Preconditions.checkArgument(kernel > 0 && stride > 0 && padding >= 0 && padding <= kernel / 2,
                "need kernel, stride > 0 and 0 <= padding <= kernel / 2; got %s, %s, %s", kernel, stride, padding);
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
    }

    /** @return the padding on each side */
    public int getPadding() {
        return padding;
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
                new Shape(padding, padding),
                false));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        long h = (in.get(2) + 2L * padding - kernel) / stride + 1;
        long w = (in.get(3) + 2L * padding - kernel) / stride + 1;
        return new Shape[] {new Shape(in.get(0), in.get(1), h, w)};
    }
}
