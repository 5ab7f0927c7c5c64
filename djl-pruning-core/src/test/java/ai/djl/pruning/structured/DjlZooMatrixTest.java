package ai.djl.pruning.structured;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pruning.ParameterSnapshot;
import ai.djl.pruning.analysis.MacConvention;
import ai.djl.pruning.analysis.ModelProfile;
import ai.djl.pruning.distillation.DistillationBlock;
import ai.djl.pruning.distillation.KnowledgeDistillationLoss;
import ai.djl.pruning.io.ModelFiles;
import ai.djl.pruning.nn.BlockSpec;
import ai.djl.pruning.onnx.OnnxExporter;
import ai.djl.pruning.onnx.OnnxImportTest;
import ai.djl.pruning.testing.DjlZooNetworks;
import ai.djl.pruning.unstructured.MagnitudePruner;
import ai.djl.pruning.unstructured.MaskedOptimizer;
import ai.djl.pruning.unstructured.PrunableParameters;
import ai.djl.pruning.unstructured.PruningMasks;
import ai.djl.pruning.unstructured.SensitivityResult;
import ai.djl.pruning.unstructured.SensitivityScan;
import ai.djl.pruning.unstructured.SparsityPlan;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentSkipListMap;
import org.testng.annotations.AfterClass;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

/**
 * Every capability on every network of DJL's basicmodelzoo, as a DJL user builds them (random weights,
 * random BatchNorm statistics): profile; sensitivity scan; channel pruning to half the MACs, verified against
 * the masked original; the pruned model saved and reloaded, exported to ONNX and run by ONNX Runtime; channel
 * sorting; distillation of the pruned student from the dense teacher; fine-grained masks held by {@code
 * MaskedOptimizer} over training steps. Prints the matrix ({@code docs/results/djl-models.md}):
 * {@code mvn -B test -pl djl-pruning-core -Dtest=DjlZooMatrixTest}
 */
public class DjlZooMatrixTest {

    private static final int STEPS = 3;
    private static final Map<Integer, String> ROWS = new ConcurrentSkipListMap<>();

    @DataProvider
    public Object[][] networks() {
        List<DjlZooNetworks.Network> all = DjlZooNetworks.all();
        Object[][] out = new Object[all.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = new Object[] {i, all.get(i)};
        }
        return out;
    }

    @Test(dataProvider = "networks")
    public void everyCapability(int index, DjlZooNetworks.Network n) throws Exception {
        long start = System.nanoTime();
        try (Model model = Model.newInstance("zoo-" + index)) {
            NDManager manager = model.getNDManager();
            Block net = n.factory().get();
            net.initialize(manager, DataType.FLOAT32, n.inputShape());
            ChannelPrunerTest.randomiseBatchNorm(net, manager);
            Shape in = n.inputShape();
            Map<String, float[]> original = ParameterSnapshot.of(net);

            ModelProfile profile = ModelProfile.of(net, in, MacConvention.CONV_LINEAR);
            assertTrue(profile.unknownLayers().isEmpty(), n + ": unknown layers " + profile.unknownLayers());
            String scan = sensitivityScan(net, in, manager);

            ChannelPruner pruner = ChannelPruner.builder().build();
            ChannelPruningPlan plan = pruner.planForMacs(net, in, 0.5, manager);
            ChannelPruner.VerifiedBlock v = pruner.applyVerified(net, plan, manager);
            double ratio = (double) profile.macs() / ModelProfile.of(v.block(), in, MacConvention.CONV_LINEAR).macs();
            assertTrue(ratio >= 1.9 && ratio <= 2.2, n + ": MAC ratio " + ratio);
            assertTrue(v.verificationError() < 1e-5, n + ": verification error " + v.verificationError());
            String reload = reloadError(v.block(), in, manager);
            String onnx = onnxError(v.block(), in, manager);
            ChannelSorter.builder().build().sort(net, in, manager); // verified inside against the original
            ParameterSnapshot.assertBitIdentical(original, ParameterSnapshot.of(net)); // the user's model untouched

            String kd = distil(v.block(), net, trainingShape(in), manager);
            net.freezeParameters(false); // the distillation froze the teacher
            String fineGrained = fineGrained(BlockSpec.copy(net, in, manager), in, trainingShape(in), manager);

            ROWS.put(index, String.format(Locale.ROOT, "| %s | %s | %,d | %,d | %s | %.2f× | %.1e | %s | %s | sorted "
                    + "| %s | %s | %.1f s |", n.name(), in, profile.macs(), profile.params(), scan, ratio,
                    v.verificationError(), reload, onnx, kd, fineGrained, (System.nanoTime() - start) / 1e9));
        }
    }

