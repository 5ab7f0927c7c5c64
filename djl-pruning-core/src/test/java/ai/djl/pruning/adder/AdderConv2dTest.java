package ai.djl.pruning.adder;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.pruning.analysis.MacConvention;
import ai.djl.pruning.analysis.ModelProfile;
import ai.djl.pruning.analysis.OperationCounts;
import ai.djl.pruning.nn.BlockSpec;
import ai.djl.pruning.nn.NamedSequentialBlock;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.util.Random;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

public class AdderConv2dTest {

    private static final int N = 2;
    private static final int C = 3;
    private static final int H = 5;
    private static final int W = 6;
    private static final int O = 4;
    private static final int K = 3;

    @DataProvider
    public Object[][] geometries() {
        // stride, padding, chunk elements (1: one output channel per chunk)
        return new Object[][] {{1, 0, 1L << 24}, {1, 1, 1L}, {2, 1, 1L << 24}, {2, 0, 100L}};
    }

    /** Direct loops: Y, ∂(Σ G·Y)/∂W with ∂Y/∂W = X − W, and ∂(Σ G·Y)/∂X with ∂Y/∂X = HardTanh(W − X). */
    private static final class Reference {
        final double[] y;
        final double[] gradW;
        final double[] gradX;
        final int ho;
        final int wo;

        Reference(float[] x, float[] w, float[] g, int stride, int pad) {
            ho = (H + 2 * pad - K) / stride + 1;
            wo = (W + 2 * pad - K) / stride + 1;
            y = new double[N * O * ho * wo];
            gradW = new double[w.length];
            gradX = new double[x.length];
            for (int n = 0; n < N; n++) {
                for (int o = 0; o < O; o++) {
                    for (int h = 0; h < ho; h++) {
                        for (int v = 0; v < wo; v++) {
                            int out = ((n * O + o) * ho + h) * wo + v;
                            double sum = 0;
                            for (int c = 0; c < C; c++) {
                                for (int i = 0; i < K; i++) {
                                    for (int j = 0; j < K; j++) {
                                        int r = h * stride + i - pad;
                                        int s = v * stride + j - pad;
                                        boolean inside = r >= 0 && r < H && s >= 0 && s < W;
                                        double xv = inside ? x[((n * C + c) * H + r) * W + s] : 0;
                                        int wi = ((o * C + c) * K + i) * K + j;
                                        sum += Math.abs(xv - w[wi]);
                                        gradW[wi] += g[out] * (xv - w[wi]);
                                        if (inside) {
                                            gradX[((n * C + c) * H + r) * W + s] +=
                                                    g[out] * Math.max(-1, Math.min(1, w[wi] - xv));
                                        }
                                    }
                                }
                            }
                            y[out] = -sum;
                        }
                    }
                }
            }
        }
    }

