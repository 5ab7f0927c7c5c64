package ai.djl.pruning.examples.cli;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import ai.djl.pruning.examples.data.TestData;
import ai.djl.pruning.unstructured.PruningMasks;
import java.nio.file.Files;
import java.nio.file.Path;
import org.testng.annotations.Test;

/** The lottery and slimming commands end to end on a few synthetic images, then rerun (resume). */
public class TrainingPruningCommandsTest {

    @Test
    public void lotteryRoundWritesMasksReportAndResumes() throws Exception {
        Path data = TestData.randomCifar(8, 21);
        Path out = Files.createTempDirectory("lottery");
        String[] args = {"lottery", "--data", data.toString(), "--rounds", "2", "--rate", "0.5", "--epochs", "1",
            "--batch-size", "8", "--rewind-step", "2", "--controls", "rewind,sign,supermask", "-o", out.toString()};
        assertEquals(Main.run(args), 0);
        for (String f : new String[] {"theta-0.snap", "theta-2.snap", "fresh-init.snap", "report.md",
            "dense/epoch-001.params", "round-1/masks", "round-2/rewind/epoch-001.params", "round-2/sign/epoch-001.masks"}) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        }
        assertEquals(PruningMasks.load(out.resolve("round-1/masks")).sparsity(), 0.5, 1e-3);
        assertEquals(PruningMasks.load(out.resolve("round-2/masks")).sparsity(), 0.75, 1e-3);
        String report = Files.readString(out.resolve("report.md"));
        assertTrue(report.contains("| 2 | 75.0% |"), report);
        // Everything is done: the rerun only reads checkpoints and writes the same report.
        assertEquals(Main.run(args), 0);
        assertEquals(Files.readString(out.resolve("report.md")), report);
    }

    @Test
    public void slimmingComparesAtEqualMacsAndResumes() throws Exception {
        Path data = TestData.randomCifar(8, 22);
        Path out = Files.createTempDirectory("slimming");
        String[] args = {"slimming", "--data", data.toString(), "--lambda", "1e-2", "--macs", "0.5", "--epochs", "1",
            "--finetune-epochs", "1", "--batch-size", "8", "-o", out.toString()};
        assertEquals(Main.run(args), 0);
        String report = Files.readString(out.resolve("report.md"));
        for (String row : new String[] {"| (dense) |", "| L1 filter norm (uniform) |", "| BN-γ threshold", "| slimming, γ",
            "| slimmed architecture from scratch |"}) {
            assertTrue(report.contains(row), row + " in " + report);
        }
        assertTrue(Files.readString(out.resolve("slim/plan.txt")).contains("|γ| threshold"));
        assertEquals(Main.run(args), 0);
        assertEquals(Files.readString(out.resolve("report.md")), report);
    }

    @Test
    public void badOptionsAreUsageErrors() {
        assertEquals(Main.run("lottery", "--rate", "1.5"), 2);
        assertEquals(Main.run("lottery", "--controls", "reinit,sign"), 2); // rewind carries the chain
        assertEquals(Main.run("lottery", "--controls", "rewind,lucky"), 2);
        assertEquals(Main.run("slimming", "--lambda", "-1"), 2);
        assertEquals(Main.run("slimming", "--macs", "0"), 2);
    }
}
