package ai.djl.pruning.examples.train;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pruning.unstructured.PrunableParameters;
import ai.djl.pruning.unstructured.PruningMasks;
import ai.djl.pruning.unstructured.PruningSchedule;
import ai.djl.pruning.unstructured.SparsityPlan;
import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.listener.TrainingListener.BatchData;
import ai.djl.training.listener.TrainingListenerAdapter;
import ai.djl.util.Pair;
import ai.djl.pruning.examples.data.Cifar10;
import ai.djl.pruning.examples.zoo.CifarModel;
import ai.djl.pruning.examples.zoo.ZooModels;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.testng.annotations.Test;

public class TrainingRunTest {

    @Test
    public void killedRunResumesFromItsNewestCheckpoint() throws Exception {
        Path data = ai.djl.pruning.examples.data.TestData.randomCifar(64, 3);
        Path out = Files.createTempDirectory("run");
        List<EpochRecord> full = train(data, out, 2, new ByteArrayOutputStream());
        assertEquals(full.size(), 2);
        assertTrue(Files.isRegularFile(out.resolve("epoch-002.params")));
        // Simulate a kill during epoch 2: its checkpoint never completed.
        Files.delete(out.resolve("epoch-002.json"));
        Files.delete(out.resolve("epoch-002.params"));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        List<EpochRecord> resumed = train(data, out, 2, log);
        assertTrue(log.toString().contains("resuming from"), log.toString());
        assertTrue(log.toString().contains("(epoch 1 of 2)"), log.toString());
        assertEquals(resumed.size(), 2);
        assertEquals(resumed.get(0), full.get(0)); // epoch 1 comes from the checkpoint, not retrained
        assertEquals(resumed.get(1).epoch(), 2);
        // Started again once complete, it does nothing.
        assertEquals(train(data, out, 2, new ByteArrayOutputStream()), resumed);
    }

    @Test
    public void runKilledInsideAnEpochResumesThereWithItsMasks() throws Exception {
        Path data = ai.djl.pruning.examples.data.TestData.randomCifar(16, 5);
        Path whole = Files.createTempDirectory("run-whole");
        Path killed = Files.createTempDirectory("run-killed");
        Map<String, float[]> uninterrupted = maskedRun(data, whole, null, new ByteArrayOutputStream());
        // 80 training images (5 files of 16) in batches of 10: 8 steps an epoch, a checkpoint every 3. Killed at epoch 2's fifth
        // step, the run has a checkpoint after epoch 2's third.
        RuntimeException kill = expectThrows(RuntimeException.class,
                () -> maskedRun(data, killed, new KillAt(13), new ByteArrayOutputStream()));
        assertEquals(kill.getMessage(), "killed at step 13");
        assertTrue(Files.isRegularFile(killed.resolve("step.masks")));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Map<String, float[]> resumed = maskedRun(data, killed, null, log);
        assertTrue(log.toString().contains("resuming inside epoch 2 of 2 after step 3"), log.toString());
        assertTrue(Files.notExists(killed.resolve("step.json")), "the step checkpoint goes once its epoch is complete");
        // Same data order, schedule and masks (momentum 0: nothing is lost on resume), so the same weights.
        assertEquals(resumed.keySet(), uninterrupted.keySet());
        PruningMasks masks = PruningMasks.load(killed.resolve("epoch-002.masks"));
        assertEquals(masks, PruningMasks.load(whole.resolve("epoch-002.masks")));
        assertEquals(masks.sparsity(), 0.5, 0.01);
        resumed.forEach((name, values) -> {
            float[] reference = uninterrupted.get(name);
            for (int i = 0; i < values.length; i++) {
                assertEquals(values[i], reference[i], 1e-5f, name + "[" + i + "]");
            }
            PruningMasks.Mask m = masks.masks().get(name);
            if (m != null) {
                for (int i = 0; i < values.length; i++) {
                    if (!m.kept().get(i)) {
                        assertEquals(Float.floatToRawIntBits(values[i]), 0, name + "[" + i + "] must be +0.0");
                    }
                }
            }
        });
    }

    /** Throws at the n-th training batch, as a kill would stop the run there. */
    private static final class KillAt extends TrainingListenerAdapter {
        private final int step;
        private int seen;

        KillAt(int step) {
            this.step = step;
        }