    private static float[] random(Random r, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (r.nextGaussian() * scale);
        }
        return a;
    }

    @Test(dataProvider = "geometries")
    public void forwardAndGradientsEqualDirectLoops(int stride, int pad, long chunk) {
        Random r = new Random(7 + stride * 10 + pad);
        try (NDManager m = NDManager.newBaseManager()) {
            AdderConv2d adder = AdderConv2d.builder().setKernel(K).setFilters(O).optStride(stride).optPadding(pad)
                    .optChunkElements(chunk).build();
            adder.initialize(m, DataType.FLOAT32, new Shape(N, C, H, W));
            // Scale 0.7: many |W − X| fall on both sides of 1, so HardTanh's clipping is exercised.
            float[] wv = random(r, O * C * K * K, 0.7);
            adder.getWeight().getArray().set(wv);
            float[] xv = random(r, N * C * H * W, 0.7);
            NDArray x = m.create(xv, new Shape(N, C, H, W));
            ParameterStore ps = new ParameterStore(m, false);

            NDArray inference = adder.forward(ps, new NDList(x), false).singletonOrThrow();
            Reference ref = new Reference(xv, wv, new float[N * O * 100], stride, pad);
            float[] g = random(r, ref.y.length, 1.0);
            ref = new Reference(xv, wv, g, stride, pad);
            assertEquals(inference.getShape(), new Shape(N, O, ref.ho, ref.wo));
            float[] yi = inference.toFloatArray();
            for (int i = 0; i < yi.length; i++) {
                assertEquals(yi[i], ref.y[i], 1e-4, "Y[" + i + "]");
            }

            x.setRequiresGradient(true);
            float[] yt;
            try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                NDArray y = adder.forward(ps, new NDList(x), true).singletonOrThrow();
                yt = y.toFloatArray();
                gc.backward(y.mul(m.create(g, y.getShape())).sum());
            }
            // The surrogate's forward is Y itself, bit for bit.
            for (int i = 0; i < yt.length; i++) {
                assertEquals(Float.floatToIntBits(yt[i]), Float.floatToIntBits(yi[i]), "surrogate Y[" + i + "]");
            }
            float[] gw = adder.getWeight().getArray().getGradient().toFloatArray();
            for (int i = 0; i < gw.length; i++) {
                assertEquals(gw[i], ref.gradW[i], 1e-4 * (1 + Math.abs(ref.gradW[i])), "dL/dW[" + i + "]");
            }
            float[] gx = x.getGradient().toFloatArray();
            for (int i = 0; i < gx.length; i++) {
                assertEquals(gx[i], ref.gradX[i], 1e-4 * (1 + Math.abs(ref.gradX[i])), "dL/dX[" + i + "]");
            }
        }
    }

    /**
     * Finite differences of the surrogate S = S_W + S_X (its stop-gradient parts held at the evaluation
     * point) agree with the gradients autograd back-propagates through the block.
     */
    @Test
    public void surrogateGradientsMatchFiniteDifferences() {
        Random r = new Random(3);
        int stride = 1;
        int pad = 1;
        try (NDManager m = NDManager.newBaseManager()) {
            AdderConv2d adder = AdderConv2d.builder().setKernel(K).setFilters(O).optStride(stride).optPadding(pad).build();
            adder.initialize(m, DataType.FLOAT32, new Shape(N, C, H, W));
            float[] wv = random(r, O * C * K * K, 0.7);
            adder.getWeight().getArray().set(wv);
            float[] xv = random(r, N * C * H * W, 0.7);
            NDArray x = m.create(xv, new Shape(N, C, H, W));
            x.setRequiresGradient(true);
            int outputs = N * O * H * W;
            float[] g = random(r, outputs, 1.0);
            try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                NDArray y = adder.forward(new ParameterStore(m, false), new NDList(x), true).singletonOrThrow();
                gc.backward(y.mul(m.create(g, y.getShape())).sum());
            }
            float[] gw = adder.getWeight().getArray().getGradient().toFloatArray();
            float[] gx = x.getGradient().toFloatArray();
            double[] wd = toDouble(wv);
            double[] xd = toDouble(xv);
            double eps = 1e-4;
            for (int idx : new int[] {0, 5, 17, 40, wv.length - 1}) {
                double[] plus = wd.clone();
                double[] minus = wd.clone();
                plus[idx] += eps;
                minus[idx] -= eps;
                double fd = (surrogate(xd, plus, xd, wd, g, pad) - surrogate(xd, minus, xd, wd, g, pad)) / (2 * eps);
                assertEquals(gw[idx], fd, 1e-3 * (1 + Math.abs(fd)), "dS/dW[" + idx + "]");
            }
            for (int idx : new int[] {0, 7, 31, 64, xv.length - 1}) {
                double[] plus = xd.clone();
                double[] minus = xd.clone();
                plus[idx] += eps;
                minus[idx] -= eps;
                double fd = (surrogate(plus, wd, xd, wd, g, pad) - surrogate(minus, wd, xd, wd, g, pad)) / (2 * eps);
                assertEquals(gx[idx], fd, 1e-3 * (1 + Math.abs(fd)), "dS/dX[" + idx + "]");
            }
        }
    }

    /** Σ G·S with S_W = Σ X̄·W − ½ΣW² and S_X = Σ X·HardTanh(W̄ − X̄) (stride 1), in double. */
    private static double surrogate(double[] x, double[] w, double[] xBar, double[] wBar, float[] g, int pad) {
        double total = 0;
        int ho = H + 2 * pad - K + 1;
        int wo = W + 2 * pad - K + 1;
        for (int n = 0; n < N; n++) {
            for (int o = 0; o < O; o++) {
                for (int h = 0; h < ho; h++) {
                    for (int v = 0; v < wo; v++) {
                        double s = 0;
                        for (int c = 0; c < C; c++) {
                            for (int i = 0; i < K; i++) {
                                for (int j = 0; j < K; j++) {
                                    int rr = h + i - pad;
                                    int ss = v + j - pad;
                                    boolean inside = rr >= 0 && rr < H && ss >= 0 && ss < W;
                                    int xi = ((n * C + c) * H + rr) * W + ss;
                                    double xv = inside ? x[xi] : 0;
                                    double xb = inside ? xBar[xi] : 0;
                                    int wi = ((o * C + c) * K + i) * K + j;
                                    s += xb * w[wi] - 0.5 * w[wi] * w[wi];
                                    s += xv * Math.max(-1, Math.min(1, wBar[wi] - xb));
                                }
                            }
                        }
                        total += g[((n * O + o) * ho + h) * wo + v] * s;
                    }
                }
            }
        }
        return total;
    }

    private static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    /** Training and inference steps leave no array behind on the model's manager (no leak per step). */
    @Test
    public void stepsLeaveNothingOnTheModelManager() {
        try (NDManager model = NDManager.newBaseManager(); NDManager data = NDManager.newBaseManager()) {
            AdderConv2d adder = AdderConv2d.builder().setKernel(K).setFilters(O).optPadding(1).optChunkElements(500).build();
            adder.initialize(model, DataType.FLOAT32, new Shape(N, C, H, W));
            int before = model.getManagedArrays().size();
            ParameterStore ps = new ParameterStore(model, false);
            for (int step = 0; step < 3; step++) {
                try (NDManager batch = data.newSubManager()) {
                    NDArray x = batch.randomNormal(new Shape(N, C, H, W));
                    try (GradientCollector gc = model.getEngine().newGradientCollector()) {
                        NDArray y = adder.forward(ps, new NDList(x), true).singletonOrThrow();
                        gc.backward(y.sum());
                    }
                    adder.forward(ps, new NDList(x), false);
                }
            }
            assertEquals(model.getManagedArrays().size(), before);
        }
    }

    @Test
    public void adaptiveRateScalesTheAdderGradientOnly() {
        try (NDManager m = NDManager.newBaseManager()) {
            AdderConv2d adder = AdderConv2d.builder().setKernel(K).setFilters(O).build();
            Block net = new NamedSequentialBlock().add("adder", adder).add("bn", BatchNorm.builder().build());
            net.initialize(m, DataType.FLOAT32, new Shape(N, C, H, W));
            float eta = 0.1f;
            Optimizer sgd = Optimizer.sgd().setLearningRateTracker(Tracker.fixed(1f)).build();
            AdaptiveLearningRate adaptive = new AdaptiveLearningRate(sgd, net, eta);
            NDArray w = adder.getWeight().getArray();
            float[] before = w.toFloatArray();
            float[] gv = random(new Random(5), before.length, 0.01);
            NDArray grad = m.create(gv, w.getShape());
            double norm = 0;
            for (float v : gv) {
                norm += (double) v * v;
            }
            norm = Math.sqrt(norm);
            double alpha = eta * Math.sqrt(gv.length) / norm;
            assertEquals(AdaptiveLearningRate.localRate(grad, eta), alpha, 1e-6 * alpha);
            adaptive.update(adder.getWeight().getId(), w, grad);
            float[] after = w.toFloatArray();
            for (int i = 0; i < after.length; i++) {
                assertEquals(after[i], before[i] - alpha * gv[i], 1e-5, "w[" + i + "]");
            }
            // A BatchNorm γ is passed through unscaled.
            var gamma = net.getParameters().get("02bn_gamma");
            NDArray gArr = gamma.getArray();
            float[] g0 = gArr.toFloatArray();
            adaptive.update(gamma.getId(), gArr, m.ones(gArr.getShape()).mul(0.5f));
            float[] g1 = gArr.toFloatArray();
            for (int i = 0; i < g1.length; i++) {
                assertEquals(g1[i], g0[i] - 0.5f, 1e-6);
            }
        }
    }

    @Test
    public void operationsByKindEqualTheClosedForms() {
        try (NDManager m = NDManager.newBaseManager()) {
            int c = 16;
            int o = 32;
            int k = 3;
            int hw = 8;
            Block conv = ai.djl.nn.convolutional.Conv2d.builder().setKernelShape(new Shape(k, k)).optPadding(new Shape(1, 1))
                    .setFilters(o).optBias(false).build();
            Block adder = AdderConv2d.builder().setKernel(k).setFilters(o).optPadding(1).build();
            Shape in = new Shape(1, c, hw, hw);
            conv.initialize(m, DataType.FLOAT32, in);
            adder.initialize(m, DataType.FLOAT32, in);
            long outputs = (long) o * hw * hw;
            long window = (long) k * k * c;
            OperationCounts convOps = ModelProfile.of(conv, in, MacConvention.CONV_LINEAR).operations();
            assertEquals(convOps, new OperationCounts(outputs * window, outputs * (window - 1), 0, 0));
            ModelProfile adderProfile = ModelProfile.of(adder, in, MacConvention.CONV_LINEAR);
            assertEquals(adderProfile.operations(), new OperationCounts(0, outputs * (window - 1), outputs * window,
                    outputs * window));
            assertEquals(adderProfile.macs(), 0);
            assertEquals(adderProfile.params(), (long) o * c * k * k);
            // Per output value: k²c multiplications and k²c − 1 additions vs 0, k²c − 1, k²c, k²c.
            assertEquals(convOps.multiplications() / outputs, 144);
            assertEquals(adderProfile.operations().additions() / outputs, 143);
            assertTrue(adderProfile.toOperationTable().contains("AdderConv2d"));
            // A conv with bias adds one addition per output.
            Block biased = ai.djl.nn.convolutional.Conv2d.builder().setKernelShape(new Shape(k, k)).setFilters(o).build();
            biased.initialize(m, DataType.FLOAT32, in);
            long biasedOutputs = (long) o * (hw - 2) * (hw - 2);
            assertEquals(ModelProfile.of(biased, in, MacConvention.CONV_LINEAR).operations().additions(),
                    biasedOutputs * window);
        }
    }

    @Test
    public void blockSpecCopiesAnAdderNet() {
        try (NDManager m = NDManager.newBaseManager()) {
            Shape in = new Shape(2, C, H, W);
            Block net = new NamedSequentialBlock()
                    .add("adder", AdderConv2d.builder().setKernel(K).setFilters(O).optStride(2).optPadding(1).build())
                    .add("bn", BatchNorm.builder().build());
            net.initialize(m, DataType.FLOAT32, in);
            Block copy = BlockSpec.copy(net, in, m);
            AdderConv2d a = (AdderConv2d) copy.getChildren().get(0).getValue();
            assertEquals(a.getStride(), 2);
            assertEquals(a.getPadding(), 1);
            NDArray x = m.randomNormal(in);
            ParameterStore ps = new ParameterStore(m, false);
            float[] y0 = net.forward(ps, new NDList(x), false).singletonOrThrow().toFloatArray();
            float[] y1 = copy.forward(ps, new NDList(x), false).singletonOrThrow().toFloatArray();
            assertEquals(y1, y0);
        }
    }
}
