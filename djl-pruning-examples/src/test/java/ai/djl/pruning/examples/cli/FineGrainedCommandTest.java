package ai.djl.pruning.examples.cli;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import ai.djl.pruning.examples.SharedData;
import ai.djl.pruning.examples.data.TestData;
import ai.djl.pruning.unstructured.SparsityPlan;
import java.nio.file.Files;
import java.nio.file.Path;
import org.testng.annotations.Test;

/** The whole fine-grained pipeline on a few synthetic images: every step runs and writes its file. */
public class FineGrainedCommandTest {

    @Test
    public void scanAllocatePruneFineTuneReport() throws Exception {
        SharedData.require("models/resnet20-12fca82f.th");
        Path data = TestData.randomCifar(8, 11);
        Path out = Files.createTempDirectory("finegrained");
        int code = Main.run("finegrained", "--model", "resnet20", "--data", data.toString(), "--grid", "0.5,0.9",
                "--scan-images", "8", "--budget", "0.3", "--epochs", "1", "--batch-size", "8", "--output", out.toString());
        assertEquals(code, 0);
        for (String f : new String[] {"scan.json", "scan.csv", "sensitivity.png", "plan.json", "pruned.sparse",
                "report.md", "finetune/epoch-001.params"}) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        }
        SparsityPlan plan = SparsityPlan.fromJson(Files.readString(out.resolve("plan.json")));
        assertEquals(plan.sparsities().size(), 20); // 19 convs + the classifier
        String report = Files.readString(out.resolve("report.md"));
        assertTrue(report.contains("| Nonzero size (MiB, 32-bit) |"), report);
        // Rerun: the scan is reused and training is complete.
        assertEquals(Main.run("finegrained", "--model", "resnet20", "--data", data.toString(), "--grid", "0.5,0.9",
                "--scan-images", "8", "--budget", "0.3", "--epochs", "1", "--batch-size", "8", "--output",
                out.toString()), 0);
    }

    @Test
    public void badSparsityIsOneLineAndExitCode2() {
        assertEquals(Main.run("finegrained", "--sparsity", "1.5"), 2);
    }
}
