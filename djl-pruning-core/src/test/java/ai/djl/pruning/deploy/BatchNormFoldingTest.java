package ai.djl.pruning.deploy;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.pruning.ParameterSnapshot;
import ai.djl.pruning.analysis.MacConvention;
import ai.djl.pruning.analysis.ModelProfile;
import ai.djl.pruning.onnx.OnnxImportTest;
import ai.djl.pruning.structured.ChannelPrunerTest;
import ai.djl.repository.zoo.ZooModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.testng.annotations.Test;

public class BatchNormFoldingTest {

    private static final Shape IN = new Shape(2, 8, 8, 8);

    @Test
    public void bottleneckWithDepthwiseAndConvShortcutFoldsExactly() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = ChannelPrunerTest.bottleneckNet();
            net.initialize(manager, DataType.FLOAT32, IN);
            ChannelPrunerTest.randomiseBatchNorm(net, manager);
            Map<String, float[]> before = ParameterSnapshot.of(net);

            BatchNormFolding.Folded f = BatchNormFolding.fold(net, IN, manager);
            // conv1+bn1, depthwise conv2+bn2, conv3+bn3 and the shortcut's conv+BN.
            assertEquals(f.folded(), Map.of("01block_01conv1", "01block_02bn1", "01block_04conv2", "01block_05bn2",
                    "01block_07conv3", "01block_08bn3", "01block_09downsample_010", "01block_09downsample_021"));
            assertTrue(f.error() < 1e-5, "error " + f.error());
            ParameterSnapshot.assertBitIdentical(before, ParameterSnapshot.of(net)); // the original is untouched
            Block bn1 = f.block().getChildren().get(0).getValue().getChildren().get(1).getValue();
            assertTrue(bn1 instanceof LambdaBlock, bn1.toString());

            // BatchNorm's γ and β go (2·(6 + 6 + 16 + 16) = 88); each conv gains a bias (6 + 6 + 16 + 16 = 44).
            long paramsBefore = ModelProfile.of(net, IN, MacConvention.CONV_LINEAR).params();
            long paramsAfter = ModelProfile.of(f.block(), IN, MacConvention.CONV_LINEAR).params();
            assertEquals(paramsBefore - paramsAfter, 88 - 44);
            assertFalse(f.block().getParameters().keys().stream().anyMatch(k -> k.contains("bn")));

            // Deployed: the folded block's ONNX form, loaded as a DJL model on the OnnxRuntime engine, equals the
            // original DJL block.
            Path onnx = Deployment.writeOnnx(f.block(), IN, Files.createTempDirectory("folded"));
            float[] x = new float[(int) IN.size()];
            Random r = new Random(1);
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextGaussian();
            }
            float[] expected = OnnxImportTest.forward(net, manager, x, IN);
            try (ZooModel<NDList, NDList> ort = Deployment.loadOnnxRuntime(onnx, 1);
                    Predictor<NDList, NDList> predictor = ort.newPredictor();
                    NDManager ortManager = ort.getNDManager().newSubManager()) {
                assertEquals(ort.getNDManager().getEngine().getEngineName(), "OnnxRuntime");
                float[] got = predictor.predict(new NDList(ortManager.create(x, IN))).singletonOrThrow().toFloatArray();
                for (int i = 0; i < expected.length; i++) {
                    assertEquals(got[i], expected[i], 1e-4 * Math.max(1, Math.abs(expected[i])), "output " + i);
                }
            }
        }
    }
}
