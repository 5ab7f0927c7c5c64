package ai.djl.pruning.torchscript;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pruning.io.AtomicFiles;
import ai.djl.pruning.io.CheckpointException;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import com.google.common.base.Preconditions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Loads and saves TorchScript files ({@code torch.jit.trace} / {@code torch.jit.script} output) as DJL
 * models whose block is a {@link PtSymbolBlock} with trainable parameters, so that the project's
 * fine-grained tools work on them: {@code PrunableParameters}, {@code MagnitudePruner}, {@code
 * PruningMasks.apply}, {@code MaskedOptimizer} and {@code ModelProfile} (parameters only: the graph is
 * opaque, its MACs are reported as unknown).
 *
 * <p>Parameters are named as in PyTorch's {@code named_parameters()} ({@code 0.weight}, {@code
 * layer1.0.conv1.weight}); BatchNorm running statistics are buffers and are not listed. Masks are
 * written in place into the module's own tensors, so a forward after masking, and a saved file, see
 * the zeros.
 *
 * <pre>{@code
 * try (Model model = TorchScriptModels.load(Paths.get("net.pt"), new Shape(1, 3, 32, 32))) {
 *     Block net = model.getBlock();
 *     PruningMasks masks = MagnitudePruner.builder().build()
 *             .masks(net, SparsityPlan.uniform(PrunableParameters.of(net).keySet(), 0.5));
 *     MaskedOptimizer.install(config, net, masks);   // then train with model.newTrainer(config)
 *     TorchScriptModels.save(model, Paths.get("net-pruned.pt"));   // torch.jit.load reads it
 * }
 * }</pre>
 */
public final class TorchScriptModels {

    private static final String ENGINE = "PyTorch";
    private static final byte[] ZIP_MAGIC = {'P', 'K', 3, 4};
    private static final Pattern PYTHON_ERROR = Pattern.compile("[A-Za-z]*(Error|Exception): ");

    private TorchScriptModels() {}

    /**
     * Loads a single-input TorchScript file on the CPU with trainable parameters, and initialises the
     * block for an input shape (DJL's tools refuse uninitialised blocks; the parameters are not
     * changed). One inference-mode forward on that shape checks that the module accepts it.
     *
     * <p>The file is checked before libtorch sees it, so a wrong file gives an error that names it and
     * says what is wrong: missing, not a zip archive (a text file, a legacy {@code torch.save} pickle),
     * truncated or damaged, or a {@code torch.save} checkpoint rather than TorchScript (use {@code
     * StateDictLoader} for those).
     *
     * @param file a TorchScript file
     * @param inputShape the shape of the module's input, batch included, e.g. {@code (1, 3, 32, 32)}
     * @return a model whose block is a {@link PtSymbolBlock}; close it when done
     * @throws IOException if the file cannot be read
     * @throws CheckpointException naming the file if it is missing or not a readable TorchScript file
     * @throws IllegalArgumentException if the module refuses an input of that shape
     */
    public static Model load(Path file, Shape inputShape) throws IOException, CheckpointException {
        Preconditions.checkNotNull(file, "file");
        Preconditions.checkNotNull(inputShape, "inputShape (batch included, e.g. new Shape(1, 3, 32, 32))");
        checkTorchScriptArchive(file);
        Model model = Model.newInstance(modelName(file), ENGINE);
        try {
            // "trainParam": without it the engine freezes every parameter (inference only). The value must
            // be the String "true": the engine parses it with Boolean.parseBoolean((String) value).
            model.load(file, null, Map.of("trainParam", "true"));
            Block block = model.getBlock();
            if (!(block instanceof PtSymbolBlock module)) {
                throw new CheckpointException(file + " did not load as a TorchScript module (got "
                        + (block == null ? "no block" : block.getClass().getSimpleName()) + ")");
            }
            // The probe is an inference-mode forward. Besides checking the shape it makes DJL's record of
            // the module's mode true: a PtSymbolBlock assumes training mode and switches only when a
            // forward's mode differs, so a file saved in eval mode would otherwise train in eval mode (a
            // scripted BatchNorm would not use batch statistics). After the probe both say eval.
            try {
                module.getOutputShapes(new Shape[] {inputShape});
            } catch (EngineException e) {
                throw new IllegalArgumentException("the module of " + file + " refuses an input of shape "
                        + inputShape + ": " + reason(e.getMessage()), e);
            }
            // Records the input shape; every parameter already holds the module's tensor and is kept.
            module.initialize(model.getNDManager(), DataType.FLOAT32, inputShape);
            return model;
        } catch (EngineException e) {
            model.close();
            throw new CheckpointException(file + " is not a TorchScript file libtorch can read: "
                    + reason(e.getMessage()), e);
        } catch (IOException | CheckpointException | RuntimeException e) {
            model.close();
            throw e;
        } catch (MalformedModelException e) {
            model.close();
            throw new CheckpointException(file + " is not a readable TorchScript file: " + e.getMessage(), e);
        }
    }

