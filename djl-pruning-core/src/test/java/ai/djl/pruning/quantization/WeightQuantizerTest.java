package ai.djl.pruning.quantization;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

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
import ai.djl.pruning.io.CheckpointException;
import ai.djl.pruning.nn.GlobalAvgPool2d;
import ai.djl.pruning.nn.NamedSequentialBlock;
import ai.djl.pruning.nn.Relu;
import ai.djl.pruning.unstructured.MagnitudePruner;
import ai.djl.pruning.unstructured.PrunableParameters;
import ai.djl.pruning.unstructured.PruningMasks;
import ai.djl.pruning.unstructured.SparseParameterFile;
import ai.djl.pruning.unstructured.SparsityPlan;
import ai.djl.training.ParameterStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.testng.annotations.Test;

public class WeightQuantizerTest {

    private static final Shape IN = new Shape(2, 3, 8, 8);

    private static Block net(NDManager m) {
        Block net = new NamedSequentialBlock()
                .add("conv1", Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(32).build())
                .add("bn1", BatchNorm.builder().build())
                .add("relu1", new Relu())
                .add("conv2", Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(32).build())
                .add("bn2", BatchNorm.builder().build())
                .add("relu2", new Relu())
                .add("pool", new GlobalAvgPool2d())
                .add("fc", Linear.builder().setUnits(10).build());
        net.initialize(m, DataType.FLOAT32, IN);
        return net;
    }

    @Test
    public void roundTripIsWithinHalfAScaleAndScalesArePerChannelMaxima() {
        Random r = new Random(1);
        int channels = 6;
        int per = 50;
        float[] w = new float[channels * per];
        for (int i = 0; i < w.length; i++) {
            // Channels of very different ranges, and some exact zeros.
            w[i] = i % 7 == 0 ? 0f : (float) (r.nextGaussian() * Math.pow(10, i / per - 3));
        }
        Shape shape = new Shape(channels, 5, 10);
        for (Granularity g : Granularity.values()) {
            Int8Tensor q = Int8Tensor.quantize(w, shape, g);
            float[] scales = q.scales();
            assertEquals(scales.length, g == Granularity.PER_CHANNEL ? channels : 1);
            float[] d = q.dequantize();
            byte[] v = q.values();
            for (int c = 0; c < scales.length; c++) {
                int from = g == Granularity.PER_CHANNEL ? c * per : 0;
                int to = g == Granularity.PER_CHANNEL ? from + per : w.length;
                float max = 0;
                for (int i = from; i < to; i++) {
                    max = Math.max(max, Math.abs(w[i]));
                }
                assertEquals(scales[c], max / 127f, 0f, g + " scale " + c);
            }
            boolean reached = false;
            for (int i = 0; i < w.length; i++) {
                float s = scales[g == Granularity.PER_CHANNEL ? i / per : 0];
                assertTrue(v[i] >= -127 && v[i] <= 127);
                assertTrue(Math.abs(d[i] - w[i]) <= s / 2 * (1 + 1e-5), g + " element " + i + ": " + w[i] + " → " + d[i]);
                reached |= Math.abs(v[i]) == 127;
                if (w[i] == 0) {
                    assertEquals(v[i], 0);
                    assertEquals(Float.floatToRawIntBits(d[i]), 0, "zero stays +0.0 at " + i);
                }
            }
            assertTrue(reached, "the largest weight maps to ±127");
            assertEquals(q.sizeBytes(), w.length + 4L * scales.length);
            assertTrue(q.maxError(w) <= scales[scales.length - 1] / 2 * (1 + 1e-5));
        }
        // Per channel is finer where the ranges differ: channel 0's error is far below the per-tensor one.
        Int8Tensor pc = Int8Tensor.quantize(w, shape, Granularity.PER_CHANNEL);
        Int8Tensor pt = Int8Tensor.quantize(w, shape, Granularity.PER_TENSOR);
        assertTrue(error(pc, w, per) < error(pt, w, per) / 100, "per-channel error on the small channel");
        // An all-zero channel gets scale 0 and dequantizes to zeros.
        Int8Tensor zeros = Int8Tensor.quantize(new float[6], new Shape(2, 3), Granularity.PER_CHANNEL);
        assertEquals(zeros.scales(), new float[] {0f, 0f});
        assertEquals(zeros.dequantize(), new float[6]);
        expectThrows(IllegalArgumentException.class, () -> Int8Tensor.quantize(new float[] {Float.NaN}, new Shape(1),
                Granularity.PER_TENSOR));
    }

