package ai.djl.pruning.structured;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.pruning.ParameterSnapshot;
import ai.djl.pruning.nn.BlockTrace;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.loss.Loss;
import com.google.common.collect.ImmutableList;
import java.util.Map;
import java.util.Set;
import org.testng.annotations.Test;

/** Data-driven criteria (APoZ, Taylor) against direct computations, and group reductions. */
public class CriteriaTest {

    private static final Shape IN = ChannelPrunerTest.IN;

    private static ArrayDataset data(NDManager manager, int batches, boolean repeatFirst) {
        manager.getEngine().setRandomSeed(7);
        NDArray x = manager.randomNormal(new Shape(2L * batches, 8, 8, 8));
        NDArray y = manager.randomInteger(0, 5, new Shape(2L * batches), DataType.INT32).toType(DataType.FLOAT32, false);
        if (repeatFirst) {
            for (int b = 1; b < batches; b++) {
                x.set(new NDIndex("{}:{}", 2 * b, 2 * b + 2), x.get("0:2"));
                y.set(new NDIndex("{}:{}", 2 * b, 2 * b + 2), y.get("0:2"));
            }
        }
        return new ArrayDataset.Builder().setData(x).optLabels(y).setSampling(2, false).build();
    }

    @Test
    public void apozCountsZerosAfterEachRelu() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = ChannelPrunerTest.initialisedBottleneck(manager);
            DependencyGraph graph = DependencyGraph.of(net, IN);
            ArrayDataset data = data(manager, 3, false);
            ApozImportance apoz = new ApozImportance(new CalibrationData(data, 3));
            apoz.prepare(net, graph);
            LayerChannels relu1 = graph.layers().stream()
                    .filter(l -> l.role() == ChannelRole.ACTIVATION && l.path().endsWith("relu1")).findFirst().orElseThrow();
            // Direct: run all six samples at once and count zeros per channel of relu1's output.
            BlockTrace trace = BlockTrace.of(Set.of(relu1.path()));
            NDArray all = allInputs(data, manager);
            trace.forward(net, new ParameterStore(manager, false), new NDList(all), false);
            NDArray act = trace.outputs().get(relu1.path());
            float[] zeros = act.eq(0).toType(DataType.FLOAT32, false).sum(new int[] {0, 2, 3}).toFloatArray();
            double[] expected = new double[zeros.length];
            for (int i = 0; i < zeros.length; i++) {
                expected[i] = 1 - zeros[i] / (6 * 8 * 8);
            }
            double[] got = apoz.score(relu1);
            assertEquals(got.length, 6);
            for (int i = 0; i < got.length; i++) {
                assertEquals(got[i], expected[i], 1e-6);
            }
            assertTrue(expected[0] > 0 && expected[0] < 1, "a ReLU of random data is partly zero: " + expected[0]);
            // The residual add is followed by a ReLU too: its activation is scored.
            assertTrue(graph.layers().stream().anyMatch(l -> l.role() == ChannelRole.ACTIVATION
                    && l.path().equals("01block") && apoz.score(l).length == 16));
        }
    }

    private static NDArray allInputs(ArrayDataset data, NDManager manager) {
        NDList parts = new NDList();
        try {
            for (var b : data.getData(manager)) {
                NDArray x = b.getData().head();
                parts.add(manager.create(x.toFloatArray(), x.getShape())); // outlives the batch
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return NDArrays.concat(parts);
    }

    @Test
    public void taylorEqualsHandComputedGradientProductAndLeavesTheModelAlone() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = ChannelPrunerTest.initialisedBottleneck(manager);
            DependencyGraph graph = DependencyGraph.of(net, IN);
            Map<String, float[]> before = ParameterSnapshot.of(net);
            ArrayDataset one = data(manager, 2, true); // two copies of one batch
            TaylorImportance once = new TaylorImportance(new CalibrationData(one, 1));
            once.prepare(net, graph);
            TaylorImportance twice = new TaylorImportance(new CalibrationData(one, 2));
            twice.prepare(net, graph);
            ParameterSnapshot.assertBitIdentical(before, ParameterSnapshot.of(net)); // BN statistics included

            LayerChannels conv1 = graph.layers().stream()
                    .filter(l -> l.role() == ChannelRole.CONV_OUT && l.path().endsWith("conv1")).findFirst().orElseThrow();
            // Hand computation for the same batch: w · dL/dw summed per filter.
            Parameter w = LayerParameters.find(conv1, Parameter.Type.WEIGHT);
            w.getArray().setRequiresGradient(true);
            double[] expected = new double[6];
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                var batch = one.getData(manager).iterator().next();
                NDList pred = net.forward(new ParameterStore(manager, false), batch.getData(), false);
                gc.backward(Loss.softmaxCrossEntropyLoss().evaluate(batch.getLabels(), pred));
                float[] v = w.getArray().mul(w.getArray().getGradient()).reshape(6, -1).sum(new int[] {1}).toFloatArray();
                for (int i = 0; i < 6; i++) {
                    expected[i] = Math.abs(v[i]);
                }
            }
            double[] got = once.score(conv1);
            double[] doubled = twice.score(conv1);
            for (int i = 0; i < 6; i++) {
                assertEquals(got[i], expected[i], 1e-6 * Math.max(1, expected[i]));
                // Two copies of the batch: exactly twice, so gradients do not leak between batches.
                assertEquals(doubled[i], 2 * got[i], 1e-5 * Math.max(1e-3, got[i]));
            }
            assertTrue(got[0] > 0);
        }
    }

    @Test
    public void dataDrivenCriteriaPlanAndPruneEquivalently() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = ChannelPrunerTest.initialisedBottleneck(manager);
            ArrayDataset data = data(manager, 2, false);
            for (Importance criterion : new Importance[] {Importance.apoz(new CalibrationData(data, 2)),
                    Importance.taylor(new CalibrationData(data, 2))}) {
                ChannelPruner pruner = ChannelPruner.builder().optImportance(criterion).build();
                ChannelPruningPlan plan = pruner.plan(net, IN, 0.5);
                assertEquals(plan.pruned().size(), 3 + 8);
                pruner.apply(net, plan, manager); // verified against the masked original
            }
        }
    }

    @Test
    public void groupReductionsAndNormalisation() {
        // Two layers over channels {0, 1}: scores (1, 3) and (10, 10), and a third that the criterion skips.
        LayerChannels a = new LayerChannels("a", null, ChannelRole.CONV_OUT, new int[] {0, 1});
        LayerChannels b = new LayerChannels("b", null, ChannelRole.BATCH_NORM, new int[] {0, 1});
        LayerChannels c = new LayerChannels("c", null, ChannelRole.CONV_IN, new int[] {0, 1});
        ChannelGroup group = new ChannelGroup(0, ImmutableList.of(0, 1), ImmutableList.of(a, b, c), false);
        LayerImportance fixed = l -> switch (l.path()) {
            case "a" -> new double[] {1, 3};
            case "b" -> new double[] {10, 10};
            default -> null;
        };
        GroupImportance sum = GroupImportance.of(fixed);
        assertEquals(sum.score(group), new double[] {11, 13});
        assertEquals(sum.withReduction(GroupReduction.MEAN).score(group), new double[] {5.5, 6.5});
        assertEquals(sum.withReduction(GroupReduction.MAX).score(group), new double[] {10, 10});
        // Normalised to mean 1 per layer: (0.5, 1.5) and (1, 1).
        assertEquals(sum.withNormalisation(true).score(group), new double[] {1.5, 2.5});
    }

    @Test
    public void fpgmDistanceSumsAndTheTwoRateVariant() {
        try (NDManager manager = NDManager.newBaseManager()) {
            // Four 2-weight filters: a = (0.1, 0) tiny, b = (1, 0), c = (0, 1), d = (3, 3).
            Conv2d conv = Conv2d.builder()
                    .setKernelShape(new Shape(1, 1)).setFilters(4).optBias(false).build();
            conv.initialize(manager, DataType.FLOAT32, new Shape(1, 2, 1, 1));
            conv.getParameters().get(0).getValue().getArray().set(new float[] {0.1f, 0, 1, 0, 0, 1, 3, 3});
            LayerChannels layer = new LayerChannels("conv", conv, ChannelRole.CONV_OUT, new int[] {0, 1, 2, 3});
            double ab = 0.9;
            double ac = Math.hypot(0.1, 1);
            double ad = Math.hypot(2.9, 3);
            double bc = Math.sqrt(2);
            double bd = Math.hypot(2, 3);
            double cd = Math.hypot(3, 2);
            double[] plain = new FpgmImportance().score(layer);
            assertEquals(plain[0], ab + ac + ad, 1e-6);
            assertEquals(plain[3], ad + bd + cd, 1e-6);
            // Norm share 0.25: a goes first by norm; b, c, d are scored among themselves.
            double[] twoRate = new FpgmImportance(0.25).score(layer);
            assertEquals(twoRate[1], bc + bd, 1e-6);
            assertEquals(twoRate[2], bc + cd, 1e-6);
            assertEquals(twoRate[3], bd + cd, 1e-6);
            assertTrue(twoRate[0] < Math.min(twoRate[1], Math.min(twoRate[2], twoRate[3])));
        }
    }
}
