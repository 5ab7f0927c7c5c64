package ai.djl.pruning.engine;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.GradientCollector;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BinaryOperator;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A numerical self-test of the engine operations this toolkit relies on, against plain-Java float64
 * references.
 *
 * <p>Why it exists: on some processors the engine's convolution kernels compute wrong numbers. libtorch
 * 2.7.1's oneDNN 3.7.1 on an AMD EPYC of CPU family 26 (Zen 5) returned relative errors up to 0.3, or
 * NaN, for 3×3 convolutions whose channel counts are not multiples of the vector width — exactly the
 * widths pruning produces — while dense models with widths of 16, 32 and 64 still evaluated exactly.
 * Training diverged and pruned accuracies were wrong without any error. The check covers convolution
 * (forward, input gradient and weight gradient; channel counts with and without vector-width tails;
 * strided, 1×1, grouped and depthwise), linear, batch norm in training and inference, max and average
 * pooling, and an SGD-momentum step, on shapes small enough to run in about a second.
 *
 * <p>Run it once per JVM, before trusting any figure:
 *
 * <pre>{@code
 * EngineCheck.verifyOnce(EngineCheck.OnFailure.THROW);   // or WARN: logs the failures and goes on
 * }</pre>
 *
 * <p>A wrong engine is usually fixed by capping oneDNN's instruction set before the JVM starts (
 * {@code ONEDNN_MAX_CPU_ISA}); {@link EngineConfigurator} picks the fastest setting that passes.
 *
 * <p>The check draws its inputs from its own seeded generator and never touches the engine's random
 * stream.
 */
public final class EngineCheck {

    /** What {@link #verifyOnce} does when the engine computes wrong numbers. */
    public enum OnFailure {
        /** Throw an {@link IllegalStateException} naming the failures. */
        THROW,
        /** Log a warning naming the failures and return. */
        WARN
    }

    /**
     * Changes an engine output before it is compared; a hook to test the check itself with an injected
     * fault.
     */
    @FunctionalInterface
    public interface OutputFilter {
        /**
         * @param op the operation and output, as in {@link CheckRow#op()}
         * @param shape the shape, as in {@link CheckRow#shape()}
         * @param output the engine's output
         * @return the output to compare
         */
        NDArray apply(String op, String shape, NDArray output);
    }

    /** The channel counts of the wide sweep: multiples of 16 and pruned-looking widths. */
    private static final int[] SWEEP_CHANNELS = {3, 5, 8, 11, 13, 16, 24, 29, 32, 64};

    private static final Logger LOGGER = LoggerFactory.getLogger(EngineCheck.class);
    private static final Map<Integer, EngineCheckResult> VERIFIED = new HashMap<>();

    private final double tolerance;
    private final boolean sweep;
    private final OutputFilter filter;
    private final long seed;
    private final int channelMultiple;
    private final ImmutableList<ConvShape> modelConvolutions;

    private EngineCheck(Builder b) {
        this.tolerance = b.tolerance;
        this.sweep = b.sweep;
        this.filter = b.filter;
        this.seed = b.seed;
        this.channelMultiple = b.channelMultiple;
        this.modelConvolutions = ImmutableList.copyOf(b.modelConvolutions);
    }

