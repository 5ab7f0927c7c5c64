package ai.djl.pruning.unstructured;

import ai.djl.pruning.ParameterSnapshot;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import java.util.LinkedHashMap;
import java.util.Map;
import org.testng.annotations.Test;

public class SensitivityAndAllocationTest {

    @Test
    public void scanLeavesEveryParameterBitIdentical() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = SmallNets.convNet(manager);
            NDArray x = manager.randomNormal(new Shape(4, 3, 6, 6));
            Map<String, float[]> before = ParameterSnapshot.of(net);
            SensitivityScan.Evaluator score = b -> {
                NDArray y = b.forward(new ParameterStore(manager, false), new NDList(x), false).head();
                return 100 - y.abs().sum().getFloat();
            };
            SensitivityResult r = SensitivityScan.builder().optSparsities(0.5, 0.9).build().run(net, score, "probe");
            assertEquals(r.accuracies().size(), 3); // conv1, conv2, fc
            assertEquals(r.sizes().get("01conv1_weight"), Long.valueOf(8 * 3 * 9));
            ParameterSnapshot.assertBitIdentical(before, ParameterSnapshot.of(net));
            assertTrue(r.toCsv().startsWith("parameter,elements,0.50,0.90\n"), r.toCsv());
            // An evaluator that fails mid-scan still leaves the block as it was.
            int[] calls = {0};
            expectThrows(IllegalStateException.class, () -> SensitivityScan.builder().build().run(net, b -> {
                if (++calls[0] == 3) {
                    throw new IllegalStateException("evaluation failed");
                }
                return 50;
            }, "probe"));
            ParameterSnapshot.assertBitIdentical(before, ParameterSnapshot.of(net));
        }
    }

    @Test
    public void allocatorFindsTheKnownOptimum() {
        // Three layers; grid 0.5 / 0.75 / 0.9. Dense accuracy 90.
        double[] grid = {0.5, 0.75, 0.9};
        Map<String, double[]> acc = new LinkedHashMap<>();
        acc.put("a", new double[] {89.0, 80.0, 60.0}); // sensitive, small
        acc.put("b", new double[] {90.0, 89.5, 88.0}); // robust, large
        acc.put("c", new double[] {89.9, 89.0, 85.0});
        Map<String, Long> sizes = Map.of("a", 1000L, "b", 8000L, "c", 4000L);
        SensitivityResult scan = new SensitivityResult(90.0, grid, acc, sizes, "synthetic");
        long total = 13_000 + 100; // 100 parameters that are not pruned
        SparsityAllocator allocator = SparsityAllocator.builder().optResolution(13_000).build();
        for (double fraction : new double[] {0.25, 0.35, 0.5}) {
            SparsityAllocator.Allocation a = allocator.allocate(scan, total, fraction);
            double[] best = bruteForce(scan, total, fraction);
            assertEquals(a.predictedLoss(), best[0], 1e-9, "fraction " + fraction);
            assertTrue(a.nonzeroParams() <= a.budget(), a.toString());
            assertEquals(a.budget(), (long) Math.floor(total * fraction));
        }
        SparsityAllocator.Allocation quarter = allocator.allocate(scan, total, 0.25);
        // Budget 3275 (3175 for the layers): a dense (1000 kept, loss 0), b at 0.9 (800, loss 2), c at 0.75
        // (1000, loss 1): 2800 kept, loss 3. Pruning the sensitive a instead costs at least 1 + 2 + 1.
        assertEquals(quarter.plan().sparsities(), Map.of("a", 0.0, "b", 0.9, "c", 0.75));
        assertEquals(quarter.predictedAccuracy(), 87.0, 1e-9);
        assertEquals(quarter.nonzeroParams(), 2900L);
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class,
                () -> allocator.allocate(scan, total, 0.05));
        assertTrue(e.getMessage().contains("cannot be met"), e.getMessage());
    }

    /** Least total loss over all 4³ choices within the budget. */
    private static double[] bruteForce(SensitivityResult scan, long total, double fraction) {
        String[] paths = scan.accuracies().keySet().toArray(new String[0]);
        long budget = (long) Math.floor(total * fraction);
        long fixed = total - scan.sizes().values().stream().mapToLong(Long::longValue).sum();
        double best = Double.POSITIVE_INFINITY;
        for (int i = 0; i < 64; i++) {
            int[] o = {i % 4, (i / 4) % 4, i / 16};
            long kept = fixed;
            double loss = 0;
            for (int l = 0; l < 3; l++) {
                long n = scan.sizes().get(paths[l]);
                double s = o[l] == 0 ? 0 : scan.sparsities().get(o[l] - 1);
                kept += n - Math.round(n * s);
                loss += o[l] == 0 ? 0 : Math.max(0, scan.denseAccuracy() - scan.accuracies().get(paths[l]).get(o[l] - 1));
            }
            if (kept <= budget) {
                best = Math.min(best, loss);
            }
        }
        return new double[] {best};
    }
}
