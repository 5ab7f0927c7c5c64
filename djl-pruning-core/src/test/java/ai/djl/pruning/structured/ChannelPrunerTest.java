package ai.djl.pruning.structured;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.pruning.ParameterSnapshot;
import ai.djl.pruning.analysis.MacConvention;
import ai.djl.pruning.analysis.ModelProfile;
import ai.djl.pruning.nn.GlobalAvgPool2d;
import ai.djl.pruning.nn.NamedSequentialBlock;
import ai.djl.pruning.nn.ParameterWrites;
import ai.djl.pruning.nn.Relu;
import ai.djl.pruning.nn.ResidualBlock;
import java.util.Map;
import org.testng.annotations.Test;

public class ChannelPrunerTest {

    static final Shape IN = new Shape(2, 8, 8, 8);

    /** Bottleneck: 1×1 reduce, 3×3 depthwise, 1×1 expand, with a 1×1 conv + BN shortcut (8 → 16). */
    public static Block bottleneckNet() {
        ResidualBlock block = ResidualBlock.builder()
                .add("conv1", conv(6, 1, 1)).add("bn1", BatchNorm.builder().build()).add("relu1", new Relu())
                .add("conv2", conv(6, 3, 6)).add("bn2", BatchNorm.builder().build()).add("relu2", new Relu())
                .add("conv3", conv(16, 1, 1)).add("bn3", BatchNorm.builder().build())
                .optShortcut("downsample", new NamedSequentialBlock()
                        .add("0", conv(16, 1, 1)).add("1", BatchNorm.builder().build()))
                .build();
        return new NamedSequentialBlock()
                .add("block", block)
                .add("pool", new GlobalAvgPool2d())
                .add("fc", Linear.builder().setUnits(5).build());
    }

    /** The bottleneck net, initialised for {@link #IN}, with non-trivial BatchNorm statistics. */
    static Block initialisedBottleneck(NDManager manager) {
        Block net = bottleneckNet();
        net.initialize(manager, DataType.FLOAT32, IN);
        randomiseBatchNorm(net, manager);
        return net;
    }

    private static Conv2d conv(int filters, int kernel, int groups) {
        return Conv2d.builder().setKernelShape(new Shape(kernel, kernel)).optPadding(new Shape(kernel / 2, kernel / 2))
                .optGroups(groups).setFilters(filters).optBias(false).build();
    }

