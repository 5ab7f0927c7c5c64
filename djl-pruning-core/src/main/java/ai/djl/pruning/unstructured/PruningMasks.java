package ai.djl.pruning.unstructured;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
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
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Fine-grained pruning masks: DJL parameter path → which elements are kept. An immutable value held
 * on the Java heap (one bit per element), so it can be printed, compared, combined, saved and applied
 * to any block with those parameters.
 *
 * <pre>{@code
 * PruningMasks masks = MagnitudePruner.builder().build().masks(net, plan);
 * masks.apply(net);                  // zero the pruned weights in place
 * masks.save(Paths.get("net.masks"));
 * }</pre>
 */
public final class PruningMasks {

    private static final int MAGIC = 0x504d534b; // "PMSK"
    private static final int VERSION = 1;

    /**
     * One parameter's mask.
     *
     * @param shape the parameter's shape
     * @param kept bit i set if element i (row-major) is kept
     */
    public record Mask(Shape shape, BitSet kept) {

        /** @return elements kept */
        public long keptCount() {
            return kept.cardinality();
        }

        /** @return fraction of elements pruned */
        public double sparsity() {
            return 1.0 - (double) keptCount() / shape.size();
        }

        /**
         * Creates a 0/1 float array of this mask.
         *
         * @param manager the owner of the array
         * @return the mask array
         */
        public NDArray toNDArray(NDManager manager) {
            float[] values = new float[Math.toIntExact(shape.size())];
            for (int i = kept.nextSetBit(0); i >= 0; i = kept.nextSetBit(i + 1)) {
                values[i] = 1f;
            }
            return manager.create(values, shape);
        }
    }

    private final ImmutableMap<String, Mask> masks;

    private PruningMasks(Map<String, Mask> masks) {
        this.masks = ImmutableMap.copyOf(masks);
    }

    /**
     * Creates masks.
     *
     * @param masks DJL path to mask
     * @return the masks
     */
    public static PruningMasks of(Map<String, Mask> masks) {
        return new PruningMasks(masks);
    }

    /**
     * Reads masks from 0/1 (or boolean) arrays: any nonzero element counts as kept.
     *
     * @param arrays DJL path to array
     * @return the masks
     */
    public static PruningMasks fromArrays(Map<String, NDArray> arrays) {
        Map<String, Mask> out = new LinkedHashMap<>();
        arrays.forEach((path, a) -> {
            float[] v = a.toType(DataType.FLOAT32, false).toFloatArray();
            BitSet kept = new BitSet(v.length);
            for (int i = 0; i < v.length; i++) {
                if (v[i] != 0f) {
                    kept.set(i);
                }
            }
            out.put(path, new Mask(a.getShape(), kept));
        });
        return new PruningMasks(out);
    }

    /** @return path to mask, in order */
    public ImmutableMap<String, Mask> masks() {
        return masks;
    }

    /**
     * Returns one mask.
     *
     * @param path DJL parameter path
     * @return the mask
     * @throws IllegalArgumentException if there is none for the path
     */
    public Mask get(String path) {
        Mask m = masks.get(path);
        Preconditions.checkArgument(m != null, "no mask for parameter '%s'", path);
        return m;
    }

    /** @return fraction of masked elements over all masks */
    public double sparsity() {
        long total = 0;
        long kept = 0;
        for (Mask m : masks.values()) {
            total += m.shape().size();
            kept += m.keptCount();
        }
        return total == 0 ? 0 : 1.0 - (double) kept / total;
    }

    /**
     * Combines with other masks: an element is kept only if both keep it (a later pruning round prunes
     * only survivors). Paths in only one of them keep that one's mask.
     *
     * @param other the other masks
     * @return the combined masks
     */
    public PruningMasks and(PruningMasks other) {
        Map<String, Mask> out = new LinkedHashMap<>(masks);
        other.masks.forEach((path, m) -> out.merge(path, m, (a, b) -> {
            Preconditions.checkArgument(a.shape().equals(b.shape()),
                    "masks of %s differ in shape: %s vs %s", path, a.shape(), b.shape());
            BitSet both = (BitSet) a.kept().clone();
            both.and(b.kept());
            return new Mask(a.shape(), both);
        }));
        return new PruningMasks(out);
    }

