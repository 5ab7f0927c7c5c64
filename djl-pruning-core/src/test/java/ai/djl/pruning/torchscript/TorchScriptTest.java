package ai.djl.pruning.torchscript;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertNotEquals;
import static org.testng.Assert.expectThrows;
import static org.testng.Assert.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.pruning.TestResources;
import ai.djl.pruning.analysis.LayerProfile;
import ai.djl.pruning.analysis.MacConvention;
import ai.djl.pruning.analysis.ModelProfile;
import ai.djl.pruning.io.CheckpointException;
import ai.djl.pruning.unstructured.MagnitudePruner;
import ai.djl.pruning.unstructured.MaskedOptimizer;
import ai.djl.pruning.unstructured.PrunableParameters;
import ai.djl.pruning.unstructured.PruningMasks;
import ai.djl.pruning.unstructured.SparsityPlan;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import com.google.common.collect.ImmutableList;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

/**
 * The traced tiny CNN of {@code generate_torchscript_fixtures.py}: loaded, listed, profiled, masked,
 * fine-tuned with the masks held, saved as TorchScript and reloaded.
 */
public class TorchScriptTest {

    private static final Shape IN = new Shape(2, 3, 8, 8);
    private static final List<String> WEIGHTS = List.of("0.weight", "3.weight", "8.weight");

    private Path tmp;

    @BeforeClass
    public void createTempDir() throws IOException {
        tmp = Files.createTempDirectory("torchscript-test");
    }

