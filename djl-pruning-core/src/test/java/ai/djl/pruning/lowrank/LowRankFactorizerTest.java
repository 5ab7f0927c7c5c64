package ai.djl.pruning.lowrank;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertThrows;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.pruning.analysis.MacConvention;
import ai.djl.pruning.analysis.ModelProfile;
import ai.djl.pruning.nn.GlobalAvgPool2d;
import ai.djl.pruning.nn.NamedSequentialBlock;
import ai.djl.pruning.nn.Relu;
import ai.djl.training.ParameterStore;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.QRDecomposition;
import org.apache.commons.math3.linear.RealMatrix;
import org.testng.annotations.Test;

public class LowRankFactorizerTest {

    private static final Shape IN = new Shape(2, 3, 8, 8);

    /** conv(3→16, 3×3, pad 1) - BN - ReLU - conv(16→16, 3×3, stride 2, pad 1) - BN - ReLU - mean - fc(16→10). */
    private static Block net(NDManager m) {
        Block net = new NamedSequentialBlock()
                .add("conv1", Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(16).build())
                .add("bn1", BatchNorm.builder().build())
                .add("relu1", new Relu())
                .add("conv2", Conv2d.builder().setKernelShape(new Shape(3, 3)).optStride(new Shape(2, 2))
                        .optPadding(new Shape(1, 1)).setFilters(16).optBias(false).build())
                .add("bn2", BatchNorm.builder().build())
                .add("relu2", new Relu())
                .add("pool", new GlobalAvgPool2d())
                .add("fc", Linear.builder().setUnits(10).build());
        net.initialize(m, DataType.FLOAT32, IN);
        // Non-trivial BN statistics and biases, so a wrong copy would show.
        net.getParameters().forEach(p -> {
            if (!p.getKey().endsWith("weight")) {
                NDArray a = p.getValue().getArray();
                a.set(m.randomUniform(0.5f, 1.5f, a.getShape()).toFloatArray());
            }
        });
        return net;
    }

    private static float[] run(Block b, NDArray x) {
        return b.forward(new ParameterStore(x.getManager(), false), new NDList(x), false).singletonOrThrow().toFloatArray();
    }

    private static double relativeDistance(float[] a, float[] b) {
        double d = 0;
        double n = 0;
        for (int i = 0; i < a.length; i++) {
            d += (a[i] - b[i]) * (double) (a[i] - b[i]);
            n += (double) b[i] * b[i];
        }
        return Math.sqrt(d / n);
    }

    @Test
    public void fullRankReproducesConvAndLinearOutputs() {
        try (NDManager m = NDManager.newBaseManager()) {
            Block net = net(m);
            NDArray x = m.randomNormal(IN);
            float[] before = run(net, x);
            float[] conv1 = net.getParameters().get("01conv1_weight").getArray().toFloatArray();
            LowRankFactorizer f = LowRankFactorizer.builder().build();
            Map<String, Integer> ranks = Map.of("01conv1", 16, "04conv2", 16, "08fc", 10);
            LowRankPlan plan = f.plan(net, new Shape(1, 3, 8, 8), RankSelection.perLayer(ranks));
            assertEquals(plan.factorised().size(), 3);
            plan.factorised().forEach(l -> assertEquals(l.relativeError(), 0, 1e-6, l.path()));
            Block factored = f.apply(net, plan, IN, m);
            float[] after = run(factored, x);
            for (int i = 0; i < after.length; i++) {
                assertEquals(after[i], before[i], 1e-4, "output " + i);
            }
            // Two factors per layer, the original block untouched.
            assertTrue(factored.getParameters().keys().contains("01conv1_01v_weight"));
            assertEquals(factored.getParameters().get("04conv2_02u_weight").getArray().getShape(), new Shape(16, 16, 1, 1));
            assertEquals(factored.getParameters().get("08fc_01v_weight").getArray().getShape(), new Shape(10, 16));
            assertEquals(net.getParameters().get("01conv1_weight").getArray().toFloatArray(), conv1);
            assertEquals(run(net, x), before);
            // The plan's costs are the profiler's.
            ModelProfile p = ModelProfile.of(factored, new Shape(1, 3, 8, 8), MacConvention.CONV_LINEAR);
            assertEquals(p.params(), plan.modelParamsAfter());
            assertEquals(p.macs(), plan.modelMacsAfter());
        }
    }

    @Test
    public void errorDecreasesWithRank() {
        // Output error need not fall monotonically for every random net: a fixed seed makes the test one case.
        Engine.getInstance().setRandomSeed(1234);
        try (NDManager m = NDManager.newBaseManager()) {
            Block net = net(m);
            NDArray x = m.randomNormal(IN);
            float[] reference = run(net, x);
            LowRankFactorizer f = LowRankFactorizer.builder().build();
            double previousWeightError = Double.MAX_VALUE;
            double previousOutputError = Double.MAX_VALUE;
            for (int r : new int[] {1, 4, 8, 12, 16}) {
                LowRankPlan plan = f.plan(net, new Shape(1, 3, 8, 8), RankSelection.perLayer(Map.of("04conv2", r)));
                double weightError = plan.layer("04conv2").orElseThrow().relativeError();
                double outputError;
                try (NDManager scope = m.newSubManager()) {
                    outputError = relativeDistance(run(f.apply(net, plan, IN, scope), x), reference);
                }
                assertTrue(weightError < previousWeightError, "rank " + r + ": " + weightError);
                assertTrue(outputError < previousOutputError || outputError < 1e-5, "rank " + r + ": " + outputError);
                previousWeightError = weightError;
                previousOutputError = outputError;
            }
            assertEquals(previousWeightError, 0, 1e-6);
        }
    }