    /**
     * Checks that every mask names an existing parameter of the same shape.
     *
     * @param block the block
     * @throws IllegalArgumentException listing every unknown path and shape mismatch
     */
    public void validate(Block block) {
        Map<String, Parameter> params = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            params.put(p.getKey(), p.getValue());
        }
        List<String> problems = new ArrayList<>();
        masks.forEach((path, m) -> {
            Parameter p = params.get(path);
            if (p == null) {
                problems.add("unknown parameter path '" + path + "'");
            } else if (!p.getArray().getShape().equals(m.shape())) {
                problems.add(String.format("mask of %s has shape %s, the parameter %s", path, m.shape(),
                        p.getArray().getShape()));
            }
        });
        Preconditions.checkArgument(problems.isEmpty(), "masks do not fit the block: %s", problems);
    }

    /**
     * Zeroes the pruned elements of the block's parameters in place (permanent: the values are gone).
     * Nothing is changed if any mask does not fit.
     *
     * @param block the block
     */
    public void apply(Block block) {
        validate(block);
        for (Pair<String, Parameter> p : block.getParameters()) {
            Mask m = masks.get(p.getKey());
            if (m != null) {
                NDArray weight = p.getValue().getArray();
                try (NDManager scope = weight.getManager().newSubManager()) {
                    NDArray mask = m.toNDArray(scope).toDevice(weight.getDevice(), false);
                    zeroPruned(weight, mask);
                }
            }
        }
    }

    /**
     * Multiplies a weight by its 0/1 mask in place, leaving +0.0 (not -0.0) at pruned positions, so
     * that pruned weights are bit-for-bit zero.
     *
     * @param weight the weight
     * @param mask the mask, same shape and device
     */
    static void zeroPruned(NDArray weight, NDArray mask) {
        ParameterWrites.mask(weight, mask);
    }

    /**
     * Writes the masks (one bit per element) atomically.
     *
     * @param file the target file
     * @throws IOException on write errors
     */
    public void save(Path file) throws IOException {
        AtomicFiles.write(file, raw -> {
            DataOutputStream out = new DataOutputStream(raw);
            out.writeInt(MAGIC);
            out.writeInt(VERSION);
            out.writeInt(masks.size());
            for (Map.Entry<String, Mask> e : masks.entrySet()) {
                out.writeUTF(e.getKey());
                long[] dims = e.getValue().shape().getShape();
                out.writeInt(dims.length);
                for (long d : dims) {
                    out.writeLong(d);
                }
                long[] words = e.getValue().kept().toLongArray();
                out.writeInt(words.length);
                for (long w : words) {
                    out.writeLong(w);
                }
            }
            out.flush();
        });
    }

    /**
     * Reads masks written by {@link #save}.
     *
     * @param file the mask file
     * @return the masks
     * @throws IOException if the file cannot be read
     * @throws CheckpointException if it is not a mask file or is truncated
     */
    public static PruningMasks load(Path file) throws IOException, CheckpointException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            if (in.readInt() != MAGIC) {
                throw new CheckpointException(file + " is not a pruning-mask file");
            }
            int version = in.readInt();
            if (version != VERSION) {
                throw new CheckpointException(file + " has unsupported mask-file version " + version);
            }
            int count = in.readInt();
            Map<String, Mask> masks = new LinkedHashMap<>();
            for (int i = 0; i < count; i++) {
                String path = in.readUTF();
                long[] dims = new long[in.readInt()];
                for (int d = 0; d < dims.length; d++) {
                    dims[d] = in.readLong();
                }
                long[] words = new long[in.readInt()];
                for (int w = 0; w < words.length; w++) {
                    words[w] = in.readLong();
                }
                masks.put(path, new Mask(new Shape(dims), BitSet.valueOf(words)));
            }
            return new PruningMasks(masks);
        } catch (EOFException e) {
            throw new CheckpointException(file + " is truncated", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PruningMasks p && p.masks.equals(masks);
    }

    @Override
    public int hashCode() {
        return masks.hashCode();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "PruningMasks(%d tensors, sparsity %.4f)",
                masks.size(), sparsity()));
        masks.forEach((k, m) -> sb.append(String.format(Locale.ROOT, "%n  %s %s: sparsity %.4f", k, m.shape(),
                m.sparsity())));
        return sb.toString();
    }
}
