package ai.djl.pruning.onnx;

import static ai.djl.pruning.onnx.OnnxImportTest.assertClose;
import static ai.djl.pruning.onnx.OnnxImportTest.forward;
import static ai.djl.pruning.onnx.OnnxImportTest.onnxRuntime;
import static ai.djl.pruning.onnx.OnnxImportTest.reference;
import static ai.djl.pruning.onnx.OnnxImportTest.resource;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pruning.TestResources;
import ai.djl.pruning.analysis.MacConvention;
import ai.djl.pruning.nn.BatchNormInsertion;
import ai.djl.pruning.analysis.ModelProfile;
import ai.djl.pruning.structured.ChannelPruner;
import ai.djl.pruning.structured.ChannelPruningPlan;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.testng.annotations.Test;

/** Imported ONNX models, channel-pruned, exported again: ONNX Runtime runs them and agrees with DJL. */
public class OnnxExportTest {

    @Test(dataProvider = "models", dataProviderClass = OnnxImportTest.class)
    public void prunedImportExportsToAModelOnnxRuntimeAgreesWith(String name) throws Exception {
        JsonObject ref = reference(name);
        Shape in = TestResources.shape(ref, "input_shape");
        float[] x = TestResources.floats(ref, "input");
        Path dir = Files.createTempDirectory("onnx-export");
        try (NDManager manager = NDManager.newBaseManager()) {
            OnnxImporter.OnnxImport imported = OnnxImporter.load(resource(name + ".onnx"), manager);
            Block block = imported.block();
            // Round trip of the unpruned block first.
            Path same = dir.resolve(name + ".onnx");
            OnnxExporter.export(block, imported.inputShape(), same);
            assertClose(onnxRuntime(same, x, in), forward(block, manager, x, in), 1e-4f, name + " re-exported");
            // Half the MACs (verified inside apply against the original with the channels removed).
            ChannelPruner pruner = ChannelPruner.builder().build();
            ChannelPruningPlan plan = pruner.planForMacs(block, imported.inputShape(), 0.5, manager);
            Block pruned = pruner.apply(block, plan, manager);
            long before = ModelProfile.of(block, imported.inputShape(), MacConvention.CONV_LINEAR).macs();
            long after = ModelProfile.of(pruned, imported.inputShape(), MacConvention.CONV_LINEAR).macs();
            assertTrue(after <= 0.5 * before && after > 0.3 * before, after + " of " + before + " MACs");
            Path smaller = dir.resolve(name + "-pruned.onnx");
            OnnxExporter.export(pruned, imported.inputShape(), smaller);
            assertClose(onnxRuntime(smaller, x, in), forward(pruned, manager, x, in), 1e-4f, name + " pruned");
            assertTrue(Files.size(smaller) < Files.size(same));
            // and the exported file imports again to the same function
            OnnxImporter.OnnxImport again = OnnxImporter.load(smaller, manager);
            assertClose(forward(again.block(), manager, x, in), forward(pruned, manager, x, in), 1e-5f, name
                    + " re-imported");
        }
    }

    @Test
    public void batchNormPutBackAfterEveryFoldedConvKeepsTheFunctionAndExports() throws Exception {
        JsonObject ref = reference("resnet20");
        Shape in = TestResources.shape(ref, "input_shape");
        float[] x = TestResources.floats(ref, "input");
        try (NDManager manager = NDManager.newBaseManager()) {
            OnnxImporter.OnnxImport imported = OnnxImporter.load(resource("resnet20.onnx"), manager);
            Block withBn = BatchNormInsertion.afterConvolutions(imported.block(), imported.inputShape(),
                    List.of(manager.create(x, in)), manager);
            long norms = 0;
            for (var p : withBn.getParameters()) {
                norms += p.getKey().endsWith("_inserted_bn_gamma") ? 1 : 0;
            }
            assertEquals(norms, 19); // every conv of ResNet-20, none had BatchNorm left
            assertClose(forward(withBn, manager, x, in), forward(imported.block(), manager, x, in), 1e-4f, "with BN");
            Path file = Files.createTempDirectory("onnx-bn").resolve("with-bn.onnx");
            OnnxExporter.export(withBn, imported.inputShape(), file);
            assertClose(onnxRuntime(file, x, in), forward(withBn, manager, x, in), 1e-4f, "with BN in ONNX Runtime");
        }
    }
}