    @AfterClass(alwaysRun = true)
    public void deleteTempDir() throws IOException {
        try (Stream<Path> files = Files.walk(tmp)) {
            for (Path p : files.sorted((a, b) -> b.compareTo(a)).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Test
    public void loadedModuleReproducesPyTorchsOutput() throws Exception {
        JsonObject ref = reference();
        try (Model model = TorchScriptModels.load(TestResources.path("torchscript/tiny_cnn.pt"), IN);
                NDManager manager = NDManager.newBaseManager()) {
            assertTrue(model.getBlock() instanceof PtSymbolBlock);
            float[] out = forward(model.getBlock(), manager, TestResources.floats(ref, "input"));
            assertClose(out, TestResources.floats(ref, "output"), 1e-5, "output of tiny_cnn.pt");
        }
    }

    @Test
    public void parametersAreTheStateDictsTrainableTensorsInOrder() throws Exception {
        JsonObject ref = reference();
        Map<String, Shape> expected = shapes(ref.getAsJsonArray("parameters"));
        // The state dict holds the same tensors plus BatchNorm's buffers, which DJL does not list.
        Map<String, Shape> stateDict = shapes(ref.getAsJsonArray("state_dict"));
        stateDict.keySet().removeIf(k -> k.endsWith("running_mean") || k.endsWith("running_var")
                || k.endsWith("num_batches_tracked"));
        assertEquals(new ArrayList<>(stateDict.keySet()), new ArrayList<>(expected.keySet()));
        try (Model model = TorchScriptModels.load(TestResources.path("torchscript/tiny_cnn.pt"), IN)) {
            Map<String, Shape> actual = new LinkedHashMap<>();
            for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
                actual.put(p.getKey(), p.getValue().getArray().getShape());
                assertTrue(p.getValue().requiresGradient(), p.getKey() + " should be trainable");
            }
            assertEquals(new ArrayList<>(actual.entrySet()), new ArrayList<>(expected.entrySet()));
            // Conv and linear weights (rank > 1) are prunable; BatchNorm's γ (named weight, rank 1) is not.
            assertEquals(new ArrayList<>(PrunableParameters.of(model.getBlock()).keySet()), WEIGHTS);
        }
    }

    @Test
    public void profileCountsParametersAndSaysMacsAreUnknown() throws Exception {
        try (Model model = TorchScriptModels.load(TestResources.path("torchscript/tiny_cnn.pt"), IN)) {
            ModelProfile p = ModelProfile.of(model.getBlock(), IN, MacConvention.CONV_LINEAR);
            long expected = 8 * 3 * 9 + 2 * 8 + 8 * 8 * 9 + 2 * 8 + 4 * 8 + 4;
            assertEquals(expected, 860L);
            assertEquals(p.params(), expected);
            assertEquals(p.nonzeroParams(), expected);
            assertEquals(p.sizeBytes(32), 4 * expected);
            assertEquals(p.layers().size(), 1);
            LayerProfile row = p.layers().get(0);
            assertFalse(row.known());
            assertEquals(row.type(), "PtSymbolBlock");
            assertEquals(row.outputShape(), new Shape(2, 4));
            assertEquals(p.unknownLayers(), List.of(row));
            assertFalse(p.macsKnown());
            String table = p.toTable();
            assertTrue(table.contains("PtSymbolBlock (UNKNOWN)"), table);
            assertTrue(table.lines().anyMatch(l -> l.startsWith("(root)") && l.contains("unknown")), table);
            assertTrue(table.contains("their MACs and memory accesses are unknown"), table);
            JsonObject json = JsonParser.parseString(p.toJson()).getAsJsonObject();
            JsonObject jsonRow = json.getAsJsonArray("layers").get(0).getAsJsonObject();
            assertTrue(jsonRow.get("macs").isJsonNull());
            assertFalse(json.getAsJsonObject("totals").get("macsKnown").getAsBoolean());
            assertEquals(json.getAsJsonObject("totals").get("params").getAsLong(), expected);
        }
    }

    @Test
    public void maskWritesReachTheModulesTensors() throws Exception {
        try (Model model = TorchScriptModels.load(TestResources.path("torchscript/tiny_cnn.pt"), IN);
                NDManager manager = NDManager.newBaseManager()) {
            Block net = model.getBlock();
            // Prune the whole classifier weight: the traced graph must then output its bias for any input.
            PruningMasks.of(Map.of("8.weight", new PruningMasks.Mask(new Shape(4, 8), new BitSet()))).apply(net);
            float[] bias = PrunableParameters.require(net, "8.bias").getArray().toFloatArray();
            float[] out = forward(net, manager, TestResources.floats(reference(), "input"));
            for (int i = 0; i < 2; i++) {
                for (int c = 0; c < 4; c++) {
                    assertEquals(out[i * 4 + c], bias[c], 0f, "output [" + i + ", " + c + "]");
                }
            }
        }
    }

    @Test
    public void maskedFineTuningSavesAndReloadsAsTorchScript() throws Exception {
        float[] input = TestResources.floats(reference(), "input");
        Path saved = tmp.resolve("tiny_cnn_pruned.pt");
        float[] fineTunedOutput;
        Map<String, float[]> fineTuned = new LinkedHashMap<>();
        PruningMasks masks;
        try (Model model = TorchScriptModels.load(TestResources.path("torchscript/tiny_cnn.pt"), IN);
                NDManager manager = NDManager.newBaseManager()) {
            Block net = model.getBlock();
            masks = MagnitudePruner.builder().build()
                    .masks(net, SparsityPlan.uniform(PrunableParameters.of(net).keySet(), 0.5));
            assertEquals(new ArrayList<>(masks.masks().keySet()), WEIGHTS);
            Map<String, float[]> before = values(net);

            float[] losses = fineTune(model, masks, 100);
            assertTrue(mean(losses, 90, 100) < mean(losses, 0, 10),
                    "loss fell: first 10 " + mean(losses, 0, 10) + ", last 10 " + mean(losses, 90, 100));

            fineTuned.putAll(values(net));
            for (String path : WEIGHTS) {
                assertPrunedArePositiveZero(fineTuned.get(path), masks.get(path), "fine-tuned " + path);
                assertFalse(java.util.Arrays.equals(fineTuned.get(path), before.get(path)), path + " was trained");
            }
            assertFalse(java.util.Arrays.equals(fineTuned.get("1.weight"), before.get("1.weight")),
                    "unmasked BatchNorm γ was trained");
            fineTunedOutput = forward(net, manager, input);
            TorchScriptModels.save(model, saved);
        }

        try (Model reloaded = TorchScriptModels.load(saved, IN); NDManager manager = NDManager.newBaseManager()) {
            Map<String, float[]> values = values(reloaded.getBlock());
            assertEquals(values.keySet(), fineTuned.keySet());
            for (Map.Entry<String, float[]> e : fineTuned.entrySet()) {
                assertEquals(values.get(e.getKey()), e.getValue(), e.getKey() + " after save and reload");
            }
            for (String path : WEIGHTS) {
                assertPrunedArePositiveZero(values.get(path), masks.get(path), "reloaded " + path);
            }
            assertClose(forward(reloaded.getBlock(), manager, input), fineTunedOutput, 1e-6, "reloaded output");
        }
        try (Stream<Path> left = Files.list(tmp)) {
            assertEquals(left.filter(p -> p.getFileName().toString().endsWith(".tmp")).count(), 0L,
                    "the atomic write leaves no temporary file");
        }
    }

    @Test
    public void badFilesAndAWrongInputShapeAreRefusedNamingTheFile() throws Exception {
        byte[] bytes = Files.readAllBytes(TestResources.path("torchscript/tiny_cnn.pt"));
        Path truncated = tmp.resolve("truncated.pt");
        Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        CheckpointException e = expectThrows(CheckpointException.class, () -> TorchScriptModels.load(truncated, IN));
        assertTrue(e.getMessage().contains(truncated.toString()) && e.getMessage().contains("truncated"),
                e.getMessage());

        Path text = tmp.resolve("notes.pt");
        Files.writeString(text, "not a model\n", StandardCharsets.UTF_8);
        e = expectThrows(CheckpointException.class, () -> TorchScriptModels.load(text, IN));
        assertTrue(e.getMessage().contains(text.toString()) && e.getMessage().contains("is not a TorchScript file"),
                e.getMessage());

        Path missing = tmp.resolve("missing.pt");
        e = expectThrows(CheckpointException.class, () -> TorchScriptModels.load(missing, IN));
        assertEquals(e.getMessage(), missing + " does not exist");

        Path stateDict = TestResources.path("checkpoints/tiny_zip.pt");
        e = expectThrows(CheckpointException.class, () -> TorchScriptModels.load(stateDict, IN));
        assertTrue(e.getMessage().contains(stateDict.toString()) && e.getMessage().contains("torch.save checkpoint"),
                e.getMessage());

        // The module is checked against the input shape: 5 channels do not fit the first conv's 3.
        Path tiny = TestResources.path("torchscript/tiny_cnn.pt");
        IllegalArgumentException shape = expectThrows(IllegalArgumentException.class,
                () -> TorchScriptModels.load(tiny, new Shape(2, 5, 8, 8)));
        assertTrue(shape.getMessage().startsWith("the module of " + tiny + " refuses an input of shape (2, 5, 8, 8): "
                + "RuntimeError: Given groups=1, weight of size [8, 3, 3, 3]"), shape.getMessage());

        // A readable zip whose pickled module is garbage: libtorch's own reason, after the file name.
        Path garbled = tmp.resolve("garbled.pt");
        try (ZipFile in = new ZipFile(tiny.toFile());
                ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(garbled))) {
            for (ZipEntry entry : Collections.list(in.entries())) {
                out.putNextEntry(new ZipEntry(entry.getName()));
                out.write(entry.getName().endsWith("/data.pkl") ? "garbage".getBytes(StandardCharsets.US_ASCII)
                        : in.getInputStream(entry).readAllBytes());
                out.closeEntry();
            }
        }
        e = expectThrows(CheckpointException.class, () -> TorchScriptModels.load(garbled, IN));
        assertEquals(e.getMessage(), garbled + " is not a TorchScript file libtorch can read: "
                + "Expected PROTO opcode at the start of pickle archive, found 103");
    }

    @Test
    public void savingADjlBlockIsRefusedAndWritesNothing() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block linear = Linear.builder().setUnits(2).build();
            linear.initialize(manager, ai.djl.ndarray.types.DataType.FLOAT32, new Shape(1, 3));
            Path target = tmp.resolve("linear.pt");
            IllegalArgumentException e = expectThrows(IllegalArgumentException.class,
                    () -> TorchScriptModels.save(linear, target));
            assertTrue(e.getMessage().contains("only a TorchScript module") && e.getMessage().contains("Linear"),
                    e.getMessage());
            assertFalse(Files.exists(target));
        }
    }

    /** SGD with momentum 0.9 and weight decay through DJL's Trainer, the masks held by MaskedOptimizer. */
    private static float[] fineTune(Model model, PruningMasks masks, int steps) {
        Optimizer sgd = Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.05f)).optMomentum(0.9f)
                .optWeightDecays(1e-3f).build();
        DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss()).optOptimizer(sgd);
        // A fixed set of 4 batches of 8 random images, labels in 0..3: the loss must fall on it.
        Random random = new Random(7);
        int batch = 8;
        int size = 3 * 8 * 8;
        float[][] xs = new float[4][batch * size];
        float[][] ys = new float[4][batch];
        for (int b = 0; b < 4; b++) {
            for (int i = 0; i < xs[b].length; i++) {
                xs[b][i] = (float) random.nextGaussian();
            }
            for (int i = 0; i < batch; i++) {
                ys[b][i] = random.nextInt(4);
            }
        }
        float[] losses = new float[steps];
        try (MaskedOptimizer masked = MaskedOptimizer.install(config, model.getBlock(), masks);
                Trainer trainer = model.newTrainer(config);
                NDManager data = NDManager.newBaseManager()) {
            assertNotEquals(masked.getMasks().sparsity(), 0.0);
            for (int step = 0; step < steps; step++) {
                try (NDManager scope = data.newSubManager()) {
                    NDArray x = scope.create(xs[step % 4], new Shape(batch, 3, 8, 8));
                    NDArray y = scope.create(ys[step % 4], new Shape(batch));
                    try (GradientCollector gc = trainer.newGradientCollector()) {
                        NDList out = trainer.forward(new NDList(x));
                        NDArray loss = trainer.getLoss().evaluate(new NDList(y), out);
                        losses[step] = loss.getFloat();
                        gc.backward(loss);
                    }
                    trainer.step();
                }
            }
        }
        return losses;
    }

    private static float[] forward(Block block, NDManager manager, float[] input) {
        try (NDManager scope = manager.newSubManager()) {
            NDArray x = scope.create(input, IN);
            NDArray y = block.forward(new ParameterStore(scope, false), new NDList(x), false).singletonOrThrow();
            y.attach(scope);
            return y.toFloatArray();
        }
    }

    private static Map<String, float[]> values(Block block) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            out.put(p.getKey(), p.getValue().getArray().toFloatArray());
        }
        return out;
    }

    private static void assertPrunedArePositiveZero(float[] values, PruningMasks.Mask mask, String what) {
        assertEquals(values.length, mask.shape().size());
        int pruned = 0;
        for (int i = 0; i < values.length; i++) {
            if (!mask.kept().get(i)) {
                pruned++;
                assertEquals(Float.floatToRawIntBits(values[i]), 0, what + " element " + i + " = " + values[i]);
            }
        }
        assertEquals(pruned, values.length / 2, what + " pruned count");
    }

    private static double mean(float[] v, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) {
            s += v[i];
        }
        return s / (to - from);
    }

    private static void assertClose(float[] actual, float[] expected, double tolerance, String what) {
        assertEquals(actual.length, expected.length, what + " length");
        double maxDiff = 0;
        for (int i = 0; i < actual.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
        }
        assertTrue(maxDiff <= tolerance, what + ": max abs difference " + maxDiff);
    }

    private static Map<String, Shape> shapes(JsonArray entries) {
        Map<String, Shape> out = new LinkedHashMap<>();
        for (JsonElement e : entries) {
            JsonObject o = e.getAsJsonObject();
            ImmutableList.Builder<Long> dims = ImmutableList.builder();
            o.getAsJsonArray("shape").forEach(d -> dims.add(d.getAsLong()));
            out.put(o.get("name").getAsString(), new Shape(dims.build().stream().mapToLong(Long::longValue).toArray()));
        }
        return out;
    }

    private static JsonObject reference() {
        return TestResources.json("torchscript/tiny_reference.json");
    }
}
