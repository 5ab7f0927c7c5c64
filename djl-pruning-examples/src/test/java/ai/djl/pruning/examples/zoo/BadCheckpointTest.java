package ai.djl.pruning.examples.zoo;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pruning.examples.SharedData;
import ai.djl.pruning.io.CheckpointException;
import ai.djl.pruning.io.StateDict;
import ai.djl.pruning.io.StateDictLoader;
import ai.djl.pruning.io.TensorData;
import ai.djl.pruning.io.TorchCheckpoint;
import ai.djl.util.Pair;
import com.google.common.collect.ImmutableMap;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.testng.annotations.Test;

/** Each bad ResNet-20 checkpoint gives its own clear error and leaves the model bit-identical. */
public class BadCheckpointTest {

    private static final String GOOD = "models/resnet20-12fca82f.th";

    @Test
    public void wrongShape() throws Exception {
        CheckpointException e = loadEdited(sd -> {
            sd.put("module.layer2.0.conv1.weight",
                    new TensorData(DataType.FLOAT32, new Shape(32, 16, 1, 1), new byte[32 * 16 * 4]));
            return sd;
        });
        assertEquals(e.getProblems(), java.util.List.of(
                "shape mismatch for layer2.0.conv1.weight: checkpoint has (32, 16, 1, 1), block expects (32, 16, 3, 3)"));
    }

    @Test
    public void missingKey() throws Exception {
        CheckpointException e = loadEdited(sd -> {
            sd.remove("module.layer3.2.bn2.running_var");
            return sd;
        });
        assertEquals(e.getProblems().size(), 1);
        assertTrue(e.getProblems().get(0).startsWith("missing key layer3.2.bn2.running_var"), e.getMessage());
    }

    @Test
    public void extraKey() throws Exception {
        CheckpointException e = loadEdited(sd -> {
            sd.put("module.fc.weight", sd.get("module.linear.weight"));
            return sd;
        });
        assertEquals(e.getProblems(), java.util.List.of("unexpected key fc.weight (shape (10, 64))"));
    }

    @Test
    public void truncatedFile() throws Exception {
        byte[] whole = Files.readAllBytes(SharedData.require(GOOD));
        Path cut = Files.createTempFile("resnet20-truncated", ".th");
        Files.write(cut, Arrays.copyOf(whole, whole.length - 1000));
        CheckpointException e = loadFile(cut);
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    public void textFile() throws Exception {
        SharedData.require(GOOD);
        Path text = Files.createTempFile("resnet20", ".th");
        Files.writeString(text, "{\"weights\": \"not here\"}\n");
        CheckpointException e = loadFile(text);
        assertTrue(e.getMessage().contains("not a PyTorch checkpoint"), e.getMessage());
    }

    private static CheckpointException loadEdited(UnaryOperator<Map<String, TensorData>> edit) throws Exception {
        StateDict good = TorchCheckpoint.readStateDict(SharedData.require(GOOD));
        StateDict bad = StateDict.of("edited", ImmutableMap.copyOf(edit.apply(new LinkedHashMap<>(good.tensors()))));
        return expectUntouched(model -> StateDictLoader.builder().build().load(bad, model.getBlock()));
    }

    private static CheckpointException loadFile(Path file) throws Exception {
        return expectUntouched(model -> ZooModels.loadInto(file, model.getBlock()));
    }

    interface Load {
        void run(Model model) throws Exception;
    }

    private static CheckpointException expectUntouched(Load load) throws Exception {
        try (Model model = ZooModels.load(CifarModel.RESNET20, null)) {
            Map<String, float[]> before = snapshot(model);
            CheckpointException e = expectThrows(CheckpointException.class, () -> load.run(model));
            Map<String, float[]> after = snapshot(model);
            assertEquals(after.keySet(), before.keySet());
            before.forEach((k, v) -> assertTrue(Arrays.equals(v, after.get(k)), "parameter changed: " + k));
            return e;
        }
    }

    private static Map<String, float[]> snapshot(Model model) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
            out.put(p.getKey(), p.getValue().getArray().toFloatArray());
        }
        return out;
    }
}