    /**
     * Saves a model loaded by {@link #load} as a plain TorchScript file (what {@code
     * torch.jit.save} writes, not DJL's {@code .params} container), with the current parameter values:
     * pruned weights are stored as zeros. Both {@link #load} and PyTorch's {@code torch.jit.load} read
     * it. The file is written atomically: a reader sees the old file or the complete new one.
     *
     * <p>The module's train/eval flag is saved as it is: after an inference-mode forward (an
     * evaluation) it is eval mode. A traced module computes the same either way.
     *
     * @param model a model whose block is a {@link PtSymbolBlock}
     * @param file the target file
     * @throws IOException on write errors (the target is then unchanged)
     * @throws IllegalArgumentException if the block is not a TorchScript module
     */
    public static void save(Model model, Path file) throws IOException {
        Preconditions.checkNotNull(model, "model");
        save(model.getBlock(), file);
    }

    /**
     * Saves a TorchScript block as a plain TorchScript file; see {@link #save(Model, Path)}.
     *
     * @param block a {@link PtSymbolBlock}
     * @param file the target file
     * @throws IOException on write errors (the target is then unchanged)
     * @throws IllegalArgumentException if the block is not a TorchScript module
     */
    public static void save(Block block, Path file) throws IOException {
        Preconditions.checkNotNull(file, "file");
        Preconditions.checkArgument(block instanceof PtSymbolBlock,
                "only a TorchScript module (a PtSymbolBlock, from TorchScriptModels.load) can be saved as "
                        + "TorchScript; got %s (save DJL blocks with ModelFiles or ParameterFiles)",
                block == null ? "null" : block.getClass().getSimpleName());
        PtSymbolBlock module = (PtSymbolBlock) block;
        AtomicFiles.write(file, out -> {
            try {
                // false: no length prefix. PtSymbolBlock.saveParameters writes a version byte and a length
                // before the archive (DJL's .params framing), which torch.jit.load does not read.
                JniUtils.writeModule(module, out, false);
            } catch (EngineException e) {
                throw new IOException("libtorch could not serialise the module for " + file + ": "
                        + reason(e.getMessage()), e);
            }
        });
    }

    /** Refuses anything that is not a zip archive holding TorchScript code, naming the file and the reason. */
    private static void checkTorchScriptArchive(Path file) throws IOException, CheckpointException {
        if (!Files.exists(file)) {
            throw new CheckpointException(file + " does not exist");
        }
        if (!Files.isRegularFile(file)) {
            throw new CheckpointException(file + " is not a file");
        }
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(ZIP_MAGIC.length);
        }
        if (!Arrays.equals(head, ZIP_MAGIC)) {
            throw new CheckpointException(file + " is not a TorchScript file: TorchScript files are zip "
                    + "archives (torch.jit.save), this one starts with other bytes");
        }
        boolean hasCode;
        try (ZipFile zip = new ZipFile(file.toFile())) {
            // torch.jit.save writes <name>/code/... and <name>/constants.pkl; torch.save has neither.
            hasCode = zip.stream().map(ZipEntry::getName)
                    .map(name -> name.substring(name.indexOf('/') + 1))
                    .anyMatch(inner -> inner.startsWith("code/") || inner.equals("constants.pkl"));
        } catch (ZipException e) {
            throw new CheckpointException(file + " is truncated or damaged (its zip directory cannot be read: "
                    + e.getMessage() + ")", e);
        }
        if (!hasCode) {
            throw new CheckpointException(file + " is a zip archive without TorchScript code: probably a "
                    + "torch.save checkpoint (read those with StateDictLoader), not torch.jit.save output");
        }
    }

    private static String modelName(Path file) {
        String name = file.getFileName().toString();
        return name.endsWith(".pt") ? name.substring(0, name.length() - 3) : name;
    }

    /**
     * The useful line of a libtorch error: an interpreter failure ends with the Python-style cause
     * ({@code RuntimeError: Given groups=1, weight of size ...}) after a long TorchScript traceback; other
     * errors say it on the first line and append where in libtorch they were raised.
     */
    private static String reason(String message) {
        if (message == null || message.isBlank()) {
            return "(no message)";
        }
        List<String> lines = message.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (PYTHON_ERROR.matcher(lines.get(i)).lookingAt()) {
                return lines.get(i);
            }
        }
        return lines.get(0);
    }
}
