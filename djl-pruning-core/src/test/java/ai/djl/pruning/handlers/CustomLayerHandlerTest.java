package ai.djl.pruning.handlers;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.pruning.analysis.CostHandler;
import ai.djl.pruning.analysis.LayerCost;
import ai.djl.pruning.analysis.LayerProfile;
import ai.djl.pruning.analysis.MacConvention;
import ai.djl.pruning.analysis.ModelProfile;
import ai.djl.pruning.analysis.ProfileWalk;
import ai.djl.pruning.io.ModelFiles;
import ai.djl.pruning.nn.BlockHandlers;
import ai.djl.pruning.nn.BlockSpec;
import ai.djl.pruning.nn.GlobalAvgPool2d;
import ai.djl.pruning.nn.Relu;
import ai.djl.pruning.nn.SpecHandler;
import ai.djl.pruning.onnx.OnnxExporter;
import ai.djl.pruning.onnx.OnnxGraph;
import ai.djl.pruning.onnx.OnnxHandler;
import ai.djl.pruning.onnx.OnnxImportTest;
import ai.djl.pruning.structured.ChannelFlow;
import ai.djl.pruning.structured.ChannelHandler;
import ai.djl.pruning.structured.ChannelPruner;
import ai.djl.pruning.structured.ChannelPruningPlan;
import ai.djl.pruning.structured.ChannelRole;
import ai.djl.pruning.structured.ChannelWalk;
import ai.djl.pruning.structured.DependencyGraph;
import ai.djl.pruning.structured.KeptChannels;
import ai.djl.pruning.structured.LayerChannels;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.testng.annotations.Test;

/**
 * A layer the library has never seen, known only through the handler its author registers: refused
 * (naming the block and the missing facet) before, then profiled, channel-pruned (its per-channel
 * parameter sliced), saved, reloaded and exported to ONNX after one {@code BlockHandlers.register}.
 */
public class CustomLayerHandlerTest {

    private static final Shape IN = new Shape(4, 3, 8, 8);

    /** A user's layer: one learned scale per channel, {@code y = x · γ[c]}; its width is an option. */
    public static final class ChannelScale extends AbstractBlock {
        private final int units;
        private final Parameter gamma;

        public ChannelScale(int units) {
            super((byte) 1);
            this.units = units;
            this.gamma = addParameter(Parameter.builder().setName("gamma").setType(Parameter.Type.GAMMA)
                    .optShape(new Shape(units)).optInitializer(Initializer.ONES).build());
        }

        public int units() {
            return units;
        }