    @AfterClass
    public void printMatrix() {
        System.out.println("| network | input | MACs | params | sensitivity scan (2 sparsities per layer; output "
                + "fidelity at 90%, lowest) | channel pruning: MAC ratio | verification error | saved + reloaded: max "
                + "diff | ONNX Runtime vs DJL: max diff | channel sorting | distillation from the dense model (KD loss, "
                + STEPS + " steps) | fine-grained 50% masks, " + STEPS + " masked training steps | time |");
        System.out.println("|---|---|---:|---:|---|---:|---:|---:|---:|---|---|---|---:|");
        ROWS.values().forEach(System.out::println);
    }

    /** The training batch: 4 images (BatchNorm needs more than one), the network's image shape. */
    private static Shape trainingShape(Shape in) {
        return new Shape(4).addAll(in.slice(1));
    }

    private static float[] gaussian(Shape shape, long seed) {
        float[] x = new float[(int) shape.size()];
        Random r = new Random(seed);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    private static double maxDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }

    /**
     * Fine-grained sensitivity of every prunable layer at 50% and 90%, measured as output fidelity on a fixed
     * batch (100 · (1 − ‖y − y_dense‖ / ‖y_dense‖)); the network must come back bit-exactly.
     */
    private static String sensitivityScan(Block net, Shape in, NDManager manager) throws Exception {
        float[] x = gaussian(in, 11);
        float[] dense = OnnxImportTest.forward(net, manager, x, in);
        SensitivityResult r = SensitivityScan.builder().optSparsities(0.5, 0.9).build().run(net, b -> {
            float[] y = OnnxImportTest.forward(b, manager, x, in);
            double num = 0;
            double den = 0;
            for (int i = 0; i < y.length; i++) {
                num += (y[i] - dense[i]) * (y[i] - dense[i]);
                den += dense[i] * dense[i];
            }
            return 100 * (1 - Math.sqrt(num / den));
        }, "a fixed random batch");
        assertEquals(OnnxImportTest.forward(net, manager, x, in), dense, "the scan did not restore the network");
        assertEquals(r.denseAccuracy(), 100.0, 1e-9);
        assertEquals(r.accuracies().keySet(), PrunableParameters.of(net).keySet());
        Map.Entry<String, List<Double>> worst = null;
        for (Map.Entry<String, ? extends List<Double>> e : r.accuracies().entrySet()) {
            e.getValue().forEach(a -> assertTrue(Double.isFinite(a), e.getKey() + ": " + a));
            if (worst == null || e.getValue().get(1) < worst.getValue().get(1)) {
                worst = Map.entry(e.getKey(), e.getValue());
            }
        }
        return String.format(Locale.ROOT, "%d layers; %s %.1f%%", r.accuracies().size(), worst.getKey(),
                worst.getValue().get(1));
    }

    /** The pruned model saved with its architecture and loaded again computes exactly the same. */
    private static String reloadError(Block pruned, Shape in, NDManager manager) throws Exception {
        Path dir = Files.createTempDirectory("zoo-pruned");
        ModelFiles.save(pruned, in, dir);
        Block again = ModelFiles.load(dir, manager);
        float[] x = gaussian(in, 5);
        double d = maxDiff(OnnxImportTest.forward(again, manager, x, in), OnnxImportTest.forward(pruned, manager, x, in));
        assertEquals(d, 0.0, "reloaded model differs");
        return String.format(Locale.ROOT, "%.0e", d);
    }

    /** The pruned model exported to ONNX and run by ONNX Runtime, within 1e-4 of DJL. */
    private static String onnxError(Block pruned, Shape in, NDManager manager) throws Exception {
        Path file = Files.createTempDirectory("zoo-onnx").resolve("pruned.onnx");
        OnnxExporter.export(pruned, in, file);
        float[] x = gaussian(in, 5);
        float[] expected = OnnxImportTest.forward(pruned, manager, x, in);
        double d = maxDiff(OnnxImportTest.onnxRuntime(file, x, in), expected);
        double scale = 0;
        for (float v : expected) {
            scale = Math.max(scale, Math.abs(v));
        }
        assertTrue(d <= 1e-4 * Math.max(1, scale), "ONNX Runtime differs by " + d);
        return String.format(Locale.ROOT, "%.1e", d);
    }

