package ai.djl.pruning.io;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import com.google.common.base.Preconditions;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Saves and loads a block's parameters in DJL's own format ({@link Block#saveParameters}), atomically
 * and with the shape checks DJL leaves out.
 *
 * <p>{@link Block#loadParameters} accepts arrays of the wrong shape silently; {@link #load} compares
 * every shape with the block's and, on any mismatch or read error, restores the parameters the block
 * had before and throws a {@link CheckpointException} listing each problem.
 */
public final class ParameterFiles {

    private ParameterFiles() {}

    /**
     * Writes the block's parameters atomically.
     *
     * @param block an initialised block
     * @param file the target file
     * @throws IOException on write errors; an existing file is then unchanged
     */
    public static void save(Block block, Path file) throws IOException {
        Preconditions.checkState(block.isInitialized(), "cannot save the parameters of an uninitialised block");
        AtomicFiles.write(file, out -> block.saveParameters(new DataOutputStream(out)));
    }

    /**
     * Loads parameters saved by {@link #save} into an initialised block of the same structure.
     *
     * @param file the parameter file
     * @param block the block; unchanged if this throws
     * @throws IOException if the file cannot be read
     * @throws CheckpointException if the file does not fit the block
     */
    public static void load(Path file, Block block) throws IOException, CheckpointException {
        Preconditions.checkState(block.isInitialized(), "initialise the block before loading parameters");
        if (!Files.isRegularFile(file)) {
            throw new CheckpointException("parameter file not found: " + file);
        }
        NDManager manager = block.getParameters().get(0).getValue().getArray().getManager();
        Map<String, Shape> expected = shapes(block);
        byte[] backup = serialise(block);
        List<String> problems = new ArrayList<>();
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            block.loadParameters(manager, new DataInputStream(in));
            Map<String, Shape> actual = shapes(block);
            expected.forEach((name, shape) -> {
                if (!shape.equals(actual.get(name))) {
                    problems.add(String.format("shape mismatch for %s: file has %s, block expects %s",
                            name, actual.get(name), shape));
                }
            });
        } catch (IOException | MalformedModelException | RuntimeException e) {
            problems.add("cannot read " + file + " as DJL parameters of this block: " + e.getMessage());
        }
        if (!problems.isEmpty()) {
            try {
                block.loadParameters(manager, new DataInputStream(new ByteArrayInputStream(backup)));
            } catch (MalformedModelException e) {
                throw new IllegalStateException("could not restore parameters after a failed load", e);
            }
            throw new CheckpointException(
                    file + " does not fit the block; its parameters were restored", problems);
        }
    }

    private static Map<String, Shape> shapes(Block block) {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            shapes.put(p.getKey(), p.getValue().getArray().getShape());
        }
        return shapes;
    }

    private static byte[] serialise(Block block) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        block.saveParameters(new DataOutputStream(bytes));
        return bytes.toByteArray();
    }
}
