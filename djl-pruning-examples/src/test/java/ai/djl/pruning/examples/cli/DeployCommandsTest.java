package ai.djl.pruning.examples.cli;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.pruning.deploy.BatchNormFolding;
import ai.djl.pruning.examples.zoo.CifarModel;
import ai.djl.pruning.examples.zoo.ZooModels;
import ai.djl.pruning.structured.ChannelPrunerTest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.testng.annotations.Test;

/** BatchNorm folding on the zoo, and the deploy and latency-table commands end to end on tiny settings. */
public class DeployCommandsTest {

    @Test
    public void foldingResNet20AndTheVggIsExact() {
        for (CifarModel m : new CifarModel[] {CifarModel.RESNET20, CifarModel.VGG}) {
            try (Model net = ZooModels.newModel(m); NDManager manager = NDManager.newBaseManager()) {
                ChannelPrunerTest.randomiseBatchNorm(net.getBlock(), manager);
                // fold() verifies on a probe that the folded block computes the original's outputs within 1e-5.
                BatchNormFolding.Folded f = BatchNormFolding.fold(net.getBlock(), ZooModels.INPUT_SHAPE, manager);
                assertEquals(f.folded().size(), m == CifarModel.VGG ? 8 : 19, m + ": " + f.folded());
                assertTrue(f.error() < 1e-5, m + ": " + f.error());
            }
        }
    }

    @Test
    public void deployWritesTheModelAndTimesBothRuntimes() throws Exception {
        Path out = Files.createTempDirectory("deploy");
        String[] r = CliRun.run("deploy", "-m", "resnet20", "--original", "resnet20", "-o", out.toString(), "--rounds", "1",
                "--reps", "2", "--warmup", "1", "--batch-sizes", "2", "--breakdown");
        assertEquals(r[0], "0", r[2]);
        String report = Files.readString(out.resolve("latency.md"));
        assertTrue(report.contains("| PyTorch | 2 |") && report.contains("| ONNX Runtime | 2 |"), report);
        assertTrue(report.contains("BatchNorm folded: 19 layers in the original"), report);
        assertTrue(Files.isRegularFile(out.resolve("onnx/model.onnx")) && Files.isDirectory(out.resolve("model")));
        // The same model on both sides: every part has the same kernels and MACs (reduction 1.00×).
        String breakdown = Files.readString(out.resolve("breakdown.md"));
        for (String part : new String[] {"layer1", "layer2", "layer3"}) {
            assertTrue(java.util.regex.Pattern.compile("\\| " + part + " \\| (\\d+) → \\1 \\| .* \\| 1\\.00× \\|")
                    .matcher(breakdown).find(), breakdown);
        }
        assertTrue(breakdown.contains("| whole run |"), breakdown);
        assertTrue(Files.size(out.resolve("breakdown-b2.png")) > 1000);
    }

    @Test
    public void latencyTablePredictsAndMeasuresItsVariants() {
        String[] r = CliRun.run("latency-table", "-m", "resnet20", "--multiple", "16", "--targets", "0.8", "--rounds", "1");
        assertEquals(r[0], "0", r[2]);
        assertTrue(r[1].contains("convolution shapes measured") && r[1].contains("| latency 0.8 |"), r[1]);
        r = CliRun.run("latency-table", "--runtime", "tvm");
        assertEquals(r[0], "2", r[2]);
        assertTrue(r[2].startsWith("error: unknown runtime 'tvm': onnxruntime or pytorch"), r[2]);
    }
}
