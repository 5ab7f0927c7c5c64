package ai.djl.pruning.examples.report;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import ai.djl.Model;
import ai.djl.pruning.examples.zoo.CifarModel;
import ai.djl.pruning.examples.zoo.ZooModels;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.imageio.ImageIO;
import org.testng.annotations.Test;

public class PlotsTest {

    @Test
    public void writesReadablePngs() throws Exception {
        Path dir = Files.createTempDirectory("plots");
        try (Model m = ZooModels.newModel(CifarModel.RESNET20)) {
            // 19 convs + 1 linear are prunable.
            assertEquals(Plots.prunableWeights(m.getBlock()).size(), 20);
            assertTrue(Plots.prunableWeights(m.getBlock()).containsKey("layer2.0.conv1.weight"));
            Plots.weightHistograms(m.getBlock(), true, 30, dir.resolve("h.png"));
            Plots.parameterDistribution(m.getBlock(), dir.resolve("p.png"));
            Plots.lineChart("acc", "sparsity", "accuracy", Map.of("conv1", new double[][] {{0.4, 0.5}, {90, 80}}),
                    dir.resolve("l.png"));
        }
        BufferedImage grid = ImageIO.read(dir.resolve("h.png").toFile());
        assertEquals(grid.getWidth(), 4 * 360); // 4 columns
        assertEquals(grid.getHeight(), 5 * 240); // 20 panels
        assertTrue(ImageIO.read(dir.resolve("p.png").toFile()).getWidth() >= 900);
        assertTrue(Files.size(dir.resolve("l.png")) > 1000);
    }
}
