package ai.djl.pruning.nn.efficient;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.pruning.analysis.MacConvention;
import ai.djl.pruning.analysis.ModelProfile;
import ai.djl.pruning.nn.BlockSpec;
import ai.djl.pruning.nn.ChannelShuffle;
import ai.djl.pruning.nn.GlobalAvgPool2d;
import ai.djl.pruning.nn.KnownOps;
import ai.djl.pruning.nn.NamedSequentialBlock;
import ai.djl.pruning.nn.ParameterWrites;
import ai.djl.pruning.nn.Relu;
import ai.djl.pruning.nn.ResidualBlock;
import ai.djl.pruning.structured.ChannelGroup;
import ai.djl.pruning.structured.ChannelPruner;
import ai.djl.pruning.structured.ChannelPruningPlan;
import ai.djl.pruning.structured.ChannelRole;
import ai.djl.pruning.structured.DependencyGraph;
import ai.djl.pruning.structured.LayerChannels;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.util.List;
import org.testng.annotations.Test;

/** The efficient blocks: shapes, closed-form costs, values, save/copy and channel pruning through them. */
public class EfficientBlocksTest {

    private static ModelProfile profile(Block b, Shape in, MacConvention c, NDManager m) {
        if (!b.isInitialized()) {
            b.initialize(m, DataType.FLOAT32, in);
        }
        ModelProfile p = ModelProfile.of(b, in, c);
        assertTrue(p.macsKnown(), "every block is costed: " + p.unknownLayers());
        return p;
    }

    private static NDArray forward(Block b, NDArray x, NDManager m) {
        return b.forward(new ParameterStore(m, false), new NDList(x), false).singletonOrThrow();
    }

    private static NDArray param(Block b, String suffix) {
        return b.getParameters().stream().filter(p -> p.getKey().endsWith(suffix)).findFirst()
                .orElseThrow(() -> new AssertionError("no parameter *" + suffix)).getValue().getArray();
    }

    /** BatchNorm statistics and affine terms away from the identity, so a mistake in slicing them shows. */
    private static void randomiseBatchNorm(Block net, NDManager manager) {
        for (Pair<String, Parameter> p : net.getParameters()) {
            NDArray a = p.getValue().getArray();
            switch (p.getValue().getType()) {
                case GAMMA, RUNNING_VAR -> ParameterWrites.set(a, new NDIndex("..."),
                        manager.randomUniform(0.5f, 1.5f, a.getShape()));
                case BETA, RUNNING_MEAN -> ParameterWrites.set(a, new NDIndex("..."),
                        manager.randomUniform(-0.5f, 0.5f, a.getShape()));
                default -> { }
            }
        }
    }

    @Test
    public void depthwiseSeparableCostsOneOverNPlusOneOverDk2OfAStandardConv() {
        int m = 8;
        int n = 16;
        int dk = 3;
        int df = 10;
        Shape in = new Shape(1, m, df, df);
        try (NDManager manager = NDManager.newBaseManager()) {
            Block sep = DepthwiseSeparableConv.builder().setInChannels(m).setOutChannels(n).optKernel(dk).build();
            Block std = ConvUnits.conv(dk, n, 1, 1, false);
            ModelProfile ps = profile(sep, in, MacConvention.CONV_LINEAR, manager);
            ModelProfile pd = profile(std, in, MacConvention.CONV_LINEAR, manager);
            assertEquals(ps.layers().get(ps.layers().size() - 1).outputShape(), new Shape(1, n, df, df));
            assertEquals(ps.macs(), (long) df * df * dk * dk * m + (long) df * df * m * n);
            assertEquals(pd.macs(), (long) df * df * dk * dk * m * n);
            // sep / std = 1/N + 1/D_k², exactly: sep · N · D_k² = std · (D_k² + N)
            assertEquals(ps.macs() * n * dk * dk, pd.macs() * (dk * dk + n));
            // weights D_k²·M + M·N, BatchNorm γ, β: 2M + 2N
            assertEquals(ps.params(), (long) dk * dk * m + m * n + 2L * m + 2L * n);
            Block strided = DepthwiseSeparableConv.builder().setInChannels(m).setOutChannels(n).optStride(2).build();
            strided.initialize(manager, DataType.FLOAT32, in);
            assertEquals(strided.getOutputShapes(new Shape[] {in})[0], new Shape(1, n, df / 2, df / 2));
        }
    }

