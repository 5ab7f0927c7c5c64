package ai.djl.pruning.onnx;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pruning.TestResources;
import ai.djl.pruning.analysis.AccuracyEvaluation;
import ai.djl.pruning.analysis.AccuracyResult;
import ai.djl.pruning.analysis.LatencyBenchmark;
import ai.djl.pruning.analysis.LatencyResult;
import ai.djl.pruning.io.CheckpointException;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.training.ParameterStore;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.translate.NoopTranslator;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.List;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

public class OnnxImportTest {

    static Path resource(String name) {
        return TestResources.path("onnx/" + name);
    }

    static JsonObject reference(String model) {
        return TestResources.json("onnx/reference.json").getAsJsonObject(model);
    }

    public static float[] forward(Block block, NDManager manager, float[] input, Shape shape) {
        return block.forward(new ParameterStore(manager, false), new NDList(manager.create(input, shape)), false)
                .singletonOrThrow().toFloatArray();
    }

    /** Runs an ONNX file in ONNX Runtime (DJL's OnnxRuntime engine). */
    public static float[] onnxRuntime(Path file, float[] input, Shape shape) throws Exception {
        Criteria<NDList, NDList> criteria = Criteria.builder().setTypes(NDList.class, NDList.class)
                .optModelPath(file).optEngine("OnnxRuntime").optTranslator(new NoopTranslator()).build();
        try (ZooModel<NDList, NDList> model = criteria.loadModel();
                Predictor<NDList, NDList> predictor = model.newPredictor();
                NDManager manager = model.getNDManager().newSubManager()) {
            return predictor.predict(new NDList(manager.create(input, shape))).singletonOrThrow().toFloatArray();
        }
    }

    static void assertClose(float[] actual, float[] expected, float tolerance, String what) {
        assertEquals(actual.length, expected.length, what);
        float worst = 0;
        for (int i = 0; i < actual.length; i++) {
            worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
        }
        assertTrue(worst <= tolerance, what + ": max abs difference " + worst);
    }

    @DataProvider
    public Object[][] models() {
        return new Object[][] {{"chain"}, {"branches"}, {"resnet20"}};
    }

    @Test(dataProvider = "models")
    public void importedModelEqualsPyTorchAndOnnxRuntime(String name) throws Exception {
        JsonObject ref = reference(name);
        Shape in = TestResources.shape(ref, "input_shape");
        float[] x = TestResources.floats(ref, "input");
        try (NDManager manager = NDManager.newBaseManager()) {
            OnnxImporter.OnnxImport imported = OnnxImporter.load(resource(name + ".onnx"), manager);
            assertEquals(imported.inputShape(), new Shape(1, in.get(1), in.get(2), in.get(3)));
            float[] djl = forward(imported.block(), manager, x, in);
            assertClose(djl, TestResources.floats(ref, "output"), 1e-4f, name + " vs PyTorch");
            assertClose(djl, onnxRuntime(resource(name + ".onnx"), x, in), 1e-4f, name + " vs ONNX Runtime");
        }
    }

    @Test
    public void accuracyAndLatencyOfAnOnnxRuntimePredictor() throws Exception {
        JsonObject ref = reference("resnet20");
        Shape in = TestResources.shape(ref, "input_shape");
        float[] logits = TestResources.floats(ref, "output");
        float[] labels = new float[(int) in.get(0)];
        for (int i = 0; i < labels.length; i++) { // label 0 for the first image, its argmax for the second
            int best = 0;
            for (int c = 1; c < 10; c++) {
                best = logits[i * 10 + c] > logits[i * 10 + best] ? c : best;
            }
            labels[i] = i == 0 ? (best == 0 ? 1 : 0) : best;
        }
        Criteria<NDList, NDList> criteria = Criteria.builder().setTypes(NDList.class, NDList.class)
                .optModelPath(resource("resnet20.onnx")).optEngine("OnnxRuntime").optTranslator(new NoopTranslator())
                .build();
        try (NDManager manager = NDManager.newBaseManager();
                ZooModel<NDList, NDList> model = criteria.loadModel();
                Predictor<NDList, NDList> predictor = model.newPredictor()) {
            ArrayDataset data = new ArrayDataset.Builder().setData(manager.create(TestResources.floats(ref, "input"), in))
                    .optLabels(manager.create(labels)).setSampling(1, false).build();
            AccuracyResult ort = AccuracyEvaluation.evaluate(predictor, model.getNDManager(), data);
            assertEquals(ort, new AccuracyResult(1, 2));
            List<LatencyResult> latency = LatencyBenchmark.builder().optWarmup(1).optRepetitions(3).optBatchSizes(1, 2)
                    .build().run(predictor, model.getNDManager(), new Shape(3, 32, 32));
            assertEquals(latency.size(), 2);
            assertTrue(latency.get(1).medianMs() > 0);
        }
    }

    @Test
    public void unsupportedOperatorsAreListedWithTheirNodes() {
        try (NDManager manager = NDManager.newBaseManager()) {
            IllegalArgumentException e = expectThrows(IllegalArgumentException.class,
                    () -> OnnxImporter.load(resource("unsupported.onnx"), manager));
            assertEquals(e.getMessage(), "unsupported ONNX operators: [Erf (node 'erf_node'), LRN (node 'lrn_node')]");
        }
    }

    @Test
    public void corruptFilesAreRefusedWithTheirName() {
        for (String bad : new String[] {"truncated.onnx", "not_onnx.onnx"}) {
            CheckpointException e = expectThrows(CheckpointException.class, () -> OnnxFiles.read(resource(bad)));
            assertTrue(e.getMessage().contains(bad) && e.getMessage().contains("not a valid ONNX model"),
                    e.getMessage());
        }
    }
}
