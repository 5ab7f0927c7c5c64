package ai.djl.pruning.analysis;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv1d;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.convolutional.Conv3d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.ndarray.NDList;
import ai.djl.pruning.nn.NamedSequentialBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.testng.annotations.Test;

public class ModelProfileTest {

    @Test
    public void linearDenseAndSparse() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block linear = Linear.builder().setUnits(512).build();
            linear.initialize(manager, DataType.FLOAT32, new Shape(1, 1024));
            // Deterministic nonzero values: a random initialisation may hold an exact 0.0.
            ones(linear, Parameter.Type.WEIGHT);
            ones(linear, Parameter.Type.BIAS);
            ModelProfile dense = ModelProfile.of(linear, new Shape(1, 1024), MacConvention.CONV_LINEAR);
            assertEquals(dense.macs(), 524_288L);
            assertEquals(dense.params(), 524_800L);
            // Keep 70% of the weights: zero the first round(0.3·524,288) = 157,286 of them.
            NDArray w = weight(linear);
            NDArray flat = w.reshape(-1);
            flat.set(new NDIndex(":157286"), 0f);
            w.set(new NDIndex("..."), flat.reshape(w.getShape()));
            ModelProfile sparse = ModelProfile.of(linear, new Shape(1, 1024), MacConvention.CONV_LINEAR);
            assertEquals(sparse.macs(), 524_288L);
            assertEquals(sparse.effectiveMacs(), Math.round(524_288 * 0.7));
            assertEquals(sparse.effectiveMacs(), 367_002L);
            assertEquals(sparse.nonzeroParams(), 367_514L);
            assertEquals(sparse.nonzeroSizeBytes(32), 367_514L * 4);
            assertEquals(sparse.sizeBytes(8), 524_800L);
        }
    }

    @Test
    public void regularDepthwiseAndPointwiseConvolutions() {
        long h = 32;
        long w = 32;
        long k = 3;
        long c = 64;
        ModelProfile regular = profileConv(64, 3, 1, new Shape(1, 64, 32, 32));
        assertEquals(regular.macs(), h * w * k * k * c * c);
        assertEquals(regular.params(), k * k * c * c + c);
        assertEquals(regular.memoryAccesses(), 2 * h * w * k * k * c * c + h * w * c);
        assertEquals(regular.macs(), 37_748_736L);

        ModelProfile depthwise = profileConv(64, 3, 64, new Shape(1, 64, 32, 32));
        assertEquals(depthwise.macs(), h * w * k * k * c);
        assertEquals(depthwise.params(), k * k * c + c);
        assertEquals(depthwise.memoryAccesses(), 2 * h * w * k * k * c + h * w * c);

        ModelProfile pointwise = profileConv(64, 1, 1, new Shape(1, 64, 32, 32));
        assertEquals(pointwise.macs(), h * w * c * c);
        assertEquals(pointwise.params(), c * c + c);
        assertEquals(pointwise.memoryAccesses(), 2 * h * w * c * c + h * w * c);
    }

    @Test
    public void mobileNetSeparableConvolutionCost() {
        // D_F = 112, M = 64 input channels, N = 128 output channels, D_k = 3.
        try (NDManager manager = NDManager.newBaseManager()) {
            Shape in = new Shape(1, 64, 112, 112);
            Block standard = conv(128, 3, 1, false);
            standard.initialize(manager, DataType.FLOAT32, in);
            long standardMacs = ModelProfile.of(standard, in, MacConvention.CONV_LINEAR).macs();
            assertEquals(standardMacs, 924_844_032L);
            Block separable = new SequentialBlock().add(conv(64, 3, 64, false)).add(conv(128, 1, 1, false));
            separable.initialize(manager, DataType.FLOAT32, in);
            long separableMacs = ModelProfile.of(separable, in, MacConvention.CONV_LINEAR).macs();
            assertEquals(separableMacs, 109_985_792L);
            assertEquals((double) separableMacs / standardMacs, 1.0 / 128 + 1.0 / 9, 1e-12);
        }
    }

    @Test
    public void groupedStridedDilatedAnd1dAnd3dConvolutions() {
        try (NDManager manager = NDManager.newBaseManager()) {
            // Grouped (4 groups) strided conv: 16→32, 3×3, stride 2, 32×32 → 16×16 output.
            Block grouped = Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1))
                    .optStride(new Shape(2, 2)).optGroups(4).setFilters(32).build();
            Shape in = new Shape(2, 16, 32, 32);
            grouped.initialize(manager, DataType.FLOAT32, in);
            ModelProfile p = ModelProfile.of(grouped, in, MacConvention.CONV_LINEAR);
            assertEquals(p.layers().get(0).outputShape(), new Shape(2, 32, 16, 16));
            assertEquals(p.macs(), 2L * 16 * 16 * 9 * (16 / 4) * 32);
            assertEquals(p.params(), 9L * 4 * 32 + 32);

            Block dilated = Conv2d.builder().setKernelShape(new Shape(3, 3)).optDilation(new Shape(2, 2))
                    .setFilters(8).optBias(false).build();
            Shape din = new Shape(1, 4, 10, 10);
            dilated.initialize(manager, DataType.FLOAT32, din);
            assertEquals(ModelProfile.of(dilated, din, MacConvention.CONV_LINEAR).macs(), 6L * 6 * 9 * 4 * 8);

            Block c1 = Conv1d.builder().setKernelShape(new Shape(5)).setFilters(8).build();
            c1.initialize(manager, DataType.FLOAT32, new Shape(1, 4, 20));
            assertEquals(ModelProfile.of(c1, new Shape(1, 4, 20), MacConvention.CONV_LINEAR).macs(), 16L * 5 * 4 * 8);

            Block c3 = Conv3d.builder().setKernelShape(new Shape(3, 3, 3)).setFilters(2).optBias(false).build();
            c3.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 5, 5, 5));
            assertEquals(ModelProfile.of(c3, new Shape(1, 3, 5, 5, 5), MacConvention.CONV_LINEAR).macs(),
                    27L * 27 * 3 * 2);
        }
    }

    @Test
    public void torchprofileConventionCountsBatchNormPerOutputElement() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = new SequentialBlock().add(conv(8, 3, 1, false)).add(BatchNorm.builder().build());
            Shape in = new Shape(1, 4, 6, 6);
            net.initialize(manager, DataType.FLOAT32, in);
            long convMacs = 6L * 6 * 9 * 4 * 8;
            assertEquals(ModelProfile.of(net, in, MacConvention.CONV_LINEAR).macs(), convMacs);
            assertEquals(ModelProfile.of(net, in, MacConvention.TORCHPROFILE).macs(), convMacs + 8 * 36);
            // BatchNorm's γ and β are parameters; its running statistics are not.
            assertEquals(ModelProfile.of(net, in, MacConvention.CONV_LINEAR).params(), 9L * 4 * 8 + 16);
        }
    }

    @Test
    public void opaqueBlocksAreReportedNotSilentlyZero() {
        try (NDManager manager = NDManager.newBaseManager()) {
            // A lambda KnownOps cannot name (x·2); a recognised one such as Activation.reluBlock() is costed.
            Block net = new NamedSequentialBlock().add("conv", conv(4, 3, 1, true))
                    .add("act", new LambdaBlock(l -> new NDList(l.singletonOrThrow().mul(2))))
                    .add("relu", Activation.reluBlock());
            Shape in = new Shape(1, 3, 8, 8);
            net.initialize(manager, DataType.FLOAT32, in);
            ModelProfile p = ModelProfile.of(net, in, MacConvention.CONV_LINEAR);
            assertEquals(p.unknownLayers().size(), 1);
            assertEquals(p.unknownLayers().get(0).path(), "02act");
            assertTrue(p.toTable().contains("(UNKNOWN)"));
            assertTrue(p.toTable().contains("WARNING: 1 block(s) of unknown cost"));
            // Its MACs print as unknown, not as a 0 that reads like a measurement; totals are lower bounds.
            assertTrue(p.toTable().lines().anyMatch(l -> l.startsWith("02act") && l.contains("unknown")), p.toTable());
            assertTrue(p.toTable().lines().anyMatch(l -> l.startsWith("TOTAL") && l.contains(">= ")), p.toTable());
            assertFalse(p.macsKnown());
            assertEquals(p.layers().get(0).path(), "01conv");
            // ... and a compression report shows no MAC ratio of lower bounds.
            assertEquals(CompressionReport.builder().addProfiles(p, p, 32).build().rows().stream()
                    .map(CompressionReport.Row::metric).toList(), java.util.List.of("Params (M)", "Nonzero params (M)",
                    "Size (MiB, 32-bit)", "Nonzero size (MiB, 32-bit)"));
        }
    }

    @Test
    public void customBlocksDescribeTheirOwnCost() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = new SequentialBlock().add(new Doubler());
            Shape in = new Shape(2, 5);
            net.initialize(manager, DataType.FLOAT32, in);
            ModelProfile p = ModelProfile.of(net, in, MacConvention.TORCHPROFILE);
            assertTrue(p.unknownLayers().isEmpty());
            assertEquals(p.macs(), 10L);
            assertEquals(p.memoryAccesses(), 20L);
            assertFalse(p.toJson().isEmpty());
        }
    }

    /** y = 2x, describing itself: one MAC per element under torchprofile's convention. */
    private static final class Doubler extends AbstractBlock implements CostDescribed {
        @Override
        protected NDList forwardInternal(ParameterStore s, NDList in, boolean t, PairList<String, Object> p) {
            return new NDList(in.head().mul(2));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] in) {
            return in;
        }

        @Override
        public LayerCost describeCost(Shape[] in, Shape[] out, MacConvention c) {
            long n = out[0].size();
            return new LayerCost(c == MacConvention.TORCHPROFILE ? n : 0, 2 * n);
        }
    }

    private static ModelProfile profileConv(int filters, int kernel, int groups, Shape in) {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block c = conv(filters, kernel, groups, true);
            c.initialize(manager, DataType.FLOAT32, in);
            return ModelProfile.of(c, in, MacConvention.CONV_LINEAR);
        }
    }

    static Conv2d conv(int filters, int kernel, int groups, boolean bias) {
        return Conv2d.builder().setKernelShape(new Shape(kernel, kernel))
                .optPadding(new Shape(kernel / 2, kernel / 2)).optGroups(groups).setFilters(filters)
                .optBias(bias).build();
    }

    private static NDArray weight(Block b) {
        return b.getParameters().stream().filter(p -> p.getValue().getType() == Parameter.Type.WEIGHT)
                .findFirst().orElseThrow().getValue().getArray();
    }

    private static void ones(Block b, Parameter.Type type) {
        b.getParameters().stream().filter(p -> p.getValue().getType() == type)
                .forEach(p -> p.getValue().getArray().set(new NDIndex("..."), 1f));
    }
}
