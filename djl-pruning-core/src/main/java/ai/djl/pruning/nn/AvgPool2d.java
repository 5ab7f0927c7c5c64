package ai.djl.pruning.nn;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import com.google.common.base.Preconditions;

/**
 * Average pooling over square windows (floor rounding), optionally with zero padding; whether padded
 * zeros count in the average is an option, as in PyTorch and ONNX. A named block, so that the profiler,
 * the pruner (channel-local) and the exporters recognise it.
 */
public class AvgPool2d extends AbstractBlock {

    private final int kernel;
    private final int stride;
    private final int padding;
    private final boolean countPadding;

    /**
     * Creates an average pool.
     *
     * @param kernel window size (square)
     * @param stride step (both axes)
     * @param padding zero padding on each side
     * @param countPadding whether padded zeros count in the average
     */
    public AvgPool2d(int kernel, int stride, int padding, boolean countPadding) {
        super((byte) 1);
        Preconditions.checkArgument(kernel > 0 && stride > 0 && padding >= 0 && padding <= kernel / 2,
                "need kernel, stride > 0 and 0 <= padding <= kernel / 2; got %s, %s, %s", kernel, stride, padding);
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        this.countPadding = countPadding;
    }

    /** @return the window size */
    public int getKernel() {
        return kernel;
    }

    /** @return the step */
    public int getStride() {
        return stride;
    }

    /** @return the zero padding on each side */
    public int getPadding() {
        return padding;
    }

    /** @return whether padded zeros count in the average */
    public boolean isCountPadding() {
        return countPadding;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(Pool.avgPool2d(inputs.singletonOrThrow(), new Shape(kernel, kernel),
                new Shape(stride, stride), new Shape(padding, padding), false, countPadding));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        long h = (in.get(2) + 2L * padding - kernel) / stride + 1;
        long w = (in.get(3) + 2L * padding - kernel) / stride + 1;
        return new Shape[] {new Shape(in.get(0), in.get(1), h, w)};
    }
}
