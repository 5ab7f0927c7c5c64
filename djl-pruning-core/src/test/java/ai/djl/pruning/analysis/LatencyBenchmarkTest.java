package ai.djl.pruning.analysis;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import java.util.List;
import org.testng.annotations.Test;

public class LatencyBenchmarkTest {

    @Test
    public void measuresEveryBatchSizeWithOrderedStatistics() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block conv = ModelProfileTest.conv(8, 3, 1, true);
            conv.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 16, 16));
            List<LatencyResult> results = LatencyBenchmark.builder().optWarmup(2).optRepetitions(7)
                    .optBatchSizes(1, 4).build().run(conv, new Shape(3, 16, 16));
            assertEquals(results.size(), 2);
            assertEquals(results.get(1).batchSize(), 4);
            for (LatencyResult r : results) {
                assertEquals(r.repetitions(), 7);
                assertTrue(r.minMs() > 0 && r.minMs() <= r.medianMs() && r.medianMs() <= r.p90Ms(), r.toString());
                assertTrue(r.threads() > 0, r.toString());
            }
        }
    }

    @Test
    public void badOptionsAreRefused() {
        expectThrows(IllegalArgumentException.class, () -> LatencyBenchmark.builder().optBatchSizes(0));
        expectThrows(IllegalArgumentException.class, () -> LatencyBenchmark.builder().optRepetitions(0));
    }
}