    @Test
    public void invertedBottleneckMatchesTheHomeworkTable() {
        int c = 8;
        int h = 6;
        int w = 5;
        Shape in = new Shape(1, c, h, w);
        try (NDManager manager = NDManager.newBaseManager()) {
            // The homework's convention: convs with biases, no BatchNorm.
            Block plain = InvertedResidual.builder().setInChannels(c).setOutChannels(c).optExpansion(4)
                    .optBatchNorm(false).build();
            assertTrue(plain instanceof ResidualBlock, "stride 1 and c_in = c_out: a residual block");
            ModelProfile p = profile(plain, in, MacConvention.CONV_LINEAR, manager);
            assertEquals(p.macs(), 8L * h * w * c * c + 36L * h * w * c);
            assertEquals(p.params(), 8L * c * c + 45L * c);
            // The library's default, BatchNorm after each conv and no conv bias: same MACs, 8c² + 54c.
            Block withBn = InvertedResidual.builder().setInChannels(c).setOutChannels(c).optExpansion(4).build();
            ModelProfile q = profile(withBn, in, MacConvention.CONV_LINEAR, manager);
            assertEquals(q.macs(), p.macs());
            assertEquals(q.params(), 8L * c * c + 54L * c);
            // The residual is added: with the main branch's last BatchNorm at γ = β = 0 the block is the identity.
            ParameterWrites.set(param(withBn, "bn3_gamma"), new NDIndex("..."), 0f);
            NDArray x = manager.randomNormal(in);
            assertTrue(forward(withBn, x, manager).allClose(x, 1e-6, 1e-6, false));
            // Stride 2: no shortcut, half the resolution, the new width.
            Block down = InvertedResidual.builder().setInChannels(c).setOutChannels(2 * c).optStride(2).build();
            assertFalse(down instanceof ResidualBlock);
            ModelProfile d = profile(down, in, MacConvention.CONV_LINEAR, manager);
            assertEquals(d.layers().get(d.layers().size() - 1).outputShape(), new Shape(1, 2 * c, 3, 3));
            // t = 6: expand at H×W, depthwise and project at the strided 3×3.
            assertEquals(d.macs(), (long) h * w * c * 6 * c + 9L * 9 * 6 * c + 9L * 6 * c * 2 * c);
        }
    }

