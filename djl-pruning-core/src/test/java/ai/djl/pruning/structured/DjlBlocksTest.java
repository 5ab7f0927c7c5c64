package ai.djl.pruning.structured;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.basicmodelzoo.cv.classification.ResNetV1;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.pruning.analysis.MacConvention;
import ai.djl.pruning.analysis.ModelProfile;
import ai.djl.pruning.io.ModelFiles;
import ai.djl.pruning.nn.ChannelMapping;
import ai.djl.training.ParameterStore;
import ai.djl.training.dataset.ArrayDataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.testng.annotations.Test;

/** DJL's own building blocks: ParallelBlock joins, LambdaBlocks identified by probing, DJL's ResNet. */
public class DjlBlocksTest {

    private static Conv2d conv(int filters) {
        return Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(filters).build();
    }

    @Test
    public void djlModelZooResNetPrunesSavesAndReloads() throws Exception {
        Shape in = new Shape(2, 3, 24, 24);
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = ResNetV1.builder().setImageShape(new Shape(3, 24, 24)).setNumLayers(20).setOutSize(10).build();
            net.initialize(manager, DataType.FLOAT32, in);
            ChannelPrunerTest.randomiseBatchNorm(net, manager);
            ArrayDataset data = new ArrayDataset.Builder().setData(manager.randomNormal(in))
                    .optLabels(manager.create(new float[] {1, 7})).setSampling(2, false).build();
            for (Importance criterion : new Importance[] {Importance.l1(),
                    Importance.apoz(new CalibrationData(data, 1)), Importance.taylor(new CalibrationData(data, 1))}) {
                ChannelPruner pruner = ChannelPruner.builder().optImportance(criterion).build();
                // verified inside apply: equals the masked original (BatchNorm ε = 2e-5 and momentum kept)
                Block pruned = pruner.apply(net, pruner.plan(net, in, 0.5), manager);
                long before = ModelProfile.of(net, in, MacConvention.CONV_LINEAR).macs();
                long after = ModelProfile.of(pruned, in, MacConvention.CONV_LINEAR).macs();
                assertTrue(after < 0.45 * before, after + " vs " + before);
                Path dir = Files.createTempDirectory("djl-resnet");
                ModelFiles.save(pruned, in, dir);
                Block reloaded = ModelFiles.load(dir, manager);
                NDArray x = manager.randomNormal(in);
                ParameterStore store = new ParameterStore(manager, false);
                NDArray a = pruned.forward(store, new NDList(x), false).singletonOrThrow();
                NDArray b = reloaded.forward(store, new NDList(x), false).singletonOrThrow();
                assertEquals(a.getShape(), new Shape(2, 10));
                assertTrue(a.allClose(b, 0, 0, false), "reloaded DJL ResNet differs");
            }
        }
    }

    @Test
    public void flattenThenLinearPrunesHxWInputsPerChannelAndMlpNeurons() {
        Shape in = new Shape(2, 3, 4, 4);
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = new SequentialBlock().add(conv(4)).add(BatchNorm.builder().build()).add(Activation.reluBlock())
                    .add(Blocks.batchFlattenBlock()).add(Linear.builder().setUnits(8).build())
                    .add(Activation.reluBlock()).add(Linear.builder().setUnits(3).build());
            net.initialize(manager, DataType.FLOAT32, in);
            ChannelPrunerTest.randomiseBatchNorm(net, manager);
            ChannelPruner pruner = ChannelPruner.builder().build();
            ChannelPruningPlan plan = pruner.plan(net, in, 0.5);
            Block pruned = pruner.apply(net, plan, manager);
            // conv 3→2 filters (+bias), BN 2, first linear (2·16 + 1)·4, second (4 + 1)·3.
            long params = ModelProfile.of(pruned, in, MacConvention.CONV_LINEAR).params();
            assertEquals(params, (2 * 3 * 9 + 2) + 2 * 2 + (2 * 16 + 1) * 4 + (4 + 1) * 3);
        }
    }

    @Test
    public void concatJoinMapsIndexRanges() {
        Shape in = new Shape(2, 3, 6, 6);
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = new SequentialBlock()
                    .add(new ParallelBlock(list -> new NDList(ai.djl.ndarray.NDArrays.concat(
                            new NDList(list.get(0).singletonOrThrow(), list.get(1).singletonOrThrow()), 1)),
                            List.of(new SequentialBlock().add(conv(4)).add(Activation.reluBlock()),
                                    new SequentialBlock().add(conv(6)).add(Activation.reluBlock()))))
                    .add(conv(5)).add(Pool.globalAvgPool2dBlock()).add(Linear.builder().setUnits(2).build());
            net.initialize(manager, DataType.FLOAT32, in);
            ChannelPruner pruner = ChannelPruner.builder().build();
            ChannelPruningPlan plan = pruner.plan(net, in, 0.5);
            Block pruned = pruner.apply(net, plan, manager);
            // Branches 4 → 2 and 6 → 3; the consuming conv reads both: 4 + 6 input channels become 2 + 3.
            assertEquals(plan.widths().get("01ParallelBlock_01SequentialBlock_01Conv2d[CONV_OUT]"), new int[] {4, 2});
            assertEquals(plan.widths().get("01ParallelBlock_02SequentialBlock_01Conv2d[CONV_OUT]"), new int[] {6, 3});
            assertEquals(plan.widths().get("02Conv2d[CONV_IN]"), new int[] {10, 5});
            NDArray y = pruned.forward(new ParameterStore(manager, false), new NDList(manager.ones(in)), false)
                    .singletonOrThrow();
            assertEquals(y.getShape(), new Shape(2, 2));
        }
    }

    @Test
    public void unknownLambdaAndJoinAreRefusedWithTheirPath() {
        Shape in = new Shape(2, 3, 6, 6);
        try (NDManager manager = NDManager.newBaseManager()) {
            Block scaled = new SequentialBlock().add(conv(4)).add(x -> new NDList(x.singletonOrThrow().mul(2)))
                    .add(conv(2));
            scaled.initialize(manager, DataType.FLOAT32, in);
            IllegalArgumentException e = expectThrows(IllegalArgumentException.class,
                    () -> ChannelPruner.builder().build().plan(scaled, in, 0.5));
            assertTrue(e.getMessage().contains("LambdaBlock at '02LambdaBlock'"), e.getMessage());
            Block difference = new SequentialBlock().add(new ParallelBlock(
                    l -> new NDList(l.get(0).singletonOrThrow().sub(l.get(1).singletonOrThrow())),
                    List.of(conv(4), conv(4)))).add(conv(2));
            difference.initialize(manager, DataType.FLOAT32, in);
            e = expectThrows(IllegalArgumentException.class,
                    () -> ChannelPruner.builder().build().plan(difference, in, 0.5));
            assertTrue(e.getMessage().contains("ParallelBlock at '01ParallelBlock': its join matches none"),
                    e.getMessage());
        }
    }

    /** A user's channel-wise block that declares its mapping. */
    public static final class Doubler extends AbstractBlock implements ChannelMapping {
        /** For rebuilding. */
        public Doubler() {
            super((byte) 1);
        }

        @Override
        public int[] mapChannels(int[] inputChannels, Shape[] inputShapes) {
            return inputChannels;
        }

        @Override
        protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training,
                ai.djl.util.PairList<String, Object> params) {
            return new NDList(inputs.singletonOrThrow().mul(2));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return inputShapes;
        }
    }

    @Test
    public void customBlockDeclaringItsMappingIsPrunedSavedAndRebuilt() throws Exception {
        Shape in = new Shape(2, 3, 6, 6);
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = new SequentialBlock().add(conv(6)).add(new Doubler()).add(conv(4))
                    .add(Pool.globalAvgPool2dBlock()).add(Linear.builder().setUnits(2).build());
            net.initialize(manager, DataType.FLOAT32, in);
            ChannelPruner pruner = ChannelPruner.builder().build();
            ChannelPruningPlan plan = pruner.plan(net, in, 0.5);
            assertEquals(plan.widths().get("03Conv2d[CONV_IN]"), new int[] {6, 3});
            Block pruned = pruner.apply(net, plan, manager); // equals the masked original
            Path dir = Files.createTempDirectory("custom");
            ModelFiles.save(pruned, in, dir);
            Block reloaded = ModelFiles.load(dir, manager);
            assertTrue(reloaded.getChildren().get(1).getValue() instanceof Doubler);
            NDArray x = manager.randomNormal(in);
            ParameterStore store = new ParameterStore(manager, false);
            assertTrue(pruned.forward(store, new NDList(x), false).singletonOrThrow()
                    .allClose(reloaded.forward(store, new NDList(x), false).singletonOrThrow(), 0, 0, false));
        }
    }

    @Test
    public void reluSixIsNotMistakenForRelu() {
        // Probes of standard-normal values never reach 6, where ReLU6 and ReLU part: a rebuilt network would
        // silently clip nothing. The probe's spread tells them apart.
        try (NDManager manager = NDManager.newBaseManager()) {
            ai.djl.nn.LambdaBlock relu6 = (ai.djl.nn.LambdaBlock) Activation.relu6Block();
            relu6.initialize(manager, DataType.FLOAT32, new Shape(2, 3, 4, 4));
            assertTrue(ai.djl.pruning.nn.KnownOps.identify(relu6).isEmpty());
            Block same = ai.djl.pruning.nn.KnownOps.equivalent(relu6).orElseThrow();
            assertTrue(same instanceof ai.djl.pruning.nn.Elementwise e
                    && e.getKind() == ai.djl.pruning.nn.Elementwise.Kind.CLIP && e.getA() == 0 && e.getB() == 6,
                    same.toString());
        }
    }
}