    /** @return a builder: the quick check, tolerance 1e-3, no filter */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Runs the quick check the first time it is called in this JVM and returns that result every time.
     *
     * @param onFailure throw or warn when the engine is wrong
     * @return the result
     * @throws IllegalStateException with {@link OnFailure#THROW} when a check failed
     */
    public static EngineCheckResult verifyOnce(OnFailure onFailure) {
        return verifyOnce(onFailure, 1);
    }

    /**
     * As {@link #verifyOnce(OnFailure)}, for models whose widths are multiples of {@code channelMultiple}
     * ({@link Builder#optChannelMultiple}).
     *
     * @param onFailure throw or warn when the engine is wrong
     * @param channelMultiple 1 for every width
     * @return the result
     */
    public static synchronized EngineCheckResult verifyOnce(OnFailure onFailure, int channelMultiple) {
        EngineCheckResult verified = VERIFIED.computeIfAbsent(channelMultiple,
                m -> builder().optChannelMultiple(m).build().run());
        if (!verified.passed()) {
            String message = "the engine computes wrong numbers on this machine (" + verified.summary()
                    + "); run `bin/djl-pruning doctor`, or start the JVM with ONEDNN_MAX_CPU_ISA=SSE41\n" + verified;
            if (onFailure == OnFailure.THROW) {
                throw new IllegalStateException(message);
            }
            LOGGER.warn(message);
        }
        return verified;
    }

    /** @return the check's result; runs on the engine's default device (CPU) */
    public EngineCheckResult run() {
        List<CheckRow> rows = new ArrayList<>();
        Random random = new Random(seed);
        try (NDManager manager = NDManager.newBaseManager()) {
            for (ConvShape s : convShapes()) {
                try (NDManager m = manager.newSubManager()) {
                    rows.addAll(conv(m, random, s));
                }
            }
            if (!sweep) {
                try (NDManager m = manager.newSubManager()) {
                    rows.addAll(linear(m, random, 4, 29, 13));
                    rows.add(batchNorm(m, random, true));
                    rows.add(batchNorm(m, random, false));
                    rows.add(pool(m, random, true, 2, 2, 0));
                    rows.add(pool(m, random, true, 3, 2, 1));
                    rows.add(pool(m, random, false, 2, 2, 0));
                    rows.add(pool(m, random, false, 8, 8, 0));
                    rows.add(sgdMomentum(m, random));
                }
            }
        }
        return new EngineCheckResult(rows);
    }

    private record ConvShape(int n, int c, int o, int hw, int k, int stride, int pad, int groups) {
        @Override
        public String toString() {
            return String.format("n%d %d→%d %d×%d k%d s%d p%d g%d", n, c, o, hw, hw, k, stride, pad, groups);
        }
    }

    private List<ConvShape> convShapes() {
        List<ConvShape> all = modelConvolutions.isEmpty() ? standardConvShapes() : modelConvolutions;
        // With a channel multiple, only widths a model snapped to it has: multiples, and 3-channel images in.
        return all.stream().filter(s -> (s.c % channelMultiple == 0 || s.c == 3) && s.o % channelMultiple == 0)
                .toList();
    }

    private List<ConvShape> standardConvShapes() {
        List<ConvShape> shapes = new ArrayList<>();
        if (sweep) {
            for (int n : new int[] {1, 4, 32}) {
                for (int hw : new int[] {6, 8, 16, 32}) {
                    for (int c : SWEEP_CHANNELS) {
                        for (int o : SWEEP_CHANNELS) {
                            shapes.add(new ConvShape(n, c, o, hw, 3, 1, 1, 1));
                        }
                    }
                }
            }
            return shapes;
        }
        // Batch 4 and 32 take oneDNN in libtorch; batch 1 with small 3×3 takes its own im2col path.
        int[][] pairs = {{3, 16}, {16, 16}, {13, 5}, {8, 11}, {5, 24}, {29, 13}, {24, 29}, {32, 3}, {11, 8}};
        for (int[] p : pairs) {
            shapes.add(new ConvShape(4, p[0], p[1], 8, 3, 1, 1, 1));
        }
        shapes.add(new ConvShape(32, 13, 11, 8, 3, 1, 1, 1));
        shapes.add(new ConvShape(1, 29, 13, 16, 3, 1, 1, 1));
        shapes.add(new ConvShape(4, 16, 29, 8, 3, 2, 1, 1)); // strided, as a stage's first conv
        shapes.add(new ConvShape(4, 13, 29, 8, 1, 1, 0, 1)); // pointwise
        shapes.add(new ConvShape(4, 16, 24, 8, 1, 2, 0, 1)); // projection shortcut
        shapes.add(new ConvShape(4, 12, 20, 8, 3, 1, 1, 4)); // grouped
        shapes.add(new ConvShape(4, 13, 13, 8, 3, 1, 1, 13)); // depthwise
        shapes.add(new ConvShape(4, 24, 24, 8, 3, 2, 1, 24)); // strided depthwise
        // Widths that are multiples of 16, as a model pruned with rounding to 16 has them.
        shapes.add(new ConvShape(4, 3, 32, 8, 3, 1, 1, 1));
        shapes.add(new ConvShape(4, 48, 16, 8, 3, 1, 1, 1));
        shapes.add(new ConvShape(32, 32, 48, 8, 3, 1, 1, 1));
        shapes.add(new ConvShape(4, 16, 32, 8, 3, 2, 1, 1));
        shapes.add(new ConvShape(4, 32, 64, 8, 1, 2, 0, 1));
        shapes.add(new ConvShape(4, 32, 32, 8, 3, 1, 1, 32));
        if (channelMultiple > 1) {
            // Odd multiples of the multiple itself: with multiple 8 the family-26 EPYC's default ISA gets 24→24
            // (batch 1, 32×32) and 32→8 wrong while every shape above passes; AVX2 gets all of them right.
            int m = channelMultiple;
            shapes.add(new ConvShape(1, 3 * m, 3 * m, 32, 3, 1, 1, 1));
            shapes.add(new ConvShape(1, 4 * m, m, 32, 3, 1, 1, 1));
            shapes.add(new ConvShape(4, 3 * m, m, 8, 3, 1, 1, 1));
            shapes.add(new ConvShape(4, m, 3 * m, 8, 3, 1, 1, 1));
        }
        return shapes;
    }

    private List<CheckRow> conv(NDManager m, Random random, ConvShape s) {
        int oh = (s.hw + 2 * s.pad - s.k) / s.stride + 1;
        double[] x = gaussian(random, s.n * s.c * s.hw * s.hw);
        double[] w = gaussian(random, s.o * (s.c / s.groups) * s.k * s.k);
        double[] b = gaussian(random, s.o);
        double[] g = gaussian(random, s.n * s.o * oh * oh);
        NDArray bias = array(m, b, new Shape(s.o));
        ReferenceMath.LayerResult r = ReferenceMath.conv2d(x, s.n, s.c, s.hw, s.hw, w, s.o, s.k, b, s.stride, s.pad,
                s.groups, g);
        return layerRows("conv2d", s.toString(), array(m, x, new Shape(s.n, s.c, s.hw, s.hw)),
                array(m, w, new Shape(s.o, s.c / s.groups, s.k, s.k)), array(m, g, new Shape(s.n, s.o, oh, oh)),
                (xa, wa) -> Conv2d.conv2d(xa, wa, bias, new Shape(s.stride, s.stride), new Shape(s.pad, s.pad),
                        new Shape(1, 1), s.groups).singletonOrThrow(), r);
    }

    /**
     * The forward output and both gradients of one layer (for the loss Σ y·g), each compared with the
     * reference: three rows.
     */
    private List<CheckRow> layerRows(String layer, String shape, NDArray x, NDArray w, NDArray g,
            BinaryOperator<NDArray> forward, ReferenceMath.LayerResult reference) {
        x.setRequiresGradient(true);
        w.setRequiresGradient(true);
        NDArray y;
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            y = forward.apply(x, w);
            collector.backward(y.mul(g).sum());
        }
        return ImmutableList.of(
                row(layer + " forward", shape, y, reference.y()),
                row(layer + " input-grad", shape, x.getGradient(), reference.dx()),
                row(layer + " weight-grad", shape, w.getGradient(), reference.dw()));
    }