    /** W = Q₁ diag(8, 4, 2, 1, 0, …) Q₂ᵀ (32×64): energies 64, 16, 4, 1 of 85. */
    @Test
    public void energyThresholdPicksTheRankOfKnownSingularValues() {
        double[] sigma = {8, 4, 2, 1};
        int rows = 32;
        int cols = 64;
        Random r = new Random(11);
        RealMatrix q1 = orthogonal(rows, r);
        RealMatrix q2 = orthogonal(cols, r);
        float[] w = new float[rows * cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                double v = 0;
                for (int k = 0; k < sigma.length; k++) {
                    v += q1.getEntry(i, k) * sigma[k] * q2.getEntry(j, k);
                }
                w[i * cols + j] = (float) v;
            }
        }
        try (NDManager m = NDManager.newBaseManager()) {
            Block fc = new NamedSequentialBlock().add("fc", Linear.builder().setUnits(rows).build());
            fc.initialize(m, DataType.FLOAT32, new Shape(1, cols));
            fc.getParameters().get("01fc_weight").getArray().set(w);
            LowRankFactorizer f = LowRankFactorizer.builder().build();
            double[] found = f.singularValues(fc, new Shape(1, cols)).get("01fc");
            for (int k = 0; k < sigma.length; k++) {
                assertEquals(found[k], sigma[k], 1e-5);
            }
            Map<Double, Integer> expected = new LinkedHashMap<>();
            expected.put(0.5, 1);
            expected.put(64.0 / 85, 1); // exactly the first value's share
            expected.put(0.76, 2);
            expected.put(0.9, 2);
            expected.put(0.95, 3);
            expected.put(0.99, 4);
            expected.put(1.0, 4);
            expected.forEach((e, rank) -> {
                LayerFactorisation l = f.plan(fc, new Shape(1, cols), RankSelection.energy(e)).layer("01fc").orElseThrow();
                assertTrue(l.factorised(), "energy " + e);
                assertEquals(l.rank(), (int) rank, "energy " + e);
                double dropped = Arrays.stream(sigma).skip(rank).map(s -> s * s).sum();
                assertEquals(l.relativeError(), Math.sqrt(dropped / 85), 1e-5, "energy " + e);
                assertEquals(l.paramsAfter(), (long) rank * (rows + cols) + rows);
            });
        }
    }

    private static RealMatrix orthogonal(int n, Random r) {
        double[][] a = new double[n][n];
        for (double[] row : a) {
            for (int j = 0; j < n; j++) {
                row[j] = r.nextGaussian();
            }
        }
        return new QRDecomposition(new Array2DRowRealMatrix(a)).getQ();
    }

    @Test
    public void macBudgetIsMetByTheLargestCommonEnergy() {
        try (NDManager m = NDManager.newBaseManager()) {
            Block net = net(m);
            Shape one = new Shape(1, 3, 8, 8);
            LowRankFactorizer f = LowRankFactorizer.builder().build();
            LowRankPlan plan = f.plan(net, one, RankSelection.macBudget(0.6));
            assertTrue(plan.modelMacsAfter() <= 0.6 * plan.modelMacsBefore(), plan.toTable());
            assertTrue(!plan.factorised().isEmpty(), plan.toTable());
            assertEquals(ModelProfile.of(f.apply(net, plan, one, m), one, MacConvention.CONV_LINEAR).macs(),
                    plan.modelMacsAfter());
            LowRankPlan params = f.plan(net, one, RankSelection.paramBudget(0.7));
            assertTrue(params.modelParamsAfter() <= 0.7 * params.modelParamsBefore(), params.toTable());
        }
    }

    @Test
    public void badInputIsRefusedByName() {
        try (NDManager m = NDManager.newBaseManager()) {
            Block net = net(m);
            Shape one = new Shape(1, 3, 8, 8);
            LowRankFactorizer f = LowRankFactorizer.builder().build();
            IllegalArgumentException e = expectThrows(IllegalArgumentException.class,
                    () -> f.plan(net, one, RankSelection.perLayer(Map.of("05bn2", 2))));
            assertTrue(e.getMessage().contains("05bn2"), e.getMessage());
            e = expectThrows(IllegalArgumentException.class,
                    () -> f.plan(net, one, RankSelection.perLayer(Map.of("04conv2", 17))));
            assertTrue(e.getMessage().contains("full rank 16"), e.getMessage());
            e = expectThrows(IllegalArgumentException.class, () -> f.plan(net, one, RankSelection.paramBudget(0.01)));
            assertTrue(e.getMessage().contains("cannot be met"), e.getMessage());
            assertThrows(IllegalArgumentException.class,
                    () -> LowRankFactorizer.builder().optLayers("nothing").build().plan(net, one, RankSelection.energy(0.9)));
        }
    }
}