        @Override
        protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training,
                PairList<String, Object> params) {
            NDArray x = inputs.singletonOrThrow();
            NDArray g = store.getValue(gamma, x.getDevice(), training);
            return new NDList(x.mul(g.reshape(1, units, 1, 1)));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return inputShapes;
        }
    }

    /** Its author's handler: every facet, as {@code BlockHandler}'s Javadoc shows. */
    public static final class ChannelScaleHandler implements SpecHandler<ChannelScale>, ChannelHandler<ChannelScale>,
            CostHandler<ChannelScale>, OnnxHandler<ChannelScale> {

        @Override
        public Class<ChannelScale> blockType() {
            return ChannelScale.class;
        }

        @Override
        public JsonObject describe(ChannelScale block) {
            JsonObject o = newSpec();
            o.addProperty("units", block.units());
            return o;
        }

        @Override
        public Block build(JsonObject spec) {
            return new ChannelScale(spec.get("units").getAsInt());
        }

        @Override
        public ChannelFlow channels(ChannelScale block, ChannelWalk walk) {
            return walk.record(ChannelRole.BATCH_NORM, walk.materialise(walk.input())); // one γ per channel
        }

        @Override
        public void narrow(JsonObject spec, KeptChannels keep) {
            spec.addProperty("units", keep.out().length);
        }

        @Override
        public Shape[] profile(ChannelScale block, ProfileWalk walk) {
            long n = walk.outputShapes()[0].size();
            return walk.leaf("ChannelScale", new LayerCost(walk.elementwise(n), 2 * n));
        }

        @Override
        public String emit(ChannelScale block, OnnxGraph graph) {
            List<String> xAndGamma = graph.withParameters("gamma");
            String g = graph.node("Unsqueeze", List.of(xAndGamma.get(1), graph.longs("axes", 1, 2))); // (C, 1, 1)
            return graph.node("Mul", List.of(xAndGamma.get(0), g));
        }
    }

    private static Block net() {
        return new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(8).build())
                .add(new ChannelScale(8)).add(new Relu())
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(8).build())
                .add(new ChannelScale(8)).add(new GlobalAvgPool2d()).add(Linear.builder().setUnits(5).build());
    }

    @Test
    public void customLayerIsPrunedProfiledSavedReloadedAndExportedThroughItsHandler() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = net();
            net.initialize(manager, DataType.FLOAT32, IN);
            float[] gamma = {0.5f, 1.5f, 0.7f, 1.2f, 0.9f, 1.1f, 0.6f, 1.4f};
            net.getChildren().get(1).getValue().getParameters().get("gamma").getArray().set(gamma);
            net.getChildren().get(4).getValue().getParameters().get("gamma").getArray().set(gamma);

            // Before registration: each capability names the block and what is missing; the profile marks it unknown.
            assertFalse(BlockHandlers.find(new ChannelScale(2), SpecHandler.class).isPresent());
            IllegalArgumentException refused = expectThrows(IllegalArgumentException.class,
                    () -> DependencyGraph.of(net, IN));
            assertTrue(refused.getMessage().contains("ChannelScale at '02ChannelScale'")
                    && refused.getMessage().contains("register a ChannelHandler"), refused.getMessage());
            refused = expectThrows(IllegalArgumentException.class, () -> BlockSpec.describe(net));
            assertTrue(refused.getMessage().contains("no SpecHandler is registered"), refused.getMessage());
            refused = expectThrows(IllegalArgumentException.class, () -> OnnxExporter.toModel(net, IN));
            assertTrue(refused.getMessage().contains("02ChannelScale (ChannelScale) has no ONNX form"), refused.getMessage());
            assertEquals(ModelProfile.of(net, IN, MacConvention.TORCHPROFILE).unknownLayers().size(), 2);

            BlockHandlers.register(new ChannelScaleHandler());

            // Profiled: 8 parameters; under torchprofile one MAC per output element (4·8·8·8), reads + writes.
            ModelProfile profile = ModelProfile.of(net, IN, MacConvention.TORCHPROFILE);
            assertTrue(profile.unknownLayers().isEmpty(), profile.unknownLayers().toString());
            LayerProfile row = profile.layers().stream().filter(l -> l.path().equals("02ChannelScale")).findFirst()
                    .orElseThrow();
            assertEquals(row.type(), "ChannelScale");
            assertEquals(row.params(), 8);
            assertEquals(row.macs(), 4 * 8 * 8 * 8);
            assertEquals(row.memoryAccesses(), 2 * 4 * 8 * 8 * 8);

            // Pruned: γ is indexed by the first conv's filters, so it loses the same channels.
            ChannelPruner pruner = ChannelPruner.builder().build();
            ChannelPruningPlan plan = pruner.plan(net, IN, 0.5);
            LayerChannels scale = plan.graph().layers().stream().filter(l -> l.path().equals("02ChannelScale"))
                    .findFirst().orElseThrow();
            LayerChannels conv = plan.graph().layers().stream()
                    .filter(l -> l.path().equals("01Conv2d") && l.role() == ChannelRole.CONV_OUT).findFirst().orElseThrow();
            assertEquals(scale.channels(), conv.channels());
            ChannelPruner.VerifiedBlock v = pruner.applyVerified(net, plan, manager);
            assertTrue(v.verificationError() < 1e-5, "verification error " + v.verificationError());
            int[] kept = IntStream.range(0, 8).filter(i -> !plan.pruned().contains(scale.channels()[i])).toArray();
            assertEquals(kept.length, 4);
            float[] prunedGamma = v.block().getChildren().get(1).getValue().getParameters().get("gamma").getArray()
                    .toFloatArray();
            assertEquals(prunedGamma, keptValues(gamma, kept));
            assertEquals(((ChannelScale) v.block().getChildren().get(1).getValue()).units(), 4);
            assertTrue(ModelProfile.of(v.block(), IN, MacConvention.CONV_LINEAR).macs()
                    < ModelProfile.of(net, IN, MacConvention.CONV_LINEAR).macs());

            // Saved with its architecture and reloaded: the same outputs, bit for bit.
            float[] x = new float[(int) IN.size()];
            java.util.Random r = new java.util.Random(3);
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextGaussian();
            }
            Path dir = Files.createTempDirectory("custom-layer");
            ModelFiles.save(v.block(), IN, dir);
            Block reloaded = ModelFiles.load(dir, manager);
            assertTrue(reloaded.getChildren().get(1).getValue() instanceof ChannelScale);
            float[] expected = OnnxImportTest.forward(v.block(), manager, x, IN);
            assertEquals(OnnxImportTest.forward(reloaded, manager, x, IN), expected);

            // Exported through its ONNX form and run by ONNX Runtime.
            Path onnx = dir.resolve("pruned.onnx");
            OnnxExporter.export(v.block(), IN, onnx);
            float[] ort = OnnxImportTest.onnxRuntime(onnx, x, IN);
            for (int i = 0; i < expected.length; i++) {
                assertEquals(ort[i], expected[i], 1e-4 * Math.max(1, Math.abs(expected[i])), "output " + i);
            }
        }
    }

    private static float[] keptValues(float[] values, int[] kept) {
        float[] out = new float[kept.length];
        for (int i = 0; i < kept.length; i++) {
            out[i] = values[kept[i]];
        }
        return out;
    }
}
