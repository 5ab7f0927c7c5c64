package ai.djl.pruning;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.pruning.analysis.AccuracyEvaluation;
import ai.djl.pruning.io.CheckpointException;
import ai.djl.pruning.io.ModelFiles;
import ai.djl.pruning.io.ParameterFiles;
import ai.djl.pruning.io.StateDictLoader;
import ai.djl.pruning.nn.GlobalAvgPool2d;
import ai.djl.pruning.nn.NamedSequentialBlock;
import ai.djl.pruning.nn.Relu;
import ai.djl.pruning.structured.ApozImportance;
import ai.djl.pruning.structured.CalibrationData;
import ai.djl.pruning.structured.ChannelGroup;
import ai.djl.pruning.structured.ChannelPruner;
import ai.djl.pruning.structured.ChannelPruningPlan;
import ai.djl.pruning.structured.DependencyGraph;
import ai.djl.pruning.structured.Importance;
import ai.djl.pruning.unstructured.MagnitudePruner;
import ai.djl.pruning.unstructured.MaskedOptimizer;
import ai.djl.pruning.unstructured.PrunableParameters;
import ai.djl.pruning.unstructured.PruningMasks;
import ai.djl.pruning.unstructured.SparseParameterFile;
import ai.djl.pruning.unstructured.SparsityPlan;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import com.google.common.collect.ImmutableSortedSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import org.testng.annotations.Test;

/**
 * The bad-input catalogue (docs/bad-input.md): each case must fail with an error naming the problem and
 * leave the user's block bit-identical. One test per row of the table.
 */
public class BadInputTest {

    private static final Shape IN = new Shape(2, 4, 6, 6);
    private static final String CONV1 = "01conv1_weight";