    @Test
    public void squeezeExcitationComputesTheGateAndCostsItsClosedForm() {
        int c = 16;
        int r = 4;
        Shape in = new Shape(2, c, 5, 5);
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(7);
            Block se = SqueezeExcitation.builder().setChannels(c).optReduction(r).build();
            ModelProfile p = profile(se, in, MacConvention.CONV_LINEAR, manager);
            assertEquals(p.params(), 2L * c * c / r + c / r + c);
            assertEquals(p.macs(), 2L * 2 * c * c / r); // batch 2
            // torchprofile adds the pool's mean (C per image) and the broadcast multiply (C·H·W per image)
            ModelProfile t = profile(se, in, MacConvention.TORCHPROFILE, manager);
            assertEquals(t.macs(), 2L * (2L * c * c / r + c + c * 25L));
            NDArray x = manager.randomNormal(in);
            NDArray pooled = x.reshape(2, c, 25).mean(new int[] {2});
            NDArray hidden = pooled.matMul(param(se, "fc1_weight").transpose()).add(param(se, "fc1_bias"));
            hidden = hidden.maximum(0f);
            NDArray z = hidden.matMul(param(se, "fc2_weight").transpose()).add(param(se, "fc2_bias"));
            NDArray gate = z.add(3f).clip(0f, 6f).div(6f).reshape(2, c, 1, 1);
            assertTrue(forward(se, x, manager).allClose(x.mul(gate), 1e-5, 1e-5, false));
            Block sigmoid = SqueezeExcitation.builder().setChannels(c).optGate(SqueezeExcitation.Gate.SIGMOID).build();
            sigmoid.initialize(manager, DataType.FLOAT32, in);
            assertEquals(sigmoid.getOutputShapes(new Shape[] {in})[0], in);
        }
    }

    @Test
    public void ghostModuleCostsItsClosedForm() {
        int cin = 8;
        int h = 6;
        Shape in = new Shape(1, cin, h, h);
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int s : new int[] {2, 3}) {
                int cout = 12;
                int k = 1;
                int d = 3;
                Block ghost = GhostModule.builder().setInChannels(cin).setOutChannels(cout).optRatio(s).build();
                ModelProfile p = profile(ghost, in, MacConvention.CONV_LINEAR, manager);
                assertEquals(p.layers().get(p.layers().size() - 1).outputShape(), new Shape(1, cout, h, h));
                long primary = (long) k * k * cin * cout / s;
                long cheap = (long) d * d * (s - 1) * cout / s;
                assertEquals(p.macs(), (long) h * h * (primary + cheap), "s = " + s);
                assertEquals(p.params(), primary + cheap + 2L * cout, "s = " + s);
                // The first C/s output maps are the primary conv's.
                NDArray x = manager.randomNormal(in);
                Block primaryBlock = ghost.getChildren().get(0).getValue();
                NDArray y = forward(ghost, x, manager);
                assertTrue(y.get(new NDIndex(":, :{}", cout / s)).allClose(forward(primaryBlock, x, manager)));
            }
            expectThrows(IllegalArgumentException.class,
                    () -> GhostModule.builder().setInChannels(8).setOutChannels(9).optRatio(2).build());
        }
    }

    @Test
    public void shuffleUnitCostsItsClosedForm() {
        int c = 16;
        int g = 4;
        int m = c / 4;
        Shape in = new Shape(1, c, 4, 4);
        try (NDManager manager = NDManager.newBaseManager()) {
            Block unit = ShuffleUnit.builder().setInChannels(c).setOutChannels(c).optGroups(g).build();
            ModelProfile p = profile(unit, in, MacConvention.CONV_LINEAR, manager);
            assertEquals(p.macs(), 16L * (2L * c * m / g + 9L * m));
            assertEquals(p.params(), 2L * c * m / g + 9L * m + 2L * (2 * m + c));
            Block down = ShuffleUnit.builder().setInChannels(c).setOutChannels(2 * c).optGroups(g).optStride(2).build();
            down.initialize(manager, DataType.FLOAT32, in);
            assertEquals(down.getOutputShapes(new Shape[] {in})[0], new Shape(1, 2 * c, 2, 2));
            ModelProfile q = profile(down, in, MacConvention.CONV_LINEAR, manager);
            int m2 = 2 * c / 4;
            // gconv1 at 4×4, depthwise and gconv2 (c maps) at 2×2
            assertEquals(q.macs(), 16L * c * m2 / g + 4L * 9 * m2 + 4L * m2 * c / g);
        }
    }

    @Test
    public void hardSwishAndHardSigmoidValues() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.create(new float[] {-5, -3, -1.5f, 0, 1, 3, 4.5f});
            float[] swish = forward(Activations.hardSwish(), x, manager).toFloatArray();
            float[] sigmoid = forward(Activations.hardSigmoid(), x, manager).toFloatArray();
            float[] relu6 = forward(Activations.relu6(), x.mul(2), manager).toFloatArray();
            float[] xs = x.toFloatArray();
            for (int i = 0; i < xs.length; i++) {
                double r6 = Math.min(Math.max(xs[i] + 3, 0), 6);
                assertEquals(swish[i], xs[i] * r6 / 6, 1e-6, "h-swish at " + xs[i]);
                assertEquals(sigmoid[i], r6 / 6, 1e-6, "h-sigmoid at " + xs[i]);
                assertEquals(relu6[i], Math.min(Math.max(2 * xs[i], 0), 6), 1e-6);
            }
            // a few by hand: h-swish(−1.5) = −1.5·1.5/6, h-swish(1) = 4/6, h-sigmoid(1) = 2/3
            assertEquals(swish[2], -0.375f, 1e-6);
            assertEquals(swish[4], 2f / 3, 1e-6);
            assertEquals(sigmoid[4], 2f / 3, 1e-6);
        }
    }

    @Test
    public void channelShuffleIsTheReshapeTransposeReshapePermutation() {
        assertEquals(new ChannelShuffle(2).sourceChannels(6), new int[] {0, 3, 1, 4, 2, 5});
        assertEquals(new ChannelShuffle(3).sourceChannels(6), new int[] {0, 2, 4, 1, 3, 5});
        try (NDManager manager = NDManager.newBaseManager()) {
            int n = 2;
            int c = 12;
            int g = 3;
            NDArray x = manager.randomNormal(new Shape(n, c, 3, 2));
            NDArray y = forward(new ChannelShuffle(g), x, manager);
            // torch: x.view(n, g, c/g, h, w).transpose(1, 2).reshape(n, c, h, w), as loops over indices
            float[] xs = x.toFloatArray();
            float[] ys = y.toFloatArray();
            int hw = 6;
            for (int b = 0; b < n; b++) {
                for (int gi = 0; gi < g; gi++) {
                    for (int a = 0; a < c / g; a++) {
                        for (int p = 0; p < hw; p++) {
                            int src = ((b * c) + gi * (c / g) + a) * hw + p;
                            int dst = ((b * c) + a * g + gi) * hw + p;
                            assertEquals(ys[dst], xs[src]);
                        }
                    }
                }
            }
            expectThrows(IllegalArgumentException.class,
                    () -> forward(new ChannelShuffle(5), manager.zeros(new Shape(1, 12, 2, 2)), manager));
        }
    }

    /** stem, three inverted residuals with SE (one strided), 1×1 head, pool, classifier. */
    private static Block miniMobileNet() {
        return new NamedSequentialBlock()
                .add("stem", ConvUnits.conv(3, 8, 1, 1, false))
                .add("bn", ConvUnits.batchNorm())
                .add("act", Activations.relu6())
                .add("b1", InvertedResidual.builder().setInChannels(8).setOutChannels(8).optExpansion(3)
                        .optSqueezeExcitation(4).build())
                .add("b2", InvertedResidual.builder().setInChannels(8).setOutChannels(16).optExpansion(3).optStride(2)
                        .optSqueezeExcitation(4).optActivation(Activations::hardSwish).build())
                .add("b3", InvertedResidual.builder().setInChannels(16).setOutChannels(16).optExpansion(2)
                        .optSqueezeExcitation(4).build())
                .add("head", ConvUnits.conv(1, 24, 1, 1, false))
                .add("bnh", ConvUnits.batchNorm())
                .add("acth", Activations.hardSwish())
                .add("pool", new GlobalAvgPool2d())
                .add("fc", Linear.builder().setUnits(10).build());
    }

    @Test
    public void channelPrunerPrunesInvertedResidualsWithSqueezeExcitation() {
        Shape in = new Shape(2, 3, 8, 8);
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(11);
            Block net = miniMobileNet();
            net.initialize(manager, DataType.FLOAT32, in);
            randomiseBatchNorm(net, manager);
            DependencyGraph graph = DependencyGraph.of(net, in);
            // SE's multiply couples its gate (fc2's outputs) with the expanded channels it scales.
            ChannelGroup expanded = graph.groups().stream()
                    .filter(g -> has(g, "04b1_01expand", ChannelRole.CONV_OUT)).findFirst().orElseThrow();
            assertTrue(expanded.layers().stream().anyMatch(l -> l.path().startsWith("04b1_07se")
                    && l.path().endsWith("04fc2") && l.role() == ChannelRole.LINEAR_OUT), expanded.toString());
            ChannelPruner pruner = ChannelPruner.builder().build();
            ChannelPruningPlan plan = pruner.plan(net, in, 0.5);
            // apply verifies that the pruned net equals the original with the pruned channels zeroed
            Block pruned = pruner.apply(net, plan, manager);
            assertEquals(plan.widths().get("04b1_01expand[CONV_OUT]"), new int[] {24, 12});
            assertEquals(plan.widths().get("04b1_07se_02NamedSequentialBlock_02fc1[LINEAR_OUT]"), new int[] {6, 3});
            assertEquals(plan.widths().get("05b2_04dw[DEPTHWISE]"), new int[] {24, 12});
            // The residual chains b1 (8) and b3 (16) are shortened too; input and output stay.
            assertEquals(plan.widths().get("01stem[CONV_OUT]"), new int[] {8, 4});
            assertEquals(plan.widths().get("05b2_08project[CONV_OUT]"), new int[] {16, 8});
            ModelProfile before = profile(net, in, MacConvention.CONV_LINEAR, manager);
            ModelProfile after = profile(pruned, in, MacConvention.CONV_LINEAR, manager);
            assertTrue(after.params() < 0.5 * before.params(), after.params() + " vs " + before.params());
            NDArray x = manager.randomNormal(in);
            assertEquals(forward(pruned, x, manager).getShape(), new Shape(2, 10));
            // The architecture saves and copies: the copy computes the same function.
            Block copy = BlockSpec.copy(pruned, in, manager);
            assertTrue(forward(copy, x, manager).allClose(forward(pruned, x, manager), 1e-5, 1e-5, false));
        }
    }

    private static boolean has(ChannelGroup g, String path, ChannelRole role) {
        return g.layers().stream().anyMatch(l -> l.path().equals(path) && l.role() == role);
    }

    @Test
    public void channelPrunerRemovesAWithinGroupIndexFromEveryGroupAcrossAShuffle() {
        Shape in = new Shape(2, 3, 6, 6);
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(3);
            Block net = new NamedSequentialBlock()
                    .add("stem", ConvUnits.conv(3, 8, 1, 1, false))
                    .add("bn", ConvUnits.batchNorm())
                    .add("relu", new Relu())
                    .add("shuffle", new ChannelShuffle(2))
                    .add("dw", ConvUnits.conv(3, 8, 1, 8, false))
                    .add("bn2", ConvUnits.batchNorm())
                    .add("conv", ConvUnits.conv(1, 6, 1, 1, false))
                    .add("pool", new GlobalAvgPool2d())
                    .add("fc", Linear.builder().setUnits(4).build());
            net.initialize(manager, DataType.FLOAT32, in);
            randomiseBatchNorm(net, manager);
            DependencyGraph graph = DependencyGraph.of(net, in);
            LayerChannels stem = graph.layers().stream()
                    .filter(l -> l.path().equals("01stem") && l.role() == ChannelRole.CONV_OUT).findFirst().orElseThrow();
            for (int a = 0; a < 4; a++) {
                assertEquals(stem.channels()[a], stem.channels()[4 + a], "index " + a + " of both groups is one channel");
            }
            ChannelPruner pruner = ChannelPruner.builder().build();
            ChannelPruningPlan plan = pruner.plan(net, in, 0.5);
            Block pruned = pruner.apply(net, plan, manager); // verified against the masked original
            assertEquals(plan.widths().get("01stem[CONV_OUT]"), new int[] {8, 4});
            for (int a = 0; a < 4; a++) {
                assertEquals(plan.pruned().contains(stem.channels()[a]), plan.pruned().contains(stem.channels()[4 + a]));
            }
            assertEquals(forward(pruned, manager.randomNormal(in), manager).getShape(), new Shape(2, 4));
            // A whole ShuffleNet unit: its grouped convs couple every channel across the shuffle, so nothing in
            // it is prunable; the pruner leaves it whole (and the verification passes) rather than break it.
            Block units = new NamedSequentialBlock()
                    .add("stem", ConvUnits.conv(3, 16, 1, 1, false))
                    .add("unit", ShuffleUnit.builder().setInChannels(16).setOutChannels(16).optGroups(4).build())
                    .add("down", ShuffleUnit.builder().setInChannels(16).setOutChannels(32).optGroups(4).optStride(2)
                            .build())
                    .add("pool", new GlobalAvgPool2d())
                    .add("fc", Linear.builder().setUnits(4).build());
            units.initialize(manager, DataType.FLOAT32, in);
            ChannelPruningPlan unitPlan = pruner.plan(units, in, 0.5);
            Block unitsPruned = pruner.apply(units, unitPlan, manager);
            assertEquals(unitPlan.widths().get("02unit_01gconv1[CONV_OUT]")[1], 4);
            assertEquals(forward(unitsPruned, manager.randomNormal(in), manager).getShape(), new Shape(2, 4));
        }
    }

    @Test
    public void ghostModulePrunesItsPrimaryMapsWithTheirGhosts() {
        Shape in = new Shape(2, 3, 6, 6);
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(5);
            Block net = new NamedSequentialBlock()
                    .add("ghost", GhostModule.builder().setInChannels(3).setOutChannels(16).optKernel(3).build())
                    .add("ghost2", GhostModule.builder().setInChannels(16).setOutChannels(12).optRatio(3).build())
                    .add("pool", new GlobalAvgPool2d())
                    .add("fc", Linear.builder().setUnits(4).build());
            net.initialize(manager, DataType.FLOAT32, in);
            randomiseBatchNorm(net, manager);
            ChannelPruner pruner = ChannelPruner.builder().build();
            ChannelPruningPlan plan = pruner.plan(net, in, 0.5);
            Block pruned = pruner.apply(net, plan, manager); // verified against the masked original
            assertEquals(plan.widths().get("01ghost_01primary_01conv[CONV_OUT]"), new int[] {8, 4});
            assertEquals(plan.widths().get("01ghost_02ghost_02NamedSequentialBlock_01conv[DEPTHWISE]"),
                    new int[] {8, 4});
            assertEquals(plan.widths().get("02ghost2_01primary_01conv[CONV_OUT]"), new int[] {4, 2});
            ModelProfile p = profile(pruned, in, MacConvention.CONV_LINEAR, manager);
            assertEquals(p.layers().get(p.layers().size() - 1).outputShape(), new Shape(2, 4));
        }
    }

    @Test
    public void anSeGateThroughAnOpaqueReshapeIsRefusedWithItsPath() {
        Shape in = new Shape(1, 4, 4, 4);
        try (NDManager manager = NDManager.newBaseManager()) {
            // A DJL lambda that reverses the channels while it reshapes: probing finds no channel-local
            // equivalent (a plain reshape to (N, C, 1, 1) would be recognised as Unsqueeze2d).
            Block gate = new NamedSequentialBlock()
                    .add("pool", new GlobalAvgPool2d())
                    .add("fc", Linear.builder().setUnits(4).build())
                    .add("view", new LambdaBlock(l -> new NDList(l.singletonOrThrow().flip(1).reshape(-1, 4, 1, 1))));
            Block net = new NamedSequentialBlock()
                    .add("conv", ConvUnits.conv(3, 4, 1, 1, false))
                    .add("se", new ParallelBlock(KnownOps.Join.MUL.function(), List.of(Blocks.identityBlock(), gate)))
                    .add("pool", new GlobalAvgPool2d())
                    .add("fc", Linear.builder().setUnits(2).build());
            net.initialize(manager, DataType.FLOAT32, in);
            IllegalArgumentException e = expectThrows(IllegalArgumentException.class,
                    () -> ChannelPruner.builder().build().plan(net, in, 0.5));
            assertTrue(e.getMessage().contains("LambdaBlock at '02se_02NamedSequentialBlock_03view'"), e.getMessage());
        }
    }

    @Test
    public void everyBlockSavesAndCopiesWithItsFunction() {
        Shape in = new Shape(2, 16, 6, 6);
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(9);
            List<Block> blocks = List.of(
                    DepthwiseSeparableConv.builder().setInChannels(16).setOutChannels(8).build(),
                    InvertedResidual.builder().setInChannels(16).setOutChannels(16).optSqueezeExcitation(4).build(),
                    SqueezeExcitation.builder().setChannels(16).optGate(SqueezeExcitation.Gate.SIGMOID).build(),
                    GhostModule.builder().setInChannels(16).setOutChannels(24).optRatio(3).build(),
                    ShuffleUnit.builder().setInChannels(16).setOutChannels(32).optStride(2).build());
            NDArray x = manager.randomNormal(in);
            for (Block b : blocks) {
                b.initialize(manager, DataType.FLOAT32, in);
                randomiseBatchNorm(b, manager);
                Block copy = BlockSpec.copy(b, in, manager);
                assertTrue(forward(copy, x, manager).allClose(forward(b, x, manager), 1e-5, 1e-5, false), b.toString());
            }
        }
    }
}
