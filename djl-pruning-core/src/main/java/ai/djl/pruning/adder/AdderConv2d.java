package ai.djl.pruning.adder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.pruning.analysis.CostDescribed;
import ai.djl.pruning.analysis.LayerCost;
import ai.djl.pruning.analysis.MacConvention;
import ai.djl.pruning.analysis.OperationCounts;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.util.PairList;
import com.google.common.base.Preconditions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * AdderNet convolution (Chen et al., AdderNet: Do We Really Need Multiplications in Deep Learning?,
 * CVPR 2020): the output is the negative L1 distance between each input window and each filter,
 *
 * <pre>Y[n,o,h,w] = −Σ_{c,i,j} |X[n, c, h·s + i − p, w·s + j − p] − W[o,c,i,j]|</pre>
 *
 * with stride {@code s}, zero padding {@code p} and no bias (put a BatchNorm after it: the outputs are
 * all ≤ 0 and their scale grows with the window).
 *
 * <p><b>Gradients.</b> The paper's training gradients are not those of the formula: the weight gets
 * the full-precision {@code ∂Y/∂W = X − W} (not {@code sign(X − W)}) and the input the clipped
 * {@code ∂Y/∂X = HardTanh(W − X)}. DJL offers no custom autograd function from Java, so in training
 * mode the block returns
 *
 * <pre>Y = stopgrad(Y_true) + (S − stopgrad(S)),   S = S_W + S_X,
 * S_W[n,o,l] = Σ_c X̄[n,c,l]·W[o,c] − ½ Σ_c W[o,c]²          (X̄ = stopgrad(X): ∂S_W/∂W = X̄ − W)
 * S_X[n,o,l] = Σ_c X[n,c,l]·stopgrad(HardTanh(W[o,c] − X[n,c,l]))   (∂S_X/∂X = HardTanh(W − X))</pre>
 *
 * over the unfolded windows {@code X[n,c,l]} ({@code c} runs over C·k·k, {@code l} over output
 * positions). {@code S − stopgrad(S)} is exactly zero, so the forward value equals {@code Y_true} bit for
 * bit, and autograd back-propagates exactly the paper's gradients. In inference mode only {@code
 * Y_true} is computed.
 *
 * <p><b>Memory.</b> The windows are unfolded with strided slices (im2col) and compared with every
 * filter by broadcasting, which takes {@code N·O·C·k²·H_out·W_out} elements; the computation is chunked
 * over output channels to bound the transient memory (training still keeps one such tensor per layer
 * for the backward pass). Keep batches and widths small.
 *
 * <pre>{@code
 * Block net = new NamedSequentialBlock()
 *         .add("adder1", AdderConv2d.builder().setKernel(3).setFilters(32).optPadding(1).build())
 *         .add("bn1", BatchNorm.builder().build());
 * }</pre>
 */
public final class AdderConv2d extends AbstractBlock implements CostDescribed {

    private static final byte VERSION = 1;
    /**
     * Default bound on one chunk's broadcast tensor, in elements (16 MiB of float32): below glibc's
     * largest mmap threshold, so freed chunks are reused instead of being mapped and faulted in anew.
     */
    private static final long DEFAULT_CHUNK_ELEMENTS = 4L << 20;

    private final int kernel;
    private final int filters;
    private final int stride;
    private final int padding;
    private final long chunkElements;
    private final Parameter weight;

    private AdderConv2d(Builder b) {
        super(VERSION);
        this.kernel = b.kernel;
        this.filters = b.filters;
        this.stride = b.stride;
        this.padding = b.padding;
        this.chunkElements = b.chunkElements;
        // He initialisation, as for a ReLU convolution: the following BatchNorm rescales anyway.
        this.weight = addParameter(Parameter.builder().setName("weight").setType(Parameter.Type.WEIGHT)
                .optInitializer(new XavierInitializer(XavierInitializer.RandomType.GAUSSIAN,
                        XavierInitializer.FactorType.IN, 2))
                .build());
    }

    /** @return a new builder */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the kernel size k (square k×k) */
    public int getKernel() {
        return kernel;
    }

    /** @return the number of output channels */
    public int getFilters() {
        return filters;
    }

    /** @return the stride (both axes) */
    public int getStride() {
        return stride;
    }

    /** @return the zero padding (each side, both axes) */
    public int getPadding() {
        return padding;
    }

    /** @return the weight parameter, shape (filters, C_in, k, k) */
    public Parameter getWeight() {
        return weight;
    }

    @Override
    protected void prepare(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        Preconditions.checkArgument(in.dimension() == 4, "AdderConv2d expects NCHW input, got %s", in);
        weight.setShape(new Shape(filters, in.get(1), kernel, kernel));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        Preconditions.checkArgument(in.dimension() == 4, "AdderConv2d expects NCHW input, got %s", in);
        return new Shape[] {new Shape(in.get(0), filters, outSize(in.get(2)), outSize(in.get(3)))};
    }