        @Override
        public void onTrainingBatch(Trainer trainer, BatchData batchData) {
            if (++seen == step) {
                throw new IllegalStateException("killed at step " + step);
            }
        }
    }

    /** Two epochs of ResNet-20 with half of every conv weight pruned at once; returns the final weights. */
    private static Map<String, float[]> maskedRun(Path data, Path out, TrainingListener extra,
            ByteArrayOutputStream log) throws Exception {
        Cifar10 train = Cifar10.builder().optDirectory(data).optAugment(false).setShuffledSampling(10, 1).build();
        Cifar10 test = Cifar10.builder().optUsage(Cifar10.Usage.TEST).optDirectory(data).setSampling(16, false).build();
        Engine.getInstance().setRandomSeed(3); // the same initial weights in every run
        try (Model model = ZooModels.newModel(CifarModel.RESNET20)) {
            Block block = model.getBlock();
            SparsityPlan plan = SparsityPlan.uniform(PrunableParameters.select(block, "conv").keySet(), 0.5);
            TrainingRun.Builder run = TrainingRun.builder().setEpochs(2).optLearningRate(0.05f).optMomentum(0)
                    .optCheckpointSteps(3).optPruning(plan, PruningSchedule.oneShot()).setOutput(out)
                    .optLog(new PrintStream(log, true));
            if (extra != null) {
                run.addTrainingListeners(extra);
            }
            run.build().fit(model, train, test);
            Map<String, float[]> weights = new LinkedHashMap<>();
            for (Pair<String, Parameter> p : block.getParameters()) {
                weights.put(p.getKey(), p.getValue().getArray().toFloatArray());
            }
            return weights;
        }
    }

    @Test
    public void batchLargerThanTheTrainingSetIsRefusedBeforeAnythingIsWritten() throws Exception {
        Path data = ai.djl.pruning.examples.data.TestData.randomCifar(16, 6);
        Path out = Files.createTempDirectory("run").resolve("never");
        Cifar10 train = Cifar10.builder().optDirectory(data).setShuffledSampling(128, 1).build();
        try (Model model = ZooModels.newModel(CifarModel.RESNET20)) {
            IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> TrainingRun.builder()
                    .setOutput(out).build().fit(model, train, train));
            assertEquals(e.getMessage(), "batch size 128 is larger than the training set (80 images)");
        }
        assertTrue(Files.notExists(out));
    }

    @Test
    public void folderOfAnotherRunIsRefused() throws Exception {
        Path data = ai.djl.pruning.examples.data.TestData.randomCifar(32, 4);
        Path out = Files.createTempDirectory("run");
        train(data, out, 1, new ByteArrayOutputStream());
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class,
                () -> train(data, out, 3, new ByteArrayOutputStream()));
        assertTrue(e.getMessage().contains("holds a different run"), e.getMessage());
    }

    @Test
    public void scheduleContinuesAcrossResume() {
        LearningRateSchedule whole = new LearningRateSchedule(LearningRateSchedule.Kind.COSINE, 0.1f, 100, 0);
        LearningRateSchedule resumed = new LearningRateSchedule(LearningRateSchedule.Kind.COSINE, 0.1f, 100, 40);
        assertEquals(resumed.getNewValue(1), whole.getNewValue(41));
        assertEquals(whole.at(0), 0.1f, 1e-7f);
        assertEquals(whole.at(50), 0.05f, 1e-7f);
        LearningRateSchedule step = new LearningRateSchedule(LearningRateSchedule.Kind.STEP, 0.1f, 100, 0);
        assertEquals(step.at(49), 0.1f, 1e-7f);
        assertEquals(step.at(50), 0.01f, 1e-7f);
        assertEquals(step.at(75), 0.001f, 1e-7f);
    }

    private static List<EpochRecord> train(Path data, Path out, int epochs, ByteArrayOutputStream log) throws Exception {
        Cifar10 train = Cifar10.builder().optDirectory(data).setShuffledSampling(32, 1).build();
        Cifar10 test = Cifar10.builder().optUsage(Cifar10.Usage.TEST).optDirectory(data).setSampling(64, false).build();
        TrainingRun run = TrainingRun.builder().setEpochs(epochs).optLearningRate(0.01f).setOutput(out)
                .optLog(new PrintStream(log, true)).build();
        try (Model model = ZooModels.newModel(CifarModel.RESNET20)) {
            return run.fit(model, train, test);
        }
    }
}
