package ai.djl.pruning.distillation;

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
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.pruning.ParameterSnapshot;
import ai.djl.pruning.io.ModelFiles;
import ai.djl.pruning.nn.GlobalAvgPool2d;
import ai.djl.pruning.nn.Relu;
import ai.djl.pruning.unstructured.MaskedOptimizer;
import ai.djl.pruning.unstructured.PruningMasks;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.Batch;
import ai.djl.training.loss.Loss;
import ai.djl.training.loss.SimpleCompositeLoss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.testng.annotations.Test;

public class DistillationTest {

    private static final Shape IN = new Shape(4, 3, 8, 8);

    @Test
    public void kdLossEqualsHandComputedValueAndIsCrossEntropyAtAlphaZero() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] zs = {1, 2, 3, -1, 0, 0.5f};
            float[] zt = {3, 1, 0, 0, 2, -2};
            int[] y = {2, 1};
            NDList pred = new NDList(m.create(zs, new Shape(2, 3)), m.create(zt, new Shape(2, 3)));
            NDList labels = new NDList(m.create(new float[] {2, 1}));
            double t = 2;
            double alpha = 0.7;
            double kl = 0;
            double ce = 0;
            for (int r = 0; r < 2; r++) {
                double[] ps = softmax(zs, r, t);
                double[] pt = softmax(zt, r, t);
                for (int k = 0; k < 3; k++) {
                    kl += pt[k] * Math.log(pt[k] / ps[k]);
                }
                ce -= Math.log(softmax(zs, r, 1)[y[r]]);
            }
            double expected = alpha * t * t * kl / 2 + (1 - alpha) * ce / 2;
            float got = new KnowledgeDistillationLoss(2f, 0.7f).evaluate(labels, pred).getFloat();
            assertEquals(got, expected, 1e-5);
            float ceOnly = new KnowledgeDistillationLoss(2f, 0f).evaluate(labels, pred).getFloat();
            float djl = Loss.softmaxCrossEntropyLoss().evaluate(labels, new NDList(pred.get(0))).getFloat();
            assertEquals(ceOnly, djl, 1e-6);
            assertEquals(ceOnly, ce / 2, 1e-5);
        }
    }

    private static double[] softmax(float[] z, int row, double t) {
        double[] e = new double[3];
        double sum = 0;
        for (int k = 0; k < 3; k++) {
            e[k] = Math.exp(z[row * 3 + k] / t);
            sum += e[k];
        }
        for (int k = 0; k < 3; k++) {
            e[k] /= sum;
        }
        return e;
    }

    @Test
    public void marginFromBatchNormMatchesTheClosedForm() {
        // N(0, 1): E[x | x < 0] = −φ(0)/Φ(0) = −sqrt(2/π).
        assertEquals(BatchNormMargin.margin(0, 1), -Math.sqrt(2 / Math.PI), 1e-6);
        // N(1, 2²): z = 0.5, φ(0.5) = 0.3520653267642995, Φ(−0.5) = 0.3085375387259869.
        assertEquals(BatchNormMargin.margin(1, -2), 1 - 2 * 0.3520653267642995 / 0.3085375387259869, 1e-6);
        // Almost no negative mass: −3|γ|.
        assertEquals(BatchNormMargin.margin(5, 1), -3.0, 0);
        try (NDManager m = NDManager.newBaseManager()) {
            BatchNorm bn = BatchNorm.builder().build();
            bn.initialize(m, DataType.FLOAT32, new Shape(1, 2, 4, 4));
            for (Pair<String, Parameter> p : bn.getDirectParameters()) {
                if (p.getValue().getType() == Parameter.Type.GAMMA) {
                    p.getValue().getArray().set(new float[] {1, -2});
                } else if (p.getValue().getType() == Parameter.Type.BETA) {
                    p.getValue().getArray().set(new float[] {0, 1});
                }
            }
            float[] margins = BatchNormMargin.of(bn);
            assertEquals(margins[0], -Math.sqrt(2 / Math.PI), 1e-6);
            assertEquals(margins[1], 1 - 2 * 0.3520653267642995 / 0.3085375387259869, 1e-6);
        }
    }

    @Test
    public void partialL2SkipsExactlyTheStudentBelowNonPositiveTeacherPositions() {
        try (NDManager m = NDManager.newBaseManager()) {
            // positions: s ≤ t ≤ 0 (skipped) | s > t, t ≤ 0 | t > 0, s < t | s = t = 0 (skipped) | s < t < 0 (skipped)
            NDArray s = m.create(new float[] {-2, 1, 0, 0, -3});
            NDArray t = m.create(new float[] {-1, -1, 2, 0, -0.5f});
            float d = FeatureDistillationLoss.partialL2(s, t).getFloat();
            assertEquals(d, (1 + 1) * (1 + 1) + 2 * 2, 1e-6); // only positions 1 and 2 count
        }
    }

    private static Block net(int width) {
        return new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(width).build())
                .add(BatchNorm.builder().build()).add(new Relu()).add(new GlobalAvgPool2d())
                .add(Linear.builder().setUnits(3).build());
    }

    @Test
    public void trainingMovesOnlyTheStudentAndConnectors() throws Exception {
        try (NDManager m = NDManager.newBaseManager(); Model model = Model.newInstance("kd")) {
            Block initialised = net(4);
            initialised.initialize(m, DataType.FLOAT32, IN);
            // As a pruned model arrives: reloaded from architecture + parameters (no gradients attached).
            Path dir = Files.createTempDirectory("student");
            ModelFiles.save(initialised, IN, dir);
            Block student = ModelFiles.load(dir, m);
            Block teacher = net(8);
            teacher.initialize(m, DataType.FLOAT32, IN);
            BatchNorm teacherBn = (BatchNorm) teacher.getChildren().get(1).getValue();
            DistillationBlock kd = DistillationBlock.builder(student, teacher, IN)
                    .addFeature(new FeaturePair("02BatchNorm", "02BatchNorm", BatchNormMargin.of(teacherBn))).build();
            model.setBlock(kd);
            Map<String, float[]> teacherBefore = ParameterSnapshot.of(teacher);
            Map<String, float[]> studentBefore = ParameterSnapshot.of(student);
            Loss loss = new SimpleCompositeLoss().addLoss(new KnowledgeDistillationLoss(4f, 0.9f))
                    .addLoss(new FeatureDistillationLoss(1e-3f));
            DefaultTrainingConfig config = new DefaultTrainingConfig(loss)
                    .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.1f)).build());
            m.getEngine().setRandomSeed(3);
            ArrayDataset data = new ArrayDataset.Builder().setData(m.randomNormal(IN))
                    .optLabels(m.create(new float[] {0, 1, 2, 1})).setSampling(4, false).build();
            // Combined with fine-grained pruning: the student's first conv keeps every other weight.
            float[] keep = new float[4 * 3 * 3 * 3];
            for (int i = 0; i < keep.length; i += 2) {
                keep[i] = 1;
            }
            PruningMasks masks = PruningMasks.fromArrays(
                    Map.of("01Conv2d_weight", m.create(keep, new Shape(4, 3, 3, 3))));
            MaskedOptimizer masked =
                    MaskedOptimizer.install(config, student, masks);
            try (masked; Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(IN);
                for (int step = 0; step < 3; step++) {
                    for (Batch batch : trainer.iterateDataset(data)) {
                        EasyTrain.trainBatch(trainer, batch);
                        if (step == 0) {
                            for (Pair<String, Parameter> p : teacher.getParameters()) {
                                assertFalse(p.getValue().getArray().hasGradient(), p.getKey() + " has a gradient");
                            }
                            assertTrue(kd.getConnectors().get(0).getParameters().get(0).getValue().getArray().getGradient()
                                    .abs().sum().getFloat() > 0, "connector gets no gradient");
                            assertTrue(student.getParameters().get(0).getValue().getArray().getGradient().abs().sum()
                                    .getFloat() > 0, "student gets no gradient");
                        }
                        trainer.step();
                        batch.close();
                    }
                }
            }
            ParameterSnapshot.assertBitIdentical(teacherBefore, ParameterSnapshot.of(teacher));
            String key = "01Conv2d_weight(4, 3, 3, 3)";
            float[] after = ParameterSnapshot.of(student).get(key);
            for (int i = 1; i < after.length; i += 2) {
                assertEquals(Float.floatToRawIntBits(after[i]), 0, "pruned weight " + i + " moved: " + after[i]);
            }
            assertTrue(studentBefore.containsKey(key), studentBefore.keySet().toString());
            assertFalse(Arrays.equals(ParameterSnapshot.of(student).get(key), studentBefore.get(key)),
                    "the student did not learn");
        }
    }
}
