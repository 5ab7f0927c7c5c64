package ai.djl.pruning.unstructured;

import ai.djl.pruning.ParameterSnapshot;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.core.Linear;
import ai.djl.pruning.io.CheckpointException;
import ai.djl.pruning.io.ParameterFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.testng.annotations.Test;

public class SparseParameterFileTest {

    @Test
    public void shrinksWithSparsityAndReloadsBitIdentical() throws Exception {
        Path dir = Files.createTempDirectory("sparse");
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = Linear.builder().setUnits(256).build();
            net.initialize(manager, DataType.FLOAT32, new Shape(1, 512));
            ParameterFiles.save(net, dir.resolve("dense.params"));
            MagnitudePruner.builder().build().masks(net, SparsityPlan.of(Map.of("weight", 0.75))).apply(net);
            SparseParameterFile.save(net, dir.resolve("sparse.bin"));
            long dense = Files.size(dir.resolve("dense.params"));
            long sparse = Files.size(dir.resolve("sparse.bin"));
            // 25% of 131,072 weights kept: 16 KiB of bits + 128 KiB of values vs 512 KiB dense.
            assertTrue(sparse < 0.3 * dense, sparse + " vs " + dense);
            Map<String, float[]> saved = ParameterSnapshot.of(net);
            Block copy = Linear.builder().setUnits(256).build();
            copy.initialize(manager, DataType.FLOAT32, new Shape(1, 512));
            SparseParameterFile.load(dir.resolve("sparse.bin"), copy);
            ParameterSnapshot.assertBitIdentical(saved, ParameterSnapshot.of(copy));

            Block other = Linear.builder().setUnits(128).build();
            other.initialize(manager, DataType.FLOAT32, new Shape(1, 512));
            Map<String, float[]> before = ParameterSnapshot.of(other);
            CheckpointException e = expectThrows(CheckpointException.class,
                    () -> SparseParameterFile.load(dir.resolve("sparse.bin"), other));
            assertTrue(e.getMessage().contains("shape mismatch for weight"), e.getMessage());
            ParameterSnapshot.assertBitIdentical(before, ParameterSnapshot.of(other));
        }
    }
}
