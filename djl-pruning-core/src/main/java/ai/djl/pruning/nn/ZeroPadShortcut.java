package ai.djl.pruning.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import com.google.common.base.Preconditions;

/**
 * The parameter-free "option A" shortcut of the CIFAR ResNets (He et al. 2016, section 4.2): keep
 * every {@code stride}-th row and column, then add {@code padBefore} zero channels in front and
 * {@code padAfter} behind. Output channel {@code padBefore + c} is input channel {@code c}; a pruner
 * reads that index map from {@link #getPadBefore()} and {@link #getPadAfter()}.
 */
public class ZeroPadShortcut extends AbstractBlock {

    private final int stride;
    private final int padBefore;
    private final int padAfter;

    /**
     * Creates the shortcut.
     *
     * @param stride spatial subsampling step (1 for none)
     * @param padBefore zero channels placed before the input's channels
     * @param padAfter zero channels placed after them
     */
    public ZeroPadShortcut(int stride, int padBefore, int padAfter) {
        super((byte) 1);
        Preconditions.checkArgument(stride > 0, "stride must be positive, got %s", stride);
        Preconditions.checkArgument(padBefore >= 0 && padAfter >= 0, "padding must be >= 0");
        this.stride = stride;
        this.padBefore = padBefore;
        this.padAfter = padAfter;
    }

    /** @return the spatial subsampling step */
    public int getStride() {
        return stride;
    }

    /** @return the number of zero channels before the input's channels */
    public int getPadBefore() {
        return padBefore;
    }

    /** @return the number of zero channels after the input's channels */
    public int getPadAfter() {
        return padAfter;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        if (stride > 1) {
            x = x.get(new NDIndex(":, :, ::{}, ::{}", stride, stride));
        }
        if (padBefore == 0 && padAfter == 0) {
            return new NDList(x);
        }
        Shape s = x.getShape();
        NDList parts = new NDList(3);
        if (padBefore > 0) {
            parts.add(x.getManager().zeros(new Shape(s.get(0), padBefore, s.get(2), s.get(3)), x.getDataType()));
        }
        parts.add(x);
        if (padAfter > 0) {
            parts.add(x.getManager().zeros(new Shape(s.get(0), padAfter, s.get(2), s.get(3)), x.getDataType()));
        }
        return new NDList(NDArrays.concat(parts, 1));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        long h = (in.get(2) + stride - 1) / stride;
        long w = (in.get(3) + stride - 1) / stride;
        return new Shape[] {new Shape(in.get(0), in.get(1) + padBefore + padAfter, h, w)};
    }
}
