package ai.djl.pruning.examples.zoo;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pruning.analysis.ParameterCounts;
import ai.djl.pruning.examples.SharedData;
import ai.djl.pruning.io.StateDict;
import ai.djl.pruning.io.TensorData;
import ai.djl.pruning.io.TorchCheckpoint;
import ai.djl.training.ParameterStore;
import java.util.Map;
import org.testng.annotations.Test;

public class ZooModelTest {

    @Test
    public void labVggHasTheLabsParameterCount() {
        try (Model vgg = ZooModels.newModel(CifarModel.VGG)) {
            assertEquals(ParameterCounts.trainable(vgg.getBlock()), 9_228_362L);
        }
    }

    @Test
    public void resnetsHaveTheirClosedFormParameterCounts() {
        // 6n+2 layers: stem 3·16·9 + BN 32, per stage convs and BNs, Linear 64·10 + 10.
        assertEquals(countOf(CifarModel.RESNET20), 269_722L);
        assertEquals(countOf(CifarModel.RESNET56), 853_018L);
        assertEquals(countOf(CifarModel.RESNET110), 1_727_962L);
    }

    @Test
    public void outputShapesAreLogits() {
        for (CifarModel m : new CifarModel[] {CifarModel.RESNET20, CifarModel.VGG}) {
            try (Model model = ZooModels.newModel(m); NDManager manager = NDManager.newBaseManager()) {
                NDArray x = manager.randomNormal(new Shape(2, 3, 32, 32));
                NDArray y = model.getBlock().forward(new ParameterStore(manager, false), new NDList(x), false)
                        .singletonOrThrow();
                assertEquals(y.getShape(), new Shape(2, 10), m.modelName());
            }
        }
    }

    @Test
    public void badDepthAndUnknownNamesAreRefused() {
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> CifarResNet.build(21, 10));
        assertTrue(e.getMessage().contains("6n+2"), e.getMessage());
        e = expectThrows(IllegalArgumentException.class, () -> CifarModel.of("resnet18"));
        assertTrue(e.getMessage().contains("unknown model 'resnet18'") && e.getMessage().contains("resnet56"),
                e.getMessage());
    }

    @Test
    public void resnetCountsEqualTheCheckpointsTensorSizes() throws Exception {
        for (CifarModel m : new CifarModel[] {CifarModel.RESNET20, CifarModel.RESNET56}) {
            StateDict sd = TorchCheckpoint.readStateDict(SharedData.require("models/" + m.checkpointFile().get()));
            long trainable = 0;
            for (Map.Entry<String, TensorData> e : sd.tensors().entrySet()) {
                if (!e.getKey().matches(".*(running_mean|running_var|num_batches_tracked)$")) {
                    trainable += e.getValue().size();
                }
            }
            assertEquals(countOf(m), trainable, m.modelName());
        }
    }

    private static long countOf(CifarModel m) {
        try (Model model = ZooModels.newModel(m)) {
            return ParameterCounts.trainable(model.getBlock());
        }
    }
}