    /** Random labels for a batch of 4 over the network's outputs. */
    private static NDArray labels(Block net, Shape batch, NDManager manager) {
        long classes = net.getOutputShapes(new Shape[] {batch})[0].get(1);
        Random r = new Random(7);
        float[] y = new float[(int) batch.get(0)];
        for (int i = 0; i < y.length; i++) {
            y[i] = r.nextInt((int) classes);
        }
        return manager.create(y);
    }

    /** A few steps of logit distillation of the pruned student from the frozen dense teacher. */
    private static String distil(Block student, Block teacher, Shape batch, NDManager manager) {
        Map<String, float[]> teacherBefore = ParameterSnapshot.of(teacher);
        Map<String, float[]> studentBefore = ParameterSnapshot.of(student);
        try (Model model = Model.newInstance("kd")) {
            DistillationBlock kd = DistillationBlock.builder(student, teacher, batch).build();
            model.setBlock(kd);
            // A small step: AlexNet and VGG (no BatchNorm) diverge from random weights at 0.01.
            DefaultTrainingConfig config = new DefaultTrainingConfig(new KnowledgeDistillationLoss(4f, 0.9f))
                    .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.001f)).build());
            float[] losses = train(model, config, batch, labels(teacher, batch, manager), manager);
            ParameterSnapshot.assertBitIdentical(teacherBefore, ParameterSnapshot.of(teacher));
            assertFalse(Arrays.equals(studentBefore.values().iterator().next(),
                    ParameterSnapshot.of(student).values().iterator().next()), "the student did not learn");
            return String.format(Locale.ROOT, "loss %.3f → %.3f, teacher unchanged", losses[0], losses[STEPS - 1]);
        }
    }

    /** Magnitude masks at 50% on a copy, exact, and held at zero by MaskedOptimizer while it trains. */
    private static String fineGrained(Block copy, Shape in, Shape batch, NDManager manager) {
        Map<String, ai.djl.nn.Parameter> prunable = PrunableParameters.of(copy);
        PruningMasks masks = MagnitudePruner.builder().build().masks(copy, SparsityPlan.uniform(prunable.keySet(), 0.5));
        long total = 0;
        long pruned = 0;
        try (Model model = Model.newInstance("masked")) {
            model.setBlock(copy);
            DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.01f)).optMomentum(0.9f)
                            .build());
            try (MaskedOptimizer optimizer = MaskedOptimizer.install(config, copy, masks)) {
                masks.apply(copy);
                train(model, config, batch, labels(copy, batch, manager), manager);
            }
            for (Map.Entry<String, PruningMasks.Mask> e : masks.masks().entrySet()) {
                float[] w = prunable.get(e.getKey()).getArray().toFloatArray();
                long size = w.length;
                assertEquals(size - e.getValue().keptCount(), Math.round(0.5 * size), 1.0, e.getKey());
                for (int i = 0; i < w.length; i++) {
                    if (!e.getValue().kept().get(i)) {
                        assertEquals(w[i], 0f, e.getKey() + "[" + i + "] moved");
                    }
                }
                total += size;
                pruned += size - e.getValue().keptCount();
            }
        }
        return String.format(Locale.ROOT, "%.1f%% of %,d weights zero, held", 100.0 * pruned / total, total);
    }

    /** {@link #STEPS} training steps on one fixed batch; returns the loss of each. */
    private static float[] train(Model model, DefaultTrainingConfig config, Shape batch, NDArray labels,
            NDManager manager) {
        float[] losses = new float[STEPS];
        try (Trainer trainer = model.newTrainer(config)) {
            trainer.initialize(batch);
            NDArray x = manager.create(gaussian(batch, 13), batch);
            for (int step = 0; step < STEPS; step++) {
                try (GradientCollector gc = trainer.newGradientCollector()) {
                    NDList out = trainer.forward(new NDList(x));
                    NDArray loss = trainer.getLoss().evaluate(new NDList(labels), out);
                    losses[step] = loss.getFloat();
                    assertTrue(Float.isFinite(losses[step]), "loss " + losses[step]);
                    gc.backward(loss);
                }
                trainer.step();
            }
        }
        return losses;
    }
}