    /** conv1 (4→8) - BN - ReLU - grouped conv (8→8, 2 groups) - BN - ReLU - pool - fc(8→3). */
    private static Block net(NDManager manager) {
        Block net = new NamedSequentialBlock()
                .add("conv1", Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1))
                        .setFilters(8).build())
                .add("bn1", BatchNorm.builder().build()).add("relu1", new Relu())
                .add("grouped", Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1))
                        .setFilters(8).optGroups(2).build())
                .add("bn2", BatchNorm.builder().build()).add("relu2", new Relu())
                .add("pool", new GlobalAvgPool2d()).add("fc", Linear.builder().setUnits(3).build());
        net.initialize(manager, DataType.FLOAT32, IN);
        return net;
    }

    /** Runs a call that must fail with the given type and message fragment, and checks the block is untouched. */
    private static <T extends Throwable> T refused(Block net, Class<T> type, String fragment,
            org.testng.Assert.ThrowingRunnable call) {
        Map<String, float[]> before = ParameterSnapshot.of(net);
        T e = expectThrows(type, call);
        assertTrue(e.getMessage() != null && e.getMessage().contains(fragment),
                "expected '" + fragment + "' in: " + e.getMessage());
        ParameterSnapshot.assertBitIdentical(before, ParameterSnapshot.of(net));
        return e;
    }

    @Test
    public void sparsityOrRatioOutsideTheUnitIntervalOrNaN() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = net(manager);
            for (double bad : new double[] {1.5, -0.1, Double.NaN}) {
                refused(net, IllegalArgumentException.class, "must be in [0, 1]",
                        () -> MagnitudePruner.builder().build().masks(net, SparsityPlan.of(Map.of(CONV1, bad))));
                refused(net, IllegalArgumentException.class, "must be in [0, 1]",
                        () -> MagnitudePruner.builder().build().globalMasks(net, List.of(CONV1), bad));
                refused(net, IllegalArgumentException.class, "pruning ratio must be in [0, 1)",
                        () -> ChannelPruner.builder().build().plan(net, IN, bad));
                refused(net, IllegalArgumentException.class, "must be in (0, 1]",
                        () -> ChannelPruner.builder().build().planForMacs(net, IN, bad, manager));
            }
        }
    }

    @Test
    public void unknownParameterPathOrLayerName() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = net(manager);
            refused(net, IllegalArgumentException.class, "unknown parameter path '09conv9_weight'",
                    () -> MagnitudePruner.builder().build().masks(net, SparsityPlan.of(Map.of("09conv9_weight", 0.5))));
            PruningMasks stray = PruningMasks.of(Map.of("09conv9_weight",
                    new PruningMasks.Mask(new Shape(8, 4, 3, 3), new BitSet())));
            refused(net, IllegalArgumentException.class, "unknown parameter path '09conv9_weight'", () -> stray.apply(net));
            refused(net, IllegalArgumentException.class, "conv9",
                    () -> ChannelPruner.builder().build().planPerLayer(net, IN, Map.of("conv9", 0.5), 0));
        }
    }

    @Test
    public void patternThatSelectsNothing() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = net(manager);
            refused(net, IllegalArgumentException.class, "attention",
                    () -> PrunableParameters.select(net, "attention"));
            refused(net, IllegalArgumentException.class, "protect pattern 'attention' matches no layer",
                    () -> ChannelPruner.builder().optProtect("attention").build().plan(net, IN, 0.5));
        }
    }

    @Test
    public void nanOrInfiniteWeights() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = net(manager);
            for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY}) {
                PrunableParameters.require(net, CONV1).getArray().set(new NDIndex("0, 0, 0, 0"), bad);
                refused(net, IllegalArgumentException.class, "parameter " + CONV1 + " holds NaN or infinite values",
                        () -> MagnitudePruner.builder().build().masks(net, SparsityPlan.of(Map.of(CONV1, 0.5))));
                refused(net, IllegalArgumentException.class, "non-finite score",
                        () -> ChannelPruner.builder().build().plan(net, IN, 0.5));
            }
        }
    }

    @Test
    public void pruningEveryChannelOfALayer() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = net(manager);
            refused(net, IllegalArgumentException.class, "pruning ratio must be in [0, 1), got 1.0",
                    () -> ChannelPruner.builder().build().plan(net, IN, 1.0));
            DependencyGraph graph = DependencyGraph.of(net, IN);
            ChannelGroup conv1 = graph.groups().stream().filter(g -> !g.isProtected()).findFirst().orElseThrow();
            refused(net, IllegalArgumentException.class, "the plan removes every channel of 01conv1[CONV_OUT]",
                    () -> new ChannelPruningPlan(graph, ImmutableSortedSet.copyOf(conv1.channels())));
        }
    }

    @Test
    public void groupedConvolutionKeepsWholeGroupsAndHandMadePlansAreChecked() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = net(manager);
            DependencyGraph graph = DependencyGraph.of(net, IN);
            // A grouped conv's channel classes are whole groups: its 8 inputs form 2 classes of 4, so no
            // plan can keep a channel count its groups would not divide.
            ChannelGroup conv1 = graph.groups().stream().filter(g -> !g.isProtected()).findFirst().orElseThrow();
            assertEquals(conv1.channels().size(), 2);
            ChannelPruner pruner = ChannelPruner.builder().build();
            Block pruned = pruner.apply(net, new ChannelPruningPlan(graph,
                    ImmutableSortedSet.of(conv1.channels().get(0))), manager);
            Conv2d grouped = (Conv2d) pruned.getChildren().get(3).getValue();
            assertEquals(grouped.getGroups(), 1);
            assertEquals(grouped.getParameters().get(0).getValue().getArray().getShape(), new Shape(4, 4, 3, 3));
            // Hand-made plans naming channels the graph does not have, or the network's input channels.
            int input = graph.protectedChannels().iterator().next();
            refused(net, IllegalArgumentException.class, "channel classes [999] cannot be pruned",
                    () -> new ChannelPruningPlan(graph, ImmutableSortedSet.of(999)));
            refused(net, IllegalArgumentException.class, "channel classes [" + input + "] cannot be pruned",
                    () -> new ChannelPruningPlan(graph, ImmutableSortedSet.of(input)));
            // A plan made for another block (same architecture, other instance).
            Block other = net(manager);
            ChannelPruningPlan foreign = pruner.plan(other, IN, 0.5);
            refused(net, IllegalArgumentException.class, "the plan was made for another block",
                    () -> pruner.apply(net, foreign, manager));
        }
    }

    @Test
    public void maskOfTheWrongShape() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = net(manager);
            PruningMasks wrong = PruningMasks.of(Map.of(CONV1, new PruningMasks.Mask(new Shape(8, 3, 3, 3), new BitSet())));
            refused(net, IllegalArgumentException.class, "mask of " + CONV1 + " has shape (8, 3, 3, 3), the parameter "
                    + "(8, 4, 3, 3)", () -> wrong.apply(net));
            DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.1f)).build());
            refused(net, IllegalArgumentException.class, "has shape (8, 3, 3, 3)",
                    () -> MaskedOptimizer.install(config, net, wrong));
        }
    }

    @Test
    public void corruptTruncatedOrMismatchedFiles() throws Exception {
        Path dir = Files.createTempDirectory("bad-input");
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = net(manager);
            Path params = dir.resolve("net.params");
            ParameterFiles.save(net, params);
            byte[] bytes = Files.readAllBytes(params);
            Path cut = dir.resolve("cut.params");
            Files.write(cut, Arrays.copyOf(bytes, bytes.length / 2));
            Block target = net(manager);
            refused(target, CheckpointException.class, "does not fit the block; its parameters were restored",
                    () -> ParameterFiles.load(cut, target));
            Block wider = new NamedSequentialBlock().add("conv1", Conv2d.builder().setKernelShape(new Shape(3, 3))
                    .setFilters(16).build());
            wider.initialize(manager, DataType.FLOAT32, IN);
            Path widerFile = dir.resolve("wider.params");
            ParameterFiles.save(wider, widerFile);
            refused(target, CheckpointException.class, "does not fit the block", () -> ParameterFiles.load(widerFile, target));

            Path sparse = dir.resolve("net.sparse");
            SparseParameterFile.save(net, sparse);
            byte[] sparseBytes = Files.readAllBytes(sparse);
            Files.write(sparse, Arrays.copyOf(sparseBytes, sparseBytes.length - 7));
            refused(target, CheckpointException.class, "is truncated", () -> SparseParameterFile.load(sparse, target));

            Path masks = dir.resolve("masks.bin");
            Files.write(masks, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
            expectThrows(CheckpointException.class, () -> PruningMasks.load(masks));

            Path garbage = dir.resolve("model.pth");
            Files.write(garbage, "not a checkpoint".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            refused(target, CheckpointException.class, "model.pth",
                    () -> StateDictLoader.builder().build().load(garbage, target));

            Path model = dir.resolve("model");
            ModelFiles.save(net, IN, model);
            Files.writeString(model.resolve(ModelFiles.ARCHITECTURE), "{\"type\": \"Sequential\", \"children\": [");
            CheckpointException e = expectThrows(CheckpointException.class, () -> ModelFiles.load(model, manager));
            assertTrue(e.getMessage().contains(ModelFiles.ARCHITECTURE), e.getMessage());
        }
    }

    @Test
    public void emptyDatasetOrMoreBatchesThanTheDataHas() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = net(manager);
            ArrayDataset empty = new ArrayDataset.Builder().setData(manager.zeros(new Shape(0, 4, 6, 6)))
                    .optLabels(manager.zeros(new Shape(0))).setSampling(2, false).build();
            refused(net, IllegalArgumentException.class, "the dataset is empty",
                    () -> AccuracyEvaluation.evaluate(net, empty));
            refused(net, IllegalArgumentException.class, "the calibration dataset is empty",
                    () -> new ApozImportance(new CalibrationData(empty, 1)).prepare(net, DependencyGraph.of(net, IN)));
            // Two images in batches of 2 give one batch; a criterion asking for 4 must not silently use 1.
            ArrayDataset two = new ArrayDataset.Builder().setData(manager.randomNormal(new Shape(2, 4, 6, 6)))
                    .optLabels(manager.create(new float[] {0, 1})).setSampling(2, false).build();
            refused(net, IllegalArgumentException.class, "calibration asks for 4 batches, the dataset has only 1",
                    () -> ChannelPruner.builder().optImportance(Importance.taylor(new CalibrationData(two, 4)))
                            .build().plan(net, IN, 0.5));
        }
    }
}
