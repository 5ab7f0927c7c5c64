package ai.djl.pruning.examples.train;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.pruning.analysis.MacConvention;
import ai.djl.pruning.analysis.ModelProfile;
import ai.djl.pruning.examples.data.Cifar10;
import ai.djl.pruning.examples.data.TestData;
import ai.djl.pruning.examples.zoo.CifarModel;
import ai.djl.pruning.examples.zoo.ZooModels;
import ai.djl.pruning.io.ModelFiles;
import ai.djl.pruning.structured.ChannelPruner;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.testng.annotations.Test;

public class IterativeCompressionTest {

    @Test
    public void aKilledRunContinuesWithoutPruningAgain() throws Exception {
        Path data = TestData.randomCifar(16, 5);
        Path out = Files.createTempDirectory("compress");
        // Killed right after step 2's pruned model was saved, before its recovery trained.
        ByteArrayOutputStream first = new ByteArrayOutputStream();
        RuntimeException kill = expectThrows(RuntimeException.class,
                () -> run(data, out, new PrintStream(new KillOn("step2-0.60:", first), true, StandardCharsets.UTF_8)));
        assertEquals(kill.getMessage(), "killed");
        assertTrue(first.toString(StandardCharsets.UTF_8).contains("step1-0.80: "));
        Path step2 = out.resolve("step2-0.60").resolve("pruned").resolve(ModelFiles.PARAMETERS);
        FileTime pruned = Files.getLastModifiedTime(step2);
        assertFalse(Files.exists(out.resolve("step2-0.60").resolve("model")));

        ByteArrayOutputStream second = new ByteArrayOutputStream();
        Block student = run(data, out, new PrintStream(second, true, StandardCharsets.UTF_8));
        String log = second.toString(StandardCharsets.UTF_8);
        assertTrue(log.contains("step1-0.80: done"), log);
        assertFalse(log.contains("step2-0.60: "), "step 2 was pruned again:\n" + log);
        assertEquals(Files.getLastModifiedTime(step2), pruned);
        long macs = ModelProfile.of(student, ZooModels.INPUT_SHAPE, MacConvention.CONV_LINEAR).macs();
        long original = ModelProfile.of(ZooModels.newModel(CifarModel.of("resnet20")).getBlock(),
                ZooModels.INPUT_SHAPE, MacConvention.CONV_LINEAR).macs();
        assertTrue(macs <= 0.6 * original, macs + " of " + original);

        String status = IterativeCompression.status(out);
        assertEquals(status.lines().filter(l -> l.endsWith("| done |")).count(), 3, status);
        assertTrue(status.contains(String.format("| final | %.2f M | %.2f× |", macs / 1e6, (double) original / macs)),
                status);

        // Started again once complete, it only loads the final model.
        ByteArrayOutputStream third = new ByteArrayOutputStream();
        run(data, out, new PrintStream(third, true, StandardCharsets.UTF_8));
        assertEquals(third.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains(": done, loading")).count(),
                3);
    }

    @Test
    public void targetsMustDecrease() {
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class,
                () -> IterativeCompression.builder().setSteps(List.of(0.5, 0.7)));
        assertTrue(e.getMessage().contains("must decrease"), e.getMessage());
        expectThrows(IllegalArgumentException.class, () -> IterativeCompression.builder().setSteps(List.of(1.2)));
    }

    private static Block run(Path data, Path out, PrintStream log) throws Exception {
        Cifar10 train = Cifar10.builder().optDirectory(data).setShuffledSampling(16, 42).optLimit(32).build();
        Cifar10 test = Cifar10.builder().optUsage(Cifar10.Usage.TEST).optDirectory(data).setSampling(16, false).build();
        test.prepare(null);
        try (Model teacher = ZooModels.newModel(CifarModel.of("resnet20"))) {
            // An untrained teacher: the run's bookkeeping is under test, not its accuracy.
            NDManager manager = NDManager.newBaseManager();
            return IterativeCompression.builder().setSteps(List.of(0.8, 0.6)).setEpochs(1).setOutput(out)
                    .setPruner(step -> ChannelPruner.builder().build()).optCheckpointSteps(0).optLog(log).build()
                    .run(teacher.getBlock(), train, test, manager);
        }
    }

    /** Copies what is written and fails once a marker appears, as a kill would stop the run there. */
    private static final class KillOn extends OutputStream {
        private final String marker;
        private final ByteArrayOutputStream copy;

        KillOn(String marker, ByteArrayOutputStream copy) {
            this.marker = marker;
            this.copy = copy;
        }

        @Override
        public void write(int b) {
            copy.write(b);
            if (copy.toString(StandardCharsets.UTF_8).contains(marker)) {
                throw new RuntimeException("killed");
            }
        }
    }
}
