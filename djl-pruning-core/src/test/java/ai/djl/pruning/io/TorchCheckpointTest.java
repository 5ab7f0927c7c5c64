package ai.djl.pruning.io;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.Gson;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

public class TorchCheckpointTest {

    private static final Gson GSON = new Gson();

    private static final List<String> TINY_NAMES = List.of(
            "module.conv.weight", "module.bn.weight", "module.bn.bias", "module.bn.running_mean",
            "module.bn.running_var", "module.bn.num_batches_tracked", "module.fc.weight", "module.fc.bias");

    @DataProvider
    public Object[][] formats() {
        return new Object[][] {{"zip"}, {"legacy"}};
    }

    @Test(dataProvider = "formats")
    public void readsNestedStateDictInFileOrder(String format) throws Exception {
        StateDict sd = TorchCheckpoint.readStateDict(Fixtures.resource("checkpoints/tiny_" + format + ".pt"));
        assertEquals(List.copyOf(sd.names()), TINY_NAMES);
        assertEquals(sd.get("module.conv.weight").getShape(), new Shape(4, 3, 3, 3));
        assertEquals(sd.get("module.conv.weight").getDataType(), DataType.FLOAT32);
        assertEquals(sd.get("module.bn.num_batches_tracked").getDataType(), DataType.INT64);
        assertEquals(sd.get("module.fc.bias").getShape(), new Shape(2));
    }

    @Test
    public void bothFormatsHoldIdenticalTensors() throws Exception {
        StateDict zip = TorchCheckpoint.readStateDict(Fixtures.resource("checkpoints/tiny_zip.pt"));
        StateDict legacy = TorchCheckpoint.readStateDict(Fixtures.resource("checkpoints/tiny_legacy.pt"));
        try (NDManager manager = NDManager.newBaseManager()) {
            for (String name : TINY_NAMES) {
                NDArray a = zip.get(name).toNDArray(manager);
                NDArray b = legacy.get(name).toNDArray(manager);
                assertEquals(a.getShape(), b.getShape(), name);
                assertTrue(a.contentEquals(b), name);
            }
        }
    }

    @Test(dataProvider = "formats")
    public void stridedOffsetAndTypedTensorsMatchPyTorch(String format) throws Exception {
        Object root = TorchCheckpoint.read(Fixtures.resource("checkpoints/tensors_" + format + ".pt"));
        Map<?, ?> tensors = (Map<?, ?>) root;
        JsonObject expected = Fixtures.reference().getAsJsonObject("tensors");
        try (NDManager manager = NDManager.newBaseManager()) {
            for (String name : expected.keySet()) {
                TensorData t = (TensorData) tensors.get(name);
                JsonObject e = expected.getAsJsonObject(name);
                long[] shape = GSON.fromJson(e.get("shape"), long[].class);
                assertEquals(t.getShape(), new Shape(shape), name);
                double[] values = GSON.fromJson(e.get("values"), double[].class);
                NDArray array = t.toNDArray(manager).toType(DataType.FLOAT64, false);
                assertEquals(array.toDoubleArray(), values, 0.0, name);
            }
            assertEquals(((TensorData) tensors.get("doubles")).getDataType(), DataType.FLOAT64);
            assertEquals(((TensorData) tensors.get("longs")).getDataType(), DataType.INT64);
        }
    }

    @Test
    public void textFileIsNotACheckpoint() throws Exception {
        Path text = Files.createTempFile("not-a-checkpoint", ".th");
        Files.writeString(text, "this is a README, not weights\n");
        CheckpointException e = expectThrows(CheckpointException.class, () -> TorchCheckpoint.readStateDict(text));
        assertTrue(e.getMessage().contains("not a PyTorch checkpoint"), e.getMessage());
    }

    @Test
    public void emptyAndMissingFilesAreRefused() throws Exception {
        Path empty = Files.createTempFile("empty", ".th");
        assertTrue(expectThrows(CheckpointException.class, () -> TorchCheckpoint.read(empty))
                .getMessage().contains("empty"));
        Path missing = empty.resolveSibling("does-not-exist.th");
        assertTrue(expectThrows(CheckpointException.class, () -> TorchCheckpoint.read(missing))
                .getMessage().contains("not found"));
    }

    @Test(dataProvider = "formats")
    public void truncatedFilesAreRefused(String format) throws Exception {
        byte[] whole = Files.readAllBytes(Fixtures.resource("checkpoints/tiny_" + format + ".pt"));
        for (int length : new int[] {whole.length - 1, whole.length - 40, whole.length / 2, 40}) {
            Path cut = Files.createTempFile("truncated-" + format, ".pt");
            Files.write(cut, Arrays.copyOf(whole, length));
            CheckpointException e = expectThrows(CheckpointException.class, () -> TorchCheckpoint.readStateDict(cut));
            assertTrue(e.getMessage().contains("truncated") || e.getMessage().contains("not a PyTorch checkpoint")
                    || e.getMessage().contains("damaged"), length + ": " + e.getMessage());
        }
    }

    @Test
    public void aDictWithoutTensorsHasNoStateDict() throws IOException {
        Path file = Fixtures.resource("checkpoints/tensors_zip.pt");
        // tensors_zip.pt is a plain name → tensor map, so it is itself a state dict.
        try {
            assertEquals(TorchCheckpoint.readStateDict(file).size(), 5);
        } catch (CheckpointException e) {
            throw new AssertionError(e);
        }
    }
}
