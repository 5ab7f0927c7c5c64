package ai.djl.pruning.examples.train;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.Model;
import ai.djl.pruning.examples.data.Cifar10;
import ai.djl.pruning.examples.zoo.CifarModel;
import ai.djl.pruning.examples.zoo.ZooModels;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
