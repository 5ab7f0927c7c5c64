package ai.djl.pruning.unstructured;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.core.Linear;
import ai.djl.pruning.nn.NamedSequentialBlock;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import org.testng.annotations.Test;

public class MagnitudePrunerTest {

    /** The 5×5 tensor of MIT Lab 1's fine-grained pruning test. */
    private static final float[] LAB = {
        -0.46f, -0.40f, 0.39f, 0.19f, 0.37f,
        0.00f, 0.40f, 0.02f, 0.08f, 0.12f,
        -0.16f, 0.36f, 0.07f, -0.02f, 0.44f,
        0.18f, 0.04f, 0.46f, 0.12f, -0.34f,
        -0.28f, 0.21f, -0.05f, 0.07f, 0.09f};

    @Test
    public void labTensorAtSparsity075() {
        // k = round(25·0.75) = 19; the 19th smallest |w| is 0.37; 6 values lie above it.
        BitSet kept = MagnitudePruner.keepAbove(LAB, 0.75);
        assertEquals(kept.cardinality(), 6);
        int[] expected = {0, 1, 2, 6, 14, 17}; // -0.46, -0.40, 0.39, 0.40, 0.44, 0.46
        assertEquals(kept.stream().toArray(), expected);
        assertEquals(1 - kept.cardinality() / 25.0, 0.76, 1e-12); // achieved ≥ target
    }

    @Test
    public void labTensorLeavingExactlyTenNonzeros() {
        assertEquals(MagnitudePruner.keepAbove(LAB, 0.6).cardinality(), 10);
    }

    @Test
    public void tiesAtTheThresholdArePruned() {
        float[] w = {0.1f, 0.2f, 0.2f, 0.3f};
        // k = round(4·0.25) = 1 → threshold 0.1; k = 2 → threshold 0.2 prunes both 0.2s.
        assertEquals(MagnitudePruner.keepAbove(w, 0.25).cardinality(), 3);
        assertEquals(MagnitudePruner.keepAbove(w, 0.5).cardinality(), 1);
        assertEquals(MagnitudePruner.keepAbove(w, 0).cardinality(), 4);
        assertEquals(MagnitudePruner.keepAbove(w, 1).cardinality(), 0);
    }

    @Test
    public void globalThresholdDiffersFromLayerWise() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = twoLinears(manager);
            SmallNets.setWeight(net, "01a_weight", new float[] {0.01f, 0.02f, 0.03f, 0.04f});
            SmallNets.setWeight(net, "02b_weight", new float[] {1f, 2f, 3f, 4f});
            MagnitudePruner pruner = MagnitudePruner.builder().build();
            PruningMasks layerWise = pruner.masks(net, SparsityPlan.uniform(List.of("01a_weight", "02b_weight"), 0.5));
            assertEquals(layerWise.get("01a_weight").keptCount(), 2);
            assertEquals(layerWise.get("02b_weight").keptCount(), 2);
            PruningMasks global = pruner.globalMasks(net, List.of("01a_weight", "02b_weight"), 0.5);
            assertEquals(global.get("01a_weight").keptCount(), 0); // the small layer goes entirely
            assertEquals(global.get("02b_weight").keptCount(), 4);
            assertEquals(global.sparsity(), 0.5, 1e-12);
        }
    }

    @Test
    public void twoOfFourAlongTheInputDimension() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = SmallNets.convNet(manager); // conv2 weight (8, 8, 3, 3)
            PruningMasks masks = MagnitudePruner.builder().optNofM(2, 4).build()
                    .masks(net, SparsityPlan.of(Map.of("04conv2_weight", 0.5)));
            PruningMasks.Mask m = masks.get("04conv2_weight");
            assertEquals(m.sparsity(), 0.5, 1e-12);
            float[] w = PrunableParameters.require(net, "04conv2_weight").getArray().toFloatArray();
            for (int o = 0; o < 8; o++) {
                for (int g = 0; g < 2; g++) {
                    for (int pos = 0; pos < 9; pos++) {
                        int keptInGroup = 0;
                        float minKept = Float.MAX_VALUE;
                        float maxPruned = 0;
                        for (int j = 0; j < 4; j++) {
                            int idx = ((o * 8) + g * 4 + j) * 9 + pos;
                            if (m.kept().get(idx)) {
                                keptInGroup++;
                                minKept = Math.min(minKept, Math.abs(w[idx]));
                            } else {
                                maxPruned = Math.max(maxPruned, Math.abs(w[idx]));
                            }
                        }
                        assertEquals(keptInGroup, 2);
                        assertTrue(minKept >= maxPruned);
                    }
                }
            }
            // conv1's input dimension (3) is not a multiple of 4.
            IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> MagnitudePruner.builder()
                    .optNofM(2, 4).build().masks(net, SparsityPlan.of(Map.of("01conv1_weight", 0.5))));
            assertTrue(e.getMessage().contains("not a multiple of M = 4"), e.getMessage());
        }
    }

    @Test
    public void badInputIsRefusedWithItsName() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = twoLinears(manager);
            MagnitudePruner pruner = MagnitudePruner.builder().build();
            assertTrue(expectThrows(IllegalArgumentException.class, () -> SparsityPlan.of(Map.of("01a_weight", 1.5)))
                    .getMessage().contains("must be in [0, 1], got 1.5"));
            assertTrue(expectThrows(IllegalArgumentException.class, () -> SparsityPlan.of(Map.of("01a_weight", Double.NaN)))
                    .getMessage().contains("must be in [0, 1]"));
            assertTrue(expectThrows(IllegalArgumentException.class,
                    () -> pruner.masks(net, SparsityPlan.of(Map.of("nope_weight", 0.5))))
                    .getMessage().contains("unknown parameter path 'nope_weight'"));
            assertTrue(expectThrows(IllegalArgumentException.class, () -> PrunableParameters.select(net, "conv"))
                    .getMessage().contains("selects no prunable weight"));
            SmallNets.setWeight(net, "01a_weight", new float[] {1f, Float.NaN, 3f, 4f});
            assertTrue(expectThrows(IllegalArgumentException.class,
                    () -> pruner.masks(net, SparsityPlan.of(Map.of("01a_weight", 0.5))))
                    .getMessage().contains("01a_weight holds NaN or infinite values"));
        }
    }

    private static Block twoLinears(NDManager manager) {
        Block net = new NamedSequentialBlock()
                .add("a", Linear.builder().setUnits(2).build())
                .add("b", Linear.builder().setUnits(2).build());
        net.initialize(manager, DataType.FLOAT32, new Shape(1, 2));
        return net;
    }
}
