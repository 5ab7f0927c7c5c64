package ai.djl.pruning.unstructured;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pruning.ParameterSnapshot;
import ai.djl.pruning.io.ModelFiles;
import ai.djl.pruning.nn.BlockSpec;
import ai.djl.training.ParameterStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.testng.annotations.Test;

/** Fine-grained masks survive saving, loading, copying, and being removed and pruned again. */
public class MasksSurviveTest {

    private static final Shape IN = SmallNets.IN;

    @Test
    public void savedAndLoadedModelKeepsItsZerosAndTrainsWithTheLoadedMasks() throws Exception {
        Path dir = Files.createTempDirectory("masks-survive");
        try (Model model = Model.newInstance("saved")) {
            model.setBlock(SmallNets.convNet(model.getNDManager()));
            PruningMasks masks = prune(model.getBlock(), 0.6);
            SmallNets.train(model, masks, 20);
            ModelFiles.save(model.getBlock(), IN, dir.resolve("model"));
            masks.save(dir.resolve("masks.bin"));
        }
        try (Model model = Model.newInstance("loaded")) {
            model.setBlock(ModelFiles.load(dir.resolve("model"), model.getNDManager()));
            PruningMasks masks = PruningMasks.load(dir.resolve("masks.bin"));
            assertEquals(masks.sparsity(), 0.6, 0.01);
            assertPrunedAreZero(model.getBlock(), masks); // as loaded, before any mask is applied
            SmallNets.train(model, masks, 20);
            assertPrunedAreZero(model.getBlock(), masks);
        }
    }

    @Test
    public void copyOfAMaskedModelIsIndependentAndKeepsTheMasks() {
        try (Model model = Model.newInstance("original"); NDManager other = NDManager.newBaseManager()) {
            model.setBlock(SmallNets.convNet(model.getNDManager()));
            PruningMasks masks = prune(model.getBlock(), 0.5);
            Block copy = BlockSpec.copy(model.getBlock(), IN, other);
            ParameterSnapshot.assertBitIdentical(ParameterSnapshot.of(model.getBlock()), ParameterSnapshot.of(copy));
            masks.validate(copy); // same paths and shapes
            assertPrunedAreZero(copy, masks);
            // Training the copy leaves the original as it was.
            Map<String, float[]> original = ParameterSnapshot.of(model.getBlock());
            try (Model copyModel = Model.newInstance("copy")) {
                copyModel.setBlock(copy);
                SmallNets.train(copyModel, masks, 20);
                assertPrunedAreZero(copy, masks);
            }
            ParameterSnapshot.assertBitIdentical(original, ParameterSnapshot.of(model.getBlock()));
        }
    }

    @Test
    public void removedMasksLetWeightsRegrowAndPruningAgainStartsFromTheZeros() {
        try (Model model = Model.newInstance("reprune")) {
            model.setBlock(SmallNets.convNet(model.getNDManager()));
            Block net = model.getBlock();
            PruningMasks first = prune(net, 0.5);
            SmallNets.train(model, first, 10);
            // Removing the masks (training without them) revives pruned weights: the mask did the holding.
            SmallNets.train(model, PruningMasks.of(Map.of()), 5);
            assertFalse(allPrunedAreZero(net, first), "without masks, pruned weights regrow");
            // Pruning again: the regrown weights are the smallest, so a higher sparsity takes them again.
            PruningMasks second = prune(net, 0.7);
            long overlap = 0;
            long firstPruned = 0;
            for (Map.Entry<String, PruningMasks.Mask> e : first.masks().entrySet()) {
                PruningMasks.Mask m2 = second.get(e.getKey());
                for (int i = 0; i < m2.shape().size(); i++) {
                    if (!e.getValue().kept().get(i)) {
                        firstPruned++;
                        overlap += m2.kept().get(i) ? 0 : 1;
                    }
                }
            }
            assertTrue(overlap > 0.95 * firstPruned, overlap + " of " + firstPruned);
            // And combining keeps every earlier pruned position pruned.
            PruningMasks both = second.and(first);
            SmallNets.train(model, both, 10);
            assertPrunedAreZero(net, both);
            assertPrunedAreZero(net, first);
            assertTrue(both.sparsity() >= second.sparsity(), both + " vs " + second);
        }
    }

    private static PruningMasks prune(Block net, double sparsity) {
        PruningMasks masks = MagnitudePruner.builder().build()
                .masks(net, SparsityPlan.uniform(PrunableParameters.of(net).keySet(), sparsity));
        masks.apply(net);
        return masks;
    }

    private static boolean allPrunedAreZero(Block net, PruningMasks masks) {
        for (Map.Entry<String, PruningMasks.Mask> e : masks.masks().entrySet()) {
            float[] w = PrunableParameters.require(net, e.getKey()).getArray().toFloatArray();
            for (int i = 0; i < w.length; i++) {
                if (!e.getValue().kept().get(i) && Float.floatToRawIntBits(w[i]) != 0) {
                    return false;
                }
            }
        }
        return true;
    }

    private static void assertPrunedAreZero(Block net, PruningMasks masks) {
        assertTrue(allPrunedAreZero(net, masks), "a pruned weight is not +0.0");
        // and the block still runs
        try (NDManager scratch = NDManager.newBaseManager()) {
            NDArray out = net.forward(new ParameterStore(scratch, false), new NDList(scratch.ones(IN)), false)
                    .singletonOrThrow();
            assertEquals(out.getShape(), new Shape(IN.get(0), 4));
        }
    }
}
