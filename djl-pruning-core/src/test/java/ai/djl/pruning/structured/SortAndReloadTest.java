package ai.djl.pruning.structured;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pruning.io.CheckpointException;
import ai.djl.pruning.io.ModelFiles;
import ai.djl.pruning.io.ParameterFiles;
import ai.djl.training.ParameterStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.testng.annotations.Test;

public class SortAndReloadTest {

    private static final Shape IN = new Shape(2, 8, 8, 8);

    @Test
    public void sortingIsAnEquivalentTransformWithDescendingFilters() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = ChannelPrunerTest.initialisedBottleneck(manager);
            Block sorted = ChannelSorter.builder().optImportance(Importance.l2()).build().sort(net, IN, manager);
            assertEquals(forward(sorted, manager).toFloatArray(), forward(net, manager).toFloatArray(), 1e-5f);
            // The reduce group's channels (conv1 filters + the coupled depthwise filters, scores summed) now
            // come in descending importance, position by position.
            ChannelGroup reduce = DependencyGraph.of(sorted, IN).groups().get(1);
            assertEquals(reduce.channels().size(), 6);
            double[] scores = Importance.l2().score(reduce);
            for (int i = 1; i < scores.length; i++) {
                assertTrue(scores[i - 1] >= scores[i], Arrays.toString(scores));
            }
        }
    }

    @Test
    public void prunedModelSavesAndReloadsWithItsOwnWidths() throws Exception {
        Path dir = Files.createTempDirectory("pruned");
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = ChannelPrunerTest.initialisedBottleneck(manager);
            ChannelPruner pruner = ChannelPruner.builder().build();
            Block pruned = pruner.apply(net, pruner.plan(net, IN, 0.5), manager);
            ModelFiles.save(pruned, IN, dir);
            Block again = ModelFiles.load(dir, manager);
            assertEquals(forward(again, manager).toFloatArray(), forward(pruned, manager).toFloatArray(), 0f);
            // A reloaded model saves again (as after fine-tuning a loaded pruned model).
            Path dir2 = Files.createTempDirectory("pruned-again");
            ModelFiles.save(again, IN, dir2);
            assertEquals(forward(ModelFiles.load(dir2, manager), manager).toFloatArray(),
                    forward(pruned, manager).toFloatArray(), 0f);
            // Parameters of the unpruned width are refused, not silently loaded.
            ParameterFiles.save(net, dir.resolve(ModelFiles.PARAMETERS));
            CheckpointException e = expectThrows(CheckpointException.class, () -> ModelFiles.load(dir, manager));
            assertTrue(e.getMessage().contains("shape mismatch"), e.getMessage());
        }
    }

    private static NDArray forward(Block block, NDManager manager) {
        manager.getEngine().setRandomSeed(7);
        NDArray x = manager.randomNormal(IN);
        return block.forward(new ParameterStore(manager, false), new NDList(x), false).singletonOrThrow();
    }
}