    private static double error(Int8Tensor q, float[] w, int n) {
        float[] d = q.dequantize();
        double e = 0;
        for (int i = 0; i < n; i++) {
            e = Math.max(e, Math.abs(d[i] - w[i]));
        }
        return e;
    }

    @Test
    public void prunedThenQuantizedKeepsZerosAndTheFileIsSmaller() throws Exception {
        Path dir = Files.createTempDirectory("q8");
        try (NDManager m = NDManager.newBaseManager()) {
            Block net = net(m);
            NDArray x = m.randomNormal(IN);
            PruningMasks masks = MagnitudePruner.builder().build()
                    .masks(net, SparsityPlan.uniform(PrunableParameters.of(net).keySet(), 0.75));
            masks.apply(net);
            float[] conv2 = net.getParameters().get("04conv2_weight").getArray().toFloatArray();
            float[] before = run(net, x);

            QuantizedWeights q = WeightQuantizer.builder().build().quantize(net);
            assertEquals(q.tensors().keySet(), PrunableParameters.of(net).keySet());
            Block copy = q.dequantizedCopy(net, IN, m);
            float[] dq = copy.getParameters().get("04conv2_weight").getArray().toFloatArray();
            for (int i = 0; i < conv2.length; i++) {
                if (conv2[i] == 0) {
                    assertEquals(dq[i], 0f, "pruned weight " + i + " stays zero");
                }
            }
            // The original keeps its float weights; the copy's outputs are close.
            assertEquals(net.getParameters().get("04conv2_weight").getArray().toFloatArray(), conv2);
            float[] after = run(copy, x);
            double diff = 0;
            double norm = 0;
            for (int i = 0; i < after.length; i++) {
                diff += Math.pow(after[i] - before[i], 2);
                norm += Math.pow(before[i], 2);
            }
            assertTrue(Math.sqrt(diff / norm) < 0.05, "relative output change " + Math.sqrt(diff / norm));

            // Sizes: int8 tensors at 1 byte (+ 4 per scale), the rest at 4 bytes.
            ModelProfile profile = ModelProfile.of(net, IN, MacConvention.CONV_LINEAR);
            long quantizedElements = q.tensors().values().stream().mapToLong(t -> t.shape().size()).sum();
            long scales = q.tensors().values().stream().mapToLong(t -> t.scales().length).sum();
            assertEquals(q.sizeBytes(net), 4 * (profile.params() - quantizedElements) + quantizedElements + 4 * scales);
            assertTrue(q.nonzeroSizeBytes(net) < q.sizeBytes(net) / 2);

            // The sparse int8 file is smaller than the sparse float32 file, and loads the dequantized weights.
            Path sparse = dir.resolve("pruned.sparse");
            Path q8 = dir.resolve("pruned.q8");
            SparseParameterFile.save(net, sparse);
            QuantizedParameterFile.save(net, q, q8);
            assertTrue(Files.size(q8) < Files.size(sparse) / 2, Files.size(q8) + " vs " + Files.size(sparse));
            Block loaded = net(m);
            QuantizedParameterFile.load(q8, loaded);
            assertEquals(run(loaded, x), after);
            assertEquals(QuantizedParameterFile.readWeights(q8).tensors(), q.tensors());
            CheckpointException e = expectThrows(CheckpointException.class,
                    () -> QuantizedParameterFile.load(sparse, net(m)));
            assertTrue(e.getMessage().contains("not a quantized parameter file"), e.getMessage());
        }
    }

    private static float[] run(Block b, NDArray x) {
        return b.forward(new ParameterStore(x.getManager(), false), new NDList(x), false).singletonOrThrow().toFloatArray();
    }
}