    private List<CheckRow> linear(NDManager m, Random random, int n, int in, int out) {
        double[] x = gaussian(random, n * in);
        double[] w = gaussian(random, out * in);
        double[] b = gaussian(random, out);
        double[] g = gaussian(random, n * out);
        NDArray bias = array(m, b, new Shape(out));
        return layerRows("linear", String.format("n%d %d→%d", n, in, out), array(m, x, new Shape(n, in)),
                array(m, w, new Shape(out, in)), array(m, g, new Shape(n, out)),
                (xa, wa) -> Linear.linear(xa, wa, bias).singletonOrThrow(),
                ReferenceMath.linear(x, n, in, w, out, b, g));
    }

    private CheckRow batchNorm(NDManager m, Random random, boolean training) {
        int n = 4;
        int c = 13;
        int hw = 36;
        double[] x = gaussian(random, n * c * hw);
        double[] gamma = gaussian(random, c);
        double[] beta = gaussian(random, c);
        double[] mean = gaussian(random, c);
        double[] var = new double[c];
        for (int i = 0; i < c; i++) {
            var[i] = 0.5 + random.nextDouble();
        }
        double eps = 1e-5;
        NDArray y = BatchNorm.batchNorm(array(m, x, new Shape(n, c, 6, 6)), array(m, mean, new Shape(c)),
                array(m, var, new Shape(c)), array(m, gamma, new Shape(c)), array(m, beta, new Shape(c)), 1, 0.1f,
                (float) eps, training).singletonOrThrow();
        double[] ref = ReferenceMath.batchNorm(x, n, c, hw, gamma, beta, mean, var, eps, training);
        return row(training ? "batchnorm train" : "batchnorm eval", String.format("n%d c%d 6×6", n, c), y, ref);
    }

