package ai.djl.pruning.io;

import ai.djl.pruning.ParameterSnapshot;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import com.google.common.collect.ImmutableMap;
import com.google.gson.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import org.testng.annotations.Test;

public class StateDictLoaderTest {

    @Test
    public void namesFollowPyTorchModulePaths() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = Fixtures.initialisedTinyNet(manager, 4);
            Map<String, String> names = TorchParameterNames.of(net);
            assertEquals(names.get("01conv_weight"), "conv.weight");
            assertEquals(names.get("02bn_gamma"), "bn.weight");
            assertEquals(names.get("02bn_beta"), "bn.bias");
            assertEquals(names.get("02bn_runningMean"), "bn.running_mean");
            assertEquals(names.get("02bn_runningVar"), "bn.running_var");
            assertEquals(names.get("05fc_weight"), "fc.weight");
            // Every DJL parameter path (as Block#getParameters names it) is mapped.
            assertEquals(names.keySet(), net.getParameters().keys().stream().collect(java.util.stream.Collectors.toSet()));
        }
    }

    @Test
    public void loadedTinyNetReproducesPyTorchOutput() throws Exception {
        JsonObject ref = Fixtures.reference();
        for (String format : new String[] {"zip", "legacy"}) {
            try (NDManager manager = NDManager.newBaseManager()) {
                Block net = Fixtures.initialisedTinyNet(manager, 4);
                StateDictLoader.builder().build().load(Fixtures.resource("checkpoints/tiny_" + format + ".pt"), net);
                NDArray x = manager.create(Fixtures.floats(ref, "input"), new Shape(2, 3, 5, 5));
                NDArray y = net.forward(new ParameterStore(manager, false), new NDList(x), false).singletonOrThrow();
                float[] expected = Fixtures.floats(ref, "output");
                assertEquals(y.getShape(), new Shape(2, 2));
                assertEquals(y.toFloatArray(), expected, 1e-5f, format);
            }
        }
    }

    @Test
    public void everyProblemIsListedAndNothingChanges() throws Exception {
        StateDict good = TorchCheckpoint.readStateDict(Fixtures.resource("checkpoints/tiny_zip.pt"));
        Map<String, TensorData> bad = new LinkedHashMap<>(good.tensors());
        bad.remove("module.fc.bias");
        bad.put("module.extra.weight", good.get("module.fc.bias"));
        bad.put("module.conv.weight", new TensorData(DataType.FLOAT32, new Shape(4, 3, 1, 1), new byte[4 * 3 * 4]));
        StateDict broken = StateDict.of("broken", ImmutableMap.copyOf(bad));
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = Fixtures.initialisedTinyNet(manager, 4);
            Map<String, float[]> before = ParameterSnapshot.of(net);
            CheckpointException e = expectThrows(CheckpointException.class,
                    () -> StateDictLoader.builder().build().load(broken, net));
            assertEquals(e.getProblems().size(), 3, e.getMessage());
            assertTrue(e.getMessage().contains("missing key fc.bias"), e.getMessage());
            assertTrue(e.getMessage().contains("unexpected key extra.weight"), e.getMessage());
            assertTrue(e.getMessage().contains("shape mismatch for conv.weight: checkpoint has (4, 3, 1, 1), block expects (4, 3, 3, 3)"),
                    e.getMessage());
            ParameterSnapshot.assertBitIdentical(before, ParameterSnapshot.of(net));
        }
    }

    @Test
    public void wrongWidthBlockIsRefused() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block wide = Fixtures.initialisedTinyNet(manager, 5);
            Map<String, float[]> before = ParameterSnapshot.of(wide);
            CheckpointException e = expectThrows(CheckpointException.class, () -> StateDictLoader.builder().build()
                    .load(Fixtures.resource("checkpoints/tiny_legacy.pt"), wide));
            // conv weight, BN gamma/beta/mean/var and fc weight all differ in width.
            assertEquals(e.getProblems().size(), 6, e.getMessage());
            ParameterSnapshot.assertBitIdentical(before, ParameterSnapshot.of(wide));
        }
    }

    @Test
    public void uninitialisedBlockIsRefused() {
        Block net = Fixtures.tinyNet(4);
        expectThrows(IllegalStateException.class, () -> StateDictLoader.builder().build()
                .load(Fixtures.resource("checkpoints/tiny_zip.pt"), net));
    }

}