    private long outSize(long size) {
        long out = (size + 2L * padding - kernel) / stride + 1;
        Preconditions.checkArgument(out > 0, "input size %s is too small for kernel %s with padding %s", size,
                kernel, padding);
        return out;
    }

    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDArray w = parameterStore.getValue(weight, x.getDevice(), training);
        return new NDList(training ? surrogate(x, w) : value(x, w));
    }

    /**
     * Computes {@code Y = −Σ|X − W|} without the training surrogate.
     *
     * @param x input (N, C, H, W)
     * @param w weight (O, C, k, k)
     * @return output (N, O, H_out, W_out)
     */
    NDArray value(NDArray x, NDArray w) {
        try (NDArray xBar = x.stopGradient(); NDArray cols = unfold(xBar); NDArray w2 = flatWeight(w, x, true);
                NDArray y = distances(cols, w2, null, null)) {
            return y.reshape(outputShape(x));
        }
    }

    /**
     * The weight as (O, C·k²), attached to the input's manager: results of operations whose first operand
     * is a parameter would otherwise join the model's manager and live as long as the model.
     */
    private NDArray flatWeight(NDArray w, NDArray x, boolean stop) {
        NDArray flat;
        if (stop) {
            try (NDArray wBar = w.stopGradient()) {
                flat = wBar.reshape(filters, -1);
            }
        } else {
            flat = w.reshape(filters, -1);
        }
        flat.attach(x.getManager());
        return flat;
    }

    /**
     * The stop-gradient construction: forward value {@code Y_true}, gradients {@code X − W} to the weight
     * and {@code HardTanh(W − X)} to the input (see the class comment). Every intermediate is closed here:
     * closing a handle does not free what autograd saved for the backward pass.
     */
    NDArray surrogate(NDArray x, NDArray w) {
        List<NDArray> sx = new ArrayList<>();
        try (NDArray cols = unfold(x); // tracked: the input gradient flows back through the slices
                NDArray colsBar = cols.stopGradient();
                NDArray w2 = flatWeight(w, x, false); // tracked
                NDArray w2Bar = w2.stopGradient();
                NDArray yTrue = distances(colsBar, w2Bar, cols, sx);
                NDArray sX = sx.size() == 1 ? sx.remove(0) : NDArrays.concat(new NDList(sx), 1);
                // S_W = X̄·Wᵀ − ½‖W_o‖², by a (broadcast) matrix product: (O, Ck²) × (N, Ck², L) → (N, O, L).
                NDArray cross = w2.matMul(colsBar);
                NDArray sq = w2.square();
                NDArray sqSum = sq.sum(new int[] {1});
                NDArray halfFlat = sqSum.mul(0.5f);
                NDArray half = halfFlat.reshape(1, filters, 1);
                NDArray sW = cross.sub(half);
                NDArray s = sW.add(sX);
                NDArray sBar = s.stopGradient();
                NDArray zero = s.sub(sBar); // exactly 0, carries ∂S
                NDArray sum = yTrue.add(zero)) {
            return sum.reshape(outputShape(x));
        } finally {
            sx.forEach(NDArray::close);
        }
    }

    /**
     * Y_true (N, O, L), chunk by chunk of output channels; with {@code tracked} windows, also collects each
     * chunk's {@code S_X = Σ_c X·stopgrad(HardTanh(W − X̄))} into {@code sx} (see {@link #surrogate}).
     */
    private NDArray distances(NDArray colsBar, NDArray w2Bar, NDArray tracked, List<NDArray> sx) {
        long n = colsBar.getShape().get(0);
        long window = colsBar.getShape().get(1);
        long positions = colsBar.getShape().get(2);
        int chunk = (int) Math.max(1, Math.min(filters, chunkElements / Math.max(1, n * window * positions)));
        List<NDArray> parts = new ArrayList<>();
        try (NDArray xe = colsBar.expandDims(1)) {
            for (int o0 = 0; o0 < filters; o0 += chunk) {
                int o1 = Math.min(filters, o0 + chunk);
                try (NDArray slice = w2Bar.get(new NDIndex(o0 + ":" + o1));
                        NDArray wc = slice.reshape(1, o1 - o0, window, 1);
                        NDArray d = xe.sub(wc); // X̄ − W, (N, Oc, Ck², L)
                        NDArray abs = d.abs()) {
                    parts.add(abs.sum(new int[] {2}).negi());
                    if (tracked != null) {
                        sx.add(hardTanhTerm(d, tracked));
                    }
                }
            }
        }
        if (parts.size() == 1) {
            return parts.get(0);
        }
        NDArray y = NDArrays.concat(new NDList(parts), 1);
        parts.forEach(NDArray::close);
        return y;
    }

    private static NDArray hardTanhTerm(NDArray d, NDArray tracked) {
        // HardTanh(W − X̄) = clip(−d, −1, 1): d is computed from stopped arrays, so a constant for autograd.
        try (NDArray negD = d.neg(); NDArray t = negD.clip(-1f, 1f); NDArray xe = tracked.expandDims(1);
                NDArray prod = xe.mul(t)) {
            return prod.sum(new int[] {2});
        }
    }

    /** Unfolds (N, C, H, W) into windows (N, C·k·k, H_out·W_out), c-major then (i, j), as W's reshape. */
    NDArray unfold(NDArray x) {
        Shape s = x.getShape();
        long ho = outSize(s.get(2));
        long wo = outSize(s.get(3));
        NDArray padded = padding == 0 ? x : x.pad(new Shape(padding, padding, padding, padding), 0);
        List<NDArray> slices = new ArrayList<>(kernel * kernel);
        for (int i = 0; i < kernel; i++) {
            for (int j = 0; j < kernel; j++) {
                slices.add(padded.get(new NDIndex(String.format(Locale.ROOT, ":, :, %d:%d:%d, %d:%d:%d", i,
                        i + stride * (ho - 1) + 1, stride, j, j + stride * (wo - 1) + 1, stride))));
            }
        }
        NDArray stacked = NDArrays.stack(new NDList(slices), 2); // (N, C, k², Ho, Wo)
        NDArray cols = stacked.reshape(s.get(0), s.get(1) * kernel * kernel, ho * wo);
        slices.forEach(NDArray::close);
        stacked.close();
        if (padded != x) {
            padded.close();
        }
        return cols;
    }

    private Shape outputShape(NDArray x) {
        return getOutputShapes(new Shape[] {x.getShape()})[0];
    }

    /**
     * No multiplications: per output value {@code k²C_in} subtractions and absolute values and {@code
     * k²C_in − 1} additions (see {@link OperationCounts}); 0 MACs; memory accesses as a convolution's
     * ({@code 2·k²C_in} reads per output value and one write).
     */
    @Override
    public LayerCost describeCost(Shape[] inputShapes, Shape[] outputShapes, MacConvention convention) {
        long outputs = outputShapes[0].size();
        long window = inputShapes[0].get(1) * kernel * kernel;
        return new LayerCost(0, 2 * outputs * window + outputs, OperationCounts.adder(outputs, window));
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "AdderConv2d(%d filters, %dx%d, stride %d, padding %d)", filters, kernel,
                kernel, stride, padding);
    }

    /** Options of an {@link AdderConv2d}. */
    public static final class Builder {
        private int kernel;
        private int filters;
        private int stride = 1;
        private int padding;
        private long chunkElements = DEFAULT_CHUNK_ELEMENTS;

        private Builder() {}

        /**
         * Sets the square kernel size.
         *
         * @param kernel k ≥ 1
         * @return this builder
         */
        public Builder setKernel(int kernel) {
            Preconditions.checkArgument(kernel >= 1, "kernel must be >= 1, got %s", kernel);
            this.kernel = kernel;
            return this;
        }

        /**
         * Sets the number of output channels.
         *
         * @param filters ≥ 1
         * @return this builder
         */
        public Builder setFilters(int filters) {
            Preconditions.checkArgument(filters >= 1, "filters must be >= 1, got %s", filters);
            this.filters = filters;
            return this;
        }

        /**
         * Sets the stride; default 1.
         *
         * @param stride ≥ 1
         * @return this builder
         */
        public Builder optStride(int stride) {
            Preconditions.checkArgument(stride >= 1, "stride must be >= 1, got %s", stride);
            this.stride = stride;
            return this;
        }

        /**
         * Sets the zero padding on each side; default 0.
         *
         * @param padding ≥ 0
         * @return this builder
         */
        public Builder optPadding(int padding) {
            Preconditions.checkArgument(padding >= 0, "padding must be >= 0, got %s", padding);
            this.padding = padding;
            return this;
        }

        /**
         * Bounds the broadcast tensor computed at once (N × output channels of a chunk × C·k² ×
         * positions); default 4 Mi elements. Changes memory, not results.
         *
         * @param elements ≥ 1
         * @return this builder
         */
        public Builder optChunkElements(long elements) {
            Preconditions.checkArgument(elements >= 1, "chunk must be >= 1 element, got %s", elements);
            this.chunkElements = elements;
            return this;
        }

        /** @return the block */
        public AdderConv2d build() {
            Preconditions.checkArgument(kernel >= 1, "setKernel is required");
            Preconditions.checkArgument(filters >= 1, "setFilters is required");
            return new AdderConv2d(this);
        }
    }
}
