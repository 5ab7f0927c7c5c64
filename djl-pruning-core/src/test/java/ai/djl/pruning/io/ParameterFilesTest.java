package ai.djl.pruning.io;

import ai.djl.pruning.ParameterSnapshot;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.testng.annotations.Test;

public class ParameterFilesTest {

    @Test
    public void saveThenLoadRestoresEveryValue() throws Exception {
        Path file = Files.createTempDirectory("params").resolve("tiny.params");
        try (NDManager manager = NDManager.newBaseManager()) {
            Block source = Fixtures.initialisedTinyNet(manager, 4);
            StateDictLoader.builder().build().load(Fixtures.resource("checkpoints/tiny_zip.pt"), source);
            ParameterFiles.save(source, file);
            Block target = Fixtures.initialisedTinyNet(manager, 4);
            ParameterFiles.load(file, target);
            ParameterSnapshot.assertBitIdentical(ParameterSnapshot.of(source), ParameterSnapshot.of(target));
        }
    }

    @Test
    public void wrongWidthFileIsRefusedAndParametersRestored() throws Exception {
        Path file = Files.createTempDirectory("params").resolve("wide.params");
        try (NDManager manager = NDManager.newBaseManager()) {
            ParameterFiles.save(Fixtures.initialisedTinyNet(manager, 5), file);
            Block narrow = Fixtures.initialisedTinyNet(manager, 4);
            Map<String, float[]> before = ParameterSnapshot.of(narrow);
            CheckpointException e = expectThrows(CheckpointException.class, () -> ParameterFiles.load(file, narrow));
            assertTrue(e.getMessage().contains("shape mismatch for 01conv_weight: file has (5, 3, 3, 3), block expects (4, 3, 3, 3)"),
                    e.getMessage());
            ParameterSnapshot.assertBitIdentical(before, ParameterSnapshot.of(narrow));
        }
    }

    @Test
    public void garbageFileIsRefusedAndParametersRestored() throws Exception {
        Path file = Files.createTempFile("garbage", ".params");
        Files.writeString(file, "not parameters");
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = Fixtures.initialisedTinyNet(manager, 4);
            Map<String, float[]> before = ParameterSnapshot.of(net);
            expectThrows(CheckpointException.class, () -> ParameterFiles.load(file, net));
            ParameterSnapshot.assertBitIdentical(before, ParameterSnapshot.of(net));
        }
    }
}
