package ai.djl.pruning.examples.zoo;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pruning.analysis.MacConvention;
import ai.djl.pruning.analysis.ModelProfile;
import ai.djl.pruning.analysis.ParameterCounts;
import ai.djl.pruning.examples.SharedData;
import ai.djl.pruning.examples.data.Cifar10;
import ai.djl.pruning.io.TorchParameterNames;
import ai.djl.pruning.torchscript.TorchScriptModels;
import ai.djl.training.ParameterStore;
import ai.djl.training.dataset.Batch;
import ai.djl.util.Pair;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.Map;
import org.testng.annotations.Test;

/**
 * The pretrained ResNet-20 traced to TorchScript ({@code src-test-resources/torchscript/resnet20.pt},
 * from {@code generate_torchscript_fixtures.py}) and the zoo's DJL ResNet-20 with the same checkpoint are
 * the same network in DJL (needs ../shared for the checkpoint and the CIFAR-10 test images).
 */
public class TorchScriptResNetTest {

    private static final int IMAGES = 16;

    @Test
    public void tracedResNet20GivesTheZoosLogitsOnTheFirst16TestImages() throws Exception {
        SharedData.require("models/" + CifarModel.RESNET20.checkpointFile().orElseThrow());
        SharedData.require("cifar10/test_batch.bin");
        Cifar10 test = Cifar10.builder().optUsage(Cifar10.Usage.TEST).setSampling(IMAGES, false).optLimit(IMAGES)
                .build();
        Shape in = new Shape(IMAGES, 3, 32, 32);
        try (Model zoo = ZooModels.load(CifarModel.RESNET20, null);
                Model traced = TorchScriptModels.load(resource("torchscript/resnet20.pt"), in);
                NDManager manager = NDManager.newBaseManager()) {
            Batch batch = test.getData(manager).iterator().next();
            NDArray x = batch.getData().singletonOrThrow();
            assertEquals(x.getShape(), in);
            float[] expected = logits(zoo.getBlock(), manager, x);
            float[] actual = logits(traced.getBlock(), manager, x);
            assertEquals(actual.length, IMAGES * 10);
            double maxDiff = 0;
            for (int i = 0; i < actual.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
            }
            assertTrue(maxDiff <= 1e-4, "max abs logit difference " + maxDiff);
            batch.close();
        }
    }

    @Test
    public void tracedParametersAreTheZoosUnderPyTorchNames() throws Exception {
        SharedData.require("models/" + CifarModel.RESNET20.checkpointFile().orElseThrow());
        try (Model zoo = ZooModels.load(CifarModel.RESNET20, null);
                Model traced = TorchScriptModels.load(resource("torchscript/resnet20.pt"), ZooModels.INPUT_SHAPE)) {
            Map<String, String> torchNames = TorchParameterNames.of(zoo.getBlock());
            Map<String, float[]> zooValues = new LinkedHashMap<>();
            for (Pair<String, Parameter> p : zoo.getBlock().getParameters()) {
                if (p.getValue().requiresGradient()) {
                    zooValues.put(torchNames.get(p.getKey()), p.getValue().getArray().toFloatArray());
                }
            }
            Map<String, float[]> tracedValues = new LinkedHashMap<>();
            for (Pair<String, Parameter> p : traced.getBlock().getParameters()) {
                tracedValues.put(p.getKey(), p.getValue().getArray().toFloatArray());
            }
            // Same names (layer1.0.conv1.weight, ...), same order, bit-identical values.
            assertEquals(tracedValues.keySet().stream().toList(), zooValues.keySet().stream().toList());
            zooValues.forEach((name, v) -> assertEquals(tracedValues.get(name), v, name));

            ModelProfile profile = ModelProfile.of(traced.getBlock(), ZooModels.INPUT_SHAPE, MacConvention.CONV_LINEAR);
            assertEquals(profile.params(), ParameterCounts.trainable(zoo.getBlock()));
            assertEquals(profile.params(), 269_722L);
            assertEquals(profile.unknownLayers().size(), 1);
        }
    }

    private static float[] logits(Block block, NDManager manager, NDArray x) {
        try (NDManager scope = manager.newSubManager()) {
            NDArray y = block.forward(new ParameterStore(scope, false), new NDList(x), false).singletonOrThrow();
            y.attach(scope);
            return y.toFloatArray();
        }
    }

    private static Path resource(String name) {
        try {
            return Paths.get(TorchScriptResNetTest.class.getResource("/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("missing test resource " + name, e);
        }
    }
}
