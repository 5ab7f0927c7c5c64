package ai.djl.pruning.examples.zoo;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pruning.analysis.AccuracyEvaluation;
import ai.djl.pruning.analysis.AccuracyResult;
import ai.djl.pruning.examples.SharedData;
import ai.djl.pruning.examples.data.Cifar10;
import ai.djl.training.ParameterStore;
import ai.djl.training.dataset.Batch;
import com.google.gson.Gson;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

/** The zoo with the pretrained checkpoints reproduces PyTorch exactly (needs ../shared). */
public class PretrainedReproductionTest {

    @DataProvider
    public Object[][] referenceModels() {
        return new Object[][] {{CifarModel.RESNET20}, {CifarModel.RESNET56}};
    }

    @Test(dataProvider = "referenceModels")
    public void logitsOfTheFirst64TestImagesMatchPyTorch(CifarModel zoo) throws Exception {
        JsonObject ref = new Gson().fromJson(Files.readString(SharedData.require(
                "reference/" + zoo.modelName() + "_logits_genuine_test_0-63.json")), JsonObject.class);
        float[][] expected = new Gson().fromJson(ref.get("logits"), float[][].class);
        int[] labels = new Gson().fromJson(ref.get("labels"), int[].class);
        // The normalisation the reference used is the one the dataset applies.
        assertEquals(new Gson().fromJson(ref.get("mean"), float[].class), Cifar10.MEAN);
        assertEquals(new Gson().fromJson(ref.get("std"), float[].class), Cifar10.STD);
        Cifar10 test = Cifar10.builder().optUsage(Cifar10.Usage.TEST).setSampling(64, false).optLimit(64).build();
        try (Model model = ZooModels.load(zoo, null); NDManager manager = NDManager.newBaseManager()) {
            Batch batch = test.getData(manager).iterator().next();
            float[] labelValues = batch.getLabels().singletonOrThrow().toFloatArray();
            NDArray logits = model.getBlock().forward(new ParameterStore(manager, false), batch.getData(), false)
                    .singletonOrThrow();
            assertEquals(logits.getShape(), new Shape(64, 10));
            float[] actual = logits.toFloatArray();
            double maxDiff = 0;
            for (int i = 0; i < 64; i++) {
                assertEquals((int) labelValues[i], labels[i], "label of record " + i);
                for (int c = 0; c < 10; c++) {
                    maxDiff = Math.max(maxDiff, Math.abs(actual[i * 10 + c] - expected[i][c]));
                }
            }
            assertTrue(maxDiff <= 1e-4, zoo.modelName() + " max abs logit difference " + maxDiff);
            batch.close();
        }
    }

    @Test
    public void fullTestSetAccuracyEqualsPyTorchsCounts() throws Exception {
        SharedData.require("cifar10/test_batch.bin");
        Cifar10 test = Cifar10.builder().optUsage(Cifar10.Usage.TEST).setSampling(250, false).build();
        long[][] expected = {{20, 9173}, {32, 9263}, {44, 9310}, {56, 9339}};
        for (long[] e : expected) {
            CifarModel zoo = CifarModel.of("resnet" + e[0]);
            SharedData.require("models/" + zoo.checkpointFile().get());
            try (Model model = ZooModels.load(zoo, null)) {
                AccuracyResult r = AccuracyEvaluation.evaluate(model.getBlock(), test);
                assertEquals(r.total(), 10_000L);
                assertEquals(r.correct(), e[1], zoo.modelName());
            }
        }
    }
}
