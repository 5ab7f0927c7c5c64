package ai.djl.pruning.unstructured;

import ai.djl.pruning.ParameterSnapshot;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pruning.io.CheckpointException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.Map;
import org.testng.annotations.Test;

public class PruningMasksTest {

    @Test
    public void applySaveLoadAndCombine() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = SmallNets.convNet(manager);
            MagnitudePruner pruner = MagnitudePruner.builder().build();
            PruningMasks half = pruner.masks(net, SparsityPlan.uniform(PrunableParameters.of(net).keySet(), 0.5));
            Path file = Files.createTempDirectory("masks").resolve("net.masks");
            half.save(file);
            assertEquals(PruningMasks.load(file), half);
            half.apply(net);
            // A second round on the pruned weights prunes only survivors: combined sparsity 0.8.
            PruningMasks more = pruner.masks(net, SparsityPlan.uniform(PrunableParameters.of(net).keySet(), 0.8));
            PruningMasks both = half.and(more);
            assertEquals(both, more);
            for (PruningMasks.Mask m : both.masks().values()) {
                assertEquals(m.keptCount(), m.shape().size() - Math.round(m.shape().size() * 0.8));
            }
        }
    }

    @Test
    public void wrongShapeOrPathChangesNothing() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = SmallNets.convNet(manager);
            Map<String, float[]> before = ParameterSnapshot.of(net);
            PruningMasks bad = PruningMasks.of(Map.of(
                    "01conv1_weight", new PruningMasks.Mask(new Shape(8, 3, 3, 3), new BitSet()),
                    "04conv2_weight", new PruningMasks.Mask(new Shape(8, 8, 1, 1), new BitSet()),
                    "99nothing_weight", new PruningMasks.Mask(new Shape(1), new BitSet())));
            IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> bad.apply(net));
            assertTrue(e.getMessage().contains("mask of 04conv2_weight has shape (8, 8, 1, 1), the parameter (8, 8, 3, 3)"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("unknown parameter path '99nothing_weight'"), e.getMessage());
            ParameterSnapshot.assertBitIdentical(before, ParameterSnapshot.of(net));
        }
    }

    @Test
    public void garbageMaskFileIsRefused() throws Exception {
        Path file = Files.createTempFile("bad", ".masks");
        Files.writeString(file, "hello");
        expectThrows(CheckpointException.class, () -> PruningMasks.load(file));
    }
}