    private CheckRow pool(NDManager m, Random random, boolean max, int k, int stride, int pad) {
        int n = 4;
        int c = 13;
        int hw = 8;
        double[] x = gaussian(random, n * c * hw * hw);
        NDArray xa = array(m, x, new Shape(n, c, hw, hw));
        Shape kernel = new Shape(k, k);
        Shape strides = new Shape(stride, stride);
        Shape pads = new Shape(pad, pad);
        NDArray y = max ? Pool.maxPool2d(xa, kernel, strides, pads, false)
                : Pool.avgPool2d(xa, kernel, strides, pads, false, true);
        double[] ref = ReferenceMath.pool2d(x, n, c, hw, hw, k, stride, pad, max);
        return row(max ? "maxpool" : "avgpool", String.format("n%d c%d %d×%d k%d s%d p%d", n, c, hw, hw, k, stride,
                pad), y, ref);
    }

    private CheckRow sgdMomentum(NDManager m, Random random) {
        int size = 29 * 13;
        double[] w = gaussian(random, size);
        double[] g1 = gaussian(random, size);
        double[] g2 = gaussian(random, size);
        Shape shape = new Shape(29, 13);
        NDArray wa = array(m, w, shape);
        Optimizer sgd = Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.1f)).optMomentum(0.9f).build();
        sgd.update("engine-check", wa, array(m, g1, shape));
        sgd.update("engine-check", wa, array(m, g2, shape));
        return row("sgd-momentum 2 steps", "29×13 lr0.1 μ0.9", wa,
                ReferenceMath.sgdMomentumTwoSteps(w, g1, g2, 0.1, 0.9));
    }

    private CheckRow row(String op, String shape, NDArray engineOutput, double[] reference) {
        NDArray out = filter == null ? engineOutput : filter.apply(op, shape, engineOutput);
        float[] actual = out.toFloatArray();
        Preconditions.checkState(actual.length == reference.length, "%s %s: engine gave %s values, reference %s",
                op, shape, actual.length, reference.length);
        double scale = 0;
        for (double r : reference) {
            scale = Math.max(scale, Math.abs(r));
        }
        double err = 0;
        for (int i = 0; i < actual.length; i++) {
            double d = Math.abs(actual[i] - reference[i]);
            err = Double.isFinite(d) ? Math.max(err, d) : Double.POSITIVE_INFINITY;
        }
        return new CheckRow(op, shape, err / Math.max(scale, 1e-12), tolerance);
    }

    private static double[] gaussian(Random random, int size) {
        double[] v = new double[size];
        for (int i = 0; i < size; i++) {
            // Rounded through float so that engine and reference see identical inputs.
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }

    private static NDArray array(NDManager m, double[] values, Shape shape) {
        float[] f = new float[values.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) values[i];
        }
        return m.create(f, shape);
    }

    /** Options of the check. */
    public static final class Builder {
        private double tolerance = 1e-3;
        private boolean sweep;
        private OutputFilter filter;
        private long seed = 20261203L;
        private int channelMultiple = 1;
        private List<ConvShape> modelConvolutions = List.of();

        private Builder() {}

        /**
         * @param tolerance the largest relative error accepted (float32 kernels are around 1e-6; the
         *     faults seen were 1e-2 and more)
         * @return this builder
         */
        public Builder optTolerance(double tolerance) {
            Preconditions.checkArgument(tolerance > 0, "tolerance must be positive, got %s", tolerance);
            this.tolerance = tolerance;
            return this;
        }

        /**
         * @param sweep true for the wide sweep instead of the quick check: 1,200 3×3 convolutions (batch
         *     1/4/32, 6×6 to 32×32, in and out channels of 3 to 64); minutes rather than a second
         * @return this builder
         */
        public Builder optSweep(boolean sweep) {
            this.sweep = sweep;
            return this;
        }

        /**
         * @param filter applied to each engine output before comparison (to test the check itself)
         * @return this builder
         */
        public Builder optOutputFilter(OutputFilter filter) {
            this.filter = filter;
            return this;
        }

        /**
         * @param seed the seed of the check's own input generator
         * @return this builder
         */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * Checks only convolutions whose channel counts are multiples of {@code multiple} (input images of
         * 3 channels excepted): whether the engine is correct for models whose widths were snapped to it
         * (for example {@code ChannelPruner.builder().optRoundTo(16)}).
         *
         * @param multiple the channel multiple, 1 for all
         * @return this builder
         */
        public Builder optChannelMultiple(int multiple) {
            Preconditions.checkArgument(multiple >= 1, "channel multiple must be at least 1, got %s", multiple);
            this.channelMultiple = multiple;
            return this;
        }

        /**
         * Checks the convolutions of a model instead of the standard shapes: each distinct {@link Conv2d}
         * (channels, square kernel, stride, padding, groups) at batch 4 on 8×8 inputs, beside the
         * standard linear, batch-norm, pooling and SGD checks. Whether one model computes correctly on an
         * engine configuration that fails the general check.
         *
         * @param block an initialised model
         * @return this builder
         */
        public Builder optConvolutionsOf(Block block) {
            Set<ConvShape> shapes = new LinkedHashSet<>();
            collectConvolutions(block, shapes);
            Preconditions.checkArgument(!shapes.isEmpty(), "the model has no Conv2d with a square kernel to check");
            this.modelConvolutions = new ArrayList<>(shapes);
            return this;
        }

        private static void collectConvolutions(Block block, Set<ConvShape> out) {
            if (block instanceof Conv2d conv && block.isInitialized()) {
                Shape w = block.getParameters().get("weight").getArray().getShape();
                Shape k = conv.getKernelShape();
                Shape stride = conv.getStride();
                Shape pad = conv.getPadding();
                boolean square = k.dimension() == 2 && k.get(0) == k.get(1) && stride.get(0) == stride.get(1)
                        && pad.get(0) == pad.get(1);
                if (square) {
                    int groups = conv.getGroups();
                    out.add(new ConvShape(4, (int) w.get(1) * groups, (int) w.get(0), 8, (int) k.get(0),
                            (int) stride.get(0), (int) pad.get(0), groups));
                }
            }
            block.getChildren().values().forEach(child -> collectConvolutions(child, out));
        }

        /** @return the check */
        public EngineCheck build() {
            return new EngineCheck(this);
        }
    }
}
