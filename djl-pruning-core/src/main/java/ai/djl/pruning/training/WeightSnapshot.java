package ai.djl.pruning.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pruning.io.AtomicFiles;
import ai.djl.pruning.io.CheckpointException;
import ai.djl.pruning.nn.ParameterWrites;
import ai.djl.util.Pair;
import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableMap;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The values of every parameter of a block at one moment (θ₀ at initialisation, θ_k after k steps), held
 * as copies on the Java heap: later training cannot change them, and they outlive the block's arrays.
 * Running BatchNorm statistics are included, so rewinding restores the whole state of the network.
 *
 * <pre>{@code
 * WeightSnapshot theta0 = WeightSnapshot.of(net);
 * ... train ...
 * theta0.restore(net);   // every parameter back to its initial value
 * }</pre>
 */
public final class WeightSnapshot {

    private static final int MAGIC = 0x57534e50; // "WSNP"

    /**
     * One parameter's values.
     *
     * @param shape its shape
     * @param values row-major values (a private copy: do not modify)
     */
    public record Tensor(Shape shape, float[] values) {}

    private final ImmutableMap<String, Tensor> tensors;

    private WeightSnapshot(Map<String, Tensor> tensors) {
        this.tensors = ImmutableMap.copyOf(tensors);
    }

    /**
     * Copies every parameter of an initialised block.
     *
     * @param block the block
     * @return the snapshot
     */
    public static WeightSnapshot of(Block block) {
        Preconditions.checkArgument(block.isInitialized(), "initialise the block before taking a snapshot");
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            NDArray a = p.getValue().getArray();
            out.put(p.getKey(), new Tensor(a.getShape(), a.toFloatArray()));
        }
        return new WeightSnapshot(out);
    }

    /**
     * Creates a snapshot from values (for example ones computed by a {@link TicketInit}).
     *
     * @param tensors parameter path to values
     * @return the snapshot
     */
    public static WeightSnapshot of(Map<String, Tensor> tensors) {
        tensors.forEach((k, t) -> Preconditions.checkArgument(t.shape().size() == t.values().length,
                "%s: %s values for shape %s", k, t.values().length, t.shape()));
        return new WeightSnapshot(tensors);
    }

    /** @return parameter path to values, in parameter order */
    public ImmutableMap<String, Tensor> tensors() {
        return tensors;
    }

    /**
     * Returns one parameter's values.
     *
     * @param path DJL parameter path
     * @return a copy of the values
     */
    public float[] values(String path) {
        Tensor t = tensors.get(path);
        Preconditions.checkArgument(t != null, "snapshot has no parameter '%s'", path);
        return t.values().clone();
    }

    /**
     * Writes these values into the block's parameters (all of them, or nothing if any path or shape
     * does not fit).
     *
     * @param block a block with the same parameters
     */
    public void restore(Block block) {
        Map<String, Parameter> params = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            params.put(p.getKey(), p.getValue());
        }
        List<String> problems = new ArrayList<>();
        tensors.forEach((path, t) -> {
            Parameter p = params.get(path);
            if (p == null) {
                problems.add("unknown parameter '" + path + "'");
            } else if (!p.getArray().getShape().equals(t.shape())) {
                problems.add(path + " has shape " + p.getArray().getShape() + ", the snapshot " + t.shape());
            }
        });
        Preconditions.checkArgument(problems.isEmpty(), "snapshot does not fit the block: %s", problems);
        tensors.forEach((path, t) -> {
            NDArray target = params.get(path).getArray();
            try (NDManager scope = target.getManager().newSubManager()) {
                ParameterWrites.set(target, new NDIndex("..."), scope.create(t.values(), t.shape()));
            }
        });
    }

    /**
     * Writes the snapshot atomically.
     *
     * @param file the target
     * @throws IOException on write errors
     */
    public void save(Path file) throws IOException {
        AtomicFiles.write(file, raw -> {
            DataOutputStream out = new DataOutputStream(raw);
            out.writeInt(MAGIC);
            out.writeInt(tensors.size());
            for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                out.writeUTF(e.getKey());
                long[] dims = e.getValue().shape().getShape();
                out.writeInt(dims.length);
                for (long d : dims) {
                    out.writeLong(d);
                }
                for (float v : e.getValue().values()) {
                    out.writeFloat(v);
                }
            }
            out.flush();
        });
    }

    /**
     * Reads a snapshot written by {@link #save}.
     *
     * @param file the file
     * @return the snapshot
     * @throws IOException if it cannot be read
     * @throws CheckpointException if it is not a snapshot or is truncated
     */
    public static WeightSnapshot load(Path file) throws IOException, CheckpointException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            if (in.readInt() != MAGIC) {
                throw new CheckpointException(file + " is not a weight snapshot");
            }
            int count = in.readInt();
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (int i = 0; i < count; i++) {
                String path = in.readUTF();
                long[] dims = new long[in.readInt()];
                for (int d = 0; d < dims.length; d++) {
                    dims[d] = in.readLong();
                }
                Shape shape = new Shape(dims);
                float[] values = new float[Math.toIntExact(shape.size())];
                for (int j = 0; j < values.length; j++) {
                    values[j] = in.readFloat();
                }
                out.put(path, new Tensor(shape, values));
            }
            return new WeightSnapshot(out);
        } catch (EOFException e) {
            throw new CheckpointException(file + " is truncated", e);
        }
    }

    @Override
    public String toString() {
        return "WeightSnapshot(" + tensors.size() + " parameters)";
    }
}
