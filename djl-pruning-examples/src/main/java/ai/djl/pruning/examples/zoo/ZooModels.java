package ai.djl.pruning.examples.zoo;

import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pruning.examples.SharedFolder;
import ai.djl.pruning.io.CheckpointException;
import ai.djl.pruning.io.ParameterFiles;
import ai.djl.pruning.io.StateDictLoader;
import ai.djl.util.Utils;
import com.google.common.hash.Hashing;
import com.google.common.io.MoreFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Builds zoo models with weights: pretrained checkpoints, PyTorch files or DJL parameter files. */
public final class ZooModels {

    /** CIFAR-10 input shape for initialisation. */
    public static final Shape INPUT_SHAPE = new Shape(1, 3, 32, 32);

    private ZooModels() {}

    /**
     * Creates a model whose block is initialised (randomly, as for training from scratch).
     *
     * @param model the zoo entry
     * @return the DJL model; close it when done
     */
    public static Model newModel(CifarModel model) {
        Model m = Model.newInstance(model.modelName());
        Block block = model.newBlock();
        m.setBlock(block);
        block.initialize(m.getNDManager(), DataType.FLOAT32, INPUT_SHAPE);
        return m;
    }

    /**
     * Creates a model and loads weights: a PyTorch {@code torch.save} file ({@code .th}, {@code .pt},
     * {@code .pth}) or a DJL parameter file ({@code .params}); null means the zoo's pretrained checkpoint.
     *
     * @param model the zoo entry
     * @param weights the weight file, or null for the pretrained checkpoint
     * @return the DJL model; close it when done
     * @throws IOException if a file cannot be read
     * @throws CheckpointException if the weights do not fit the network
     */
    public static Model load(CifarModel model, Path weights) throws IOException, CheckpointException {
        Path file = weights == null ? pretrained(model) : weights;
        Model m = newModel(model);
        try {
            loadInto(file, m.getBlock());
            return m;
        } catch (IOException | CheckpointException | RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /**
     * Opens a model for inspection: with the given weights, else the pretrained checkpoint if the zoo has
     * one, else randomly initialised.
     *
     * @param model the zoo entry
     * @param weights a weight file, or null
     * @return the DJL model; close it when done
     * @throws IOException if a file cannot be read
     * @throws CheckpointException if the weights do not fit the network
     */
    public static Model open(CifarModel model, Path weights) throws IOException, CheckpointException {
        return weights != null || model.checkpointFile().isPresent() ? load(model, weights) : newModel(model);
    }

    /**
     * Loads a weight file into an initialised block, choosing the reader by extension.
     *
     * @param file {@code .params} (DJL) or a PyTorch file
     * @param block the initialised block
     * @throws IOException if the file cannot be read
     * @throws CheckpointException if the weights do not fit
     */
    public static void loadInto(Path file, Block block) throws IOException, CheckpointException {
        if (file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".params")) {
            ParameterFiles.load(file, block);
        } else {
            StateDictLoader.builder().build().load(file, block);
        }
    }

    /**
     * Finds the pretrained checkpoint of a zoo model and verifies its SHA-256: in {@code
     * shared/models}, else in the DJL cache ({@code <DJL cache>/djl-pruning/models}).
     *
     * @param model the zoo entry
     * @return the verified checkpoint file
     * @throws IOException if none is found or its checksum is wrong
     */
    public static Path pretrained(CifarModel model) throws IOException {
        String name = model.checkpointFile().orElseThrow(() -> new IOException(
                "the zoo has no pretrained weights for " + model.modelName() + "; pass a weights file"));
        List<Path> candidates = new ArrayList<>();
        SharedFolder.locate().ifPresent(s -> candidates.add(s.resolve("models").resolve(name)));
        candidates.add(Utils.getCacheDir().resolve("djl-pruning").resolve("models").resolve(name));
        for (Path p : candidates) {
            if (Files.isRegularFile(p)) {
                String actual = MoreFiles.asByteSource(p).hash(Hashing.sha256()).toString();
                String expected = model.checkpointSha256().orElseThrow();
                if (!actual.equals(expected)) {
                    throw new IOException("checksum mismatch for " + p + ": SHA-256 " + actual + ", expected " + expected);
                }
                return p;
            }
        }
        throw new IOException("pretrained checkpoint " + name + " not found; looked in " + candidates
                + ". Put the file (from akamaster/pytorch_resnet_cifar10, pretrained_models/) in one of them.");
    }
}
