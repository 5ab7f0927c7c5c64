package ai.djl.pruning.io;

import ai.djl.pruning.nn.ProbeInputs;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pruning.nn.BlockSpec;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A model saved with its architecture: {@code architecture.json} (input shape and {@link BlockSpec})
 * beside {@code parameters.params} (DJL parameters). A pruned model reloads with its own widths, no
 * original definition needed; parameters of another width are refused by {@link ParameterFiles}.
 *
 * <pre>{@code
 * ModelFiles.save(prunedNet, new Shape(1, 3, 32, 32), Paths.get("resnet56-pruned"));
 * Block again = ModelFiles.load(Paths.get("resnet56-pruned"), manager);
 * }</pre>
 */
public final class ModelFiles {

    /** Architecture file name. */
    public static final String ARCHITECTURE = "architecture.json";

    /** Parameter file name. */
    public static final String PARAMETERS = "parameters.params";

    private ModelFiles() {}

    /**
     * Saves architecture and parameters into a folder, each file atomically.
     *
     * @param block an initialised block of describable types
     * @param inputShape the input shape it is initialised with
     * @param dir the folder
     * @throws IOException on write errors
     */
    public static void save(Block block, Shape inputShape, Path dir) throws IOException {
        JsonObject o = new JsonObject();
        JsonArray shape = new JsonArray();
        for (long d : inputShape.getShape()) {
            shape.add(d);
        }
        o.add("inputShape", shape);
        o.add("block", BlockSpec.describe(block));
        String json = new GsonBuilder().setPrettyPrinting().create().toJson(o);
        ParameterFiles.save(block, dir.resolve(PARAMETERS));
        AtomicFiles.write(dir.resolve(ARCHITECTURE), out -> out.write(json.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * Rebuilds a saved model.
     *
     * @param dir the folder written by {@link #save}
     * @param manager owns the parameters
     * @return the initialised block with its parameters
     * @throws IOException if a file cannot be read
     * @throws CheckpointException if the files are malformed or the parameters do not fit
     */
    public static Block load(Path dir, NDManager manager) throws IOException, CheckpointException {
        Path arch = dir.resolve(ARCHITECTURE);
        if (!Files.isRegularFile(arch)) {
            throw new CheckpointException("no " + ARCHITECTURE + " in " + dir);
        }
        Block block;
        Shape inputShape;
        try {
            JsonObject o = JsonParser.parseString(Files.readString(arch, StandardCharsets.UTF_8)).getAsJsonObject();
            JsonArray s = o.getAsJsonArray("inputShape");
            long[] dims = new long[s.size()];
            for (int i = 0; i < dims.length; i++) {
                dims[i] = s.get(i).getAsLong();
            }
            inputShape = new Shape(dims);
            block = BlockSpec.build(o.getAsJsonObject("block"));
        } catch (JsonParseException | IllegalStateException | IllegalArgumentException | NullPointerException e) {
            throw new CheckpointException(arch + " is not a valid architecture file: " + e.getMessage(), e);
        }
        ProbeInputs.initializeForOverwrite(block, manager, inputShape);
        ParameterFiles.load(dir.resolve(PARAMETERS), block);
        return block;
    }
}