    @Test
    public void bottleneckWithConvShortcutAndDepthwiseEqualsMaskedOriginal() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = bottleneckNet();
            net.initialize(manager, DataType.FLOAT32, IN);
            randomiseBatchNorm(net, manager);
            Map<String, float[]> before = ParameterSnapshot.of(net);
            for (Importance criterion : new Importance[] {Importance.l1(), Importance.l2(), Importance.fpgm(),
                    Importance.batchNormScale(), Importance.random(3)}) {
                ChannelPruner pruner = ChannelPruner.builder().optImportance(criterion).build();
                ChannelPruningPlan plan = pruner.plan(net, IN, 0.5);
                // Groups: the 6-wide reduce group (conv1 out, bn1, depthwise conv2, bn2, conv3 in) and the
                // 16-wide residual output (conv3 out, bn3, shortcut conv out + BN, fc in).
                assertEquals(plan.pruned().size(), 3 + 8);
                Block smaller = pruner.apply(net, plan, manager); // verifies against the masked original
                ModelProfile p = ModelProfile.of(smaller, IN, MacConvention.CONV_LINEAR);
                assertEquals(p.layers().stream().filter(l -> l.path().endsWith("conv2")).findFirst().orElseThrow()
                        .outputShape(), new Shape(2, 3, 8, 8));
                assertEquals(p.layers().get(p.layers().size() - 1).outputShape(), new Shape(2, 5));
            }
            ParameterSnapshot.assertBitIdentical(before, ParameterSnapshot.of(net)); // the original is untouched
        }
    }

    @Test
    public void groupsAreFoundWithTheirLayers() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = bottleneckNet();
            net.initialize(manager, DataType.FLOAT32, IN);
            DependencyGraph graph = DependencyGraph.of(net, IN);
            var groups = graph.groups();
            assertEquals(groups.size(), 4); // input (protected), reduce, residual output, logits (protected)
            assertTrue(groups.get(0).isProtected());
            assertEquals(groups.get(1).channels().size(), 6);
            assertEquals(groups.get(2).channels().size(), 16);
            assertTrue(groups.get(2).toString().contains("01block_09downsample_01 0[CONV_OUT]".replace(" ", "")),
                    groups.get(2).toString());
            assertTrue(groups.get(3).isProtected());
        }
    }

    @Test
    public void groupedConvolutionLosesWholeGroups() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = new NamedSequentialBlock().add("conv1", conv(8, 3, 1)).add("bn1", BatchNorm.builder().build())
                    .add("relu1", new Relu()).add("grouped", conv(12, 3, 4)).add("bn2", BatchNorm.builder().build())
                    .add("relu2", new Relu()).add("conv3", conv(4, 1, 1)).add("pool", new GlobalAvgPool2d())
                    .add("fc", Linear.builder().setUnits(2).build());
            net.initialize(manager, DataType.FLOAT32, IN);
            randomiseBatchNorm(net, manager);
            ChannelPruner pruner = ChannelPruner.builder().build();
            ChannelPruningPlan plan = pruner.plan(net, IN, 0.5);
            // 4 groups of (2 inputs, 3 filters): 2 groups go, with conv1's 4 filters feeding them.
            assertEquals(plan.widths().get("01conv1[CONV_OUT]"), new int[] {8, 4});
            assertEquals(plan.widths().get("04grouped[CONV_OUT]"), new int[] {12, 6});
            Block pruned = pruner.apply(net, plan, manager); // equals the masked original
            Conv2d grouped = (Conv2d) pruned.getChildren().get(3).getValue();
            assertEquals(grouped.getGroups(), 2);
            assertEquals(grouped.getParameters().get(0).getValue().getArray().getShape(), new Shape(6, 2, 3, 3));
            ChannelSorter.builder().build().sort(net, IN, manager); // verified equal to the original
        }
    }

    @Test
    public void opaqueBlockIsRefusedWithItsName() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = new NamedSequentialBlock().add("conv", conv(4, 3, 1)).add("act", new Opaque())
                    .add("pool", new GlobalAvgPool2d()).add("fc", Linear.builder().setUnits(2).build());
            net.initialize(manager, DataType.FLOAT32, IN);
            IllegalArgumentException e = expectThrows(IllegalArgumentException.class,
                    () -> ChannelPruner.builder().build().plan(net, IN, 0.5));
            assertTrue(e.getMessage().contains("cannot prune channels through Opaque at '02act'"), e.getMessage());
        }
    }

    /** A user's block with no declared channel mapping (it happens to be the identity). */
    static final class Opaque extends AbstractBlock {
        @Override
        protected ai.djl.ndarray.NDList forwardInternal(ai.djl.training.ParameterStore store,
                ai.djl.ndarray.NDList inputs, boolean training, ai.djl.util.PairList<String, Object> params) {
            return inputs;
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return inputShapes;
        }
    }

    @Test
    public void badRatiosAreRefused() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = bottleneckNet();
            net.initialize(manager, DataType.FLOAT32, IN);
            expectThrows(IllegalArgumentException.class, () -> ChannelPruner.builder().build().plan(net, IN, 1.0));
            expectThrows(IllegalArgumentException.class, () -> ChannelPruner.builder().build().plan(net, IN, Double.NaN));
        }
    }

    /** Non-trivial BatchNorm statistics, so that a leaking β or a wrong running mean would show. */
    public static void randomiseBatchNorm(Block net, NDManager manager) {
        net.getParameters().forEach(p -> {
            var a = p.getValue().getArray();
            switch (p.getValue().getType()) {
                case GAMMA, RUNNING_VAR -> ParameterWrites.set(a,
                        new NDIndex("..."), manager.randomUniform(0.5f, 1.5f, a.getShape()));
                case BETA, RUNNING_MEAN -> ParameterWrites.set(a,
                        new NDIndex("..."), manager.randomUniform(-0.5f, 0.5f, a.getShape()));
                default -> { }
            }
        });
    }

    @Test
    public void macTargetIsMetWithTheSmallestRatioFound() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = bottleneckNet();
            net.initialize(manager, DataType.FLOAT32, IN);
            long before = ModelProfile.of(net, IN, MacConvention.CONV_LINEAR).macs();
            ChannelPruner pruner = ChannelPruner.builder().optImportance(Importance.nextLayerInputNorm()).build();
            ChannelPruningPlan plan = pruner.planForMacs(net, IN, 0.5, manager);
            long after = ModelProfile.of(pruner.apply(net, plan, manager), IN, MacConvention.CONV_LINEAR).macs();
            assertTrue(after <= 0.5 * before, after + " vs " + before);
            assertTrue(after > 0.2 * before, "pruned far more than needed: " + after + " vs " + before);
        }
    }

    @Test
    public void criteriaByName() {
        assertEquals(Importance.names().size(), 8);
        Importance.names().stream().filter(n -> !n.equals("apoz") && !n.equals("taylor"))
                .forEach(n -> Importance.of(n, 1));
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> Importance.of("apoz", 1));
        assertTrue(e.getMessage().contains("'apoz' needs calibration data"), e.getMessage());
        e = expectThrows(IllegalArgumentException.class, () -> Importance.of("slimming", 1));
        assertTrue(e.getMessage().contains("unknown importance 'slimming'"), e.getMessage());
    }
}
