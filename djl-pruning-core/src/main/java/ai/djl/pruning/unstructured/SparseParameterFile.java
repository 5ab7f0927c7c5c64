package ai.djl.pruning.unstructured;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pruning.io.AtomicFiles;
import ai.djl.pruning.io.CheckpointException;
import ai.djl.pruning.nn.ParameterWrites;
import ai.djl.util.Pair;
import com.google.common.base.Preconditions;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A compact file for pruned float32 parameters: each tensor is stored either dense or as a bitmask
 * (one bit per element) plus its nonzero values, whichever is smaller, so the file shrinks with
 * sparsity (at 75% zeros a tensor takes n/8 + n bytes instead of 4n). Loading restores bit-identical
 * dense weights into an initialised block of the same structure, checking every name and shape first.
 */
public final class SparseParameterFile {

    private static final int MAGIC = 0x53505253; // "SPRS"
    private static final int VERSION = 1;
    private static final byte DENSE = 0;
    private static final byte BITMASK = 1;

    private SparseParameterFile() {}

    /**
     * Writes every float32 parameter of the block (running statistics included) atomically.
     *
     * @param block an initialised block
     * @param file the target
     * @throws IOException on write errors
     */
    public static void save(Block block, Path file) throws IOException {
        AtomicFiles.write(file, raw -> {
            DataOutputStream out = new DataOutputStream(raw);
            out.writeInt(MAGIC);
            out.writeInt(VERSION);
            out.writeInt(block.getParameters().size());
            for (Pair<String, Parameter> p : block.getParameters()) {
                NDArray a = p.getValue().getArray();
                Preconditions.checkArgument(a.getDataType() == DataType.FLOAT32,
                        "%s is %s; only float32 parameters are supported", p.getKey(), a.getDataType());
                float[] v = a.toFloatArray();
                out.writeUTF(p.getKey());
                long[] dims = a.getShape().getShape();
                out.writeInt(dims.length);
                for (long d : dims) {
                    out.writeLong(d);
                }
                writeFloats(out, v);
            }
            out.flush();
        });
    }

    /**
     * Loads a file written by {@link #save} into an initialised block of the same structure.
     *
     * @param file the file
     * @param block the block; unchanged if this throws
     * @throws IOException if the file cannot be read
     * @throws CheckpointException if the file is not such a file, is truncated, or does not fit
     */
    public static void load(Path file, Block block) throws IOException, CheckpointException {
        Map<String, float[]> values = new LinkedHashMap<>();
        Map<String, Shape> shapes = new LinkedHashMap<>();
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            if (in.readInt() != MAGIC || in.readInt() != VERSION) {
                throw new CheckpointException(file + " is not a sparse parameter file (version " + VERSION + ")");
            }
            int count = in.readInt();
            for (int t = 0; t < count; t++) {
                String name = in.readUTF();
                long[] dims = new long[in.readInt()];
                for (int d = 0; d < dims.length; d++) {
                    dims[d] = in.readLong();
                }
                Shape shape = new Shape(dims);
                byte encoding = in.readByte();
                if (encoding != BITMASK && encoding != DENSE) {
                    throw new CheckpointException(file + ": unknown encoding " + encoding + " for " + name);
                }
                float[] v = readFloats(in, encoding, Math.toIntExact(shape.size()));
                values.put(name, v);
                shapes.put(name, shape);
            }
        } catch (EOFException e) {
            throw new CheckpointException(file + " is truncated", e);
        }
        ParameterWrites.setAllChecked(file, block, shapes, values);
    }

    /**
     * Writes one float tensor as its encoding byte ({@code 0} dense, {@code 1} bitmask) and data, choosing
     * the bitmask + nonzero values when that is smaller. The int8 parameter file stores its float tensors
     * the same way.
     *
     * @param out the stream
     * @param v the values
     * @throws IOException on write errors
     */
    public static void writeFloats(DataOutputStream out, float[] v) throws IOException {
        int nonzero = 0;
        BitSet mask = new BitSet(v.length);
        for (int i = 0; i < v.length; i++) {
            // Bit pattern, not value: -0.0 must come back as -0.0.
            if (Float.floatToRawIntBits(v[i]) != 0) {
                mask.set(i);
                nonzero++;
            }
        }
        long sparseBytes = 4L + 8L * ((v.length + 63) / 64) + 4L * nonzero;
        if (sparseBytes < 4L * v.length) {
            out.writeByte(BITMASK);
            writeMask(out, mask);
            for (int i = mask.nextSetBit(0); i >= 0; i = mask.nextSetBit(i + 1)) {
                out.writeFloat(v[i]);
            }
        } else {
            out.writeByte(DENSE);
            for (float f : v) {
                out.writeFloat(f);
            }
        }
    }

    /**
     * Reads one float tensor written by {@link #writeFloats}, after its encoding byte.
     *
     * @param in the stream
     * @param encoding {@code 0} dense or {@code 1} bitmask
     * @param n the number of elements
     * @return the values
     * @throws IOException on read errors
     */
    public static float[] readFloats(DataInputStream in, byte encoding, int n) throws IOException {
        Preconditions.checkArgument(encoding == DENSE || encoding == BITMASK, "not a float encoding: %s", encoding);
        float[] v = new float[n];
        if (encoding == BITMASK) {
            BitSet mask = readMask(in);
            for (int i = mask.nextSetBit(0); i >= 0; i = mask.nextSetBit(i + 1)) {
                v[i] = in.readFloat();
            }
        } else {
            for (int i = 0; i < n; i++) {
                v[i] = in.readFloat();
            }
        }
        return v;
    }

    /**
     * Writes a bitmask as its word count and 64-bit words.
     *
     * @param out the stream
     * @param mask the mask
     * @throws IOException on write errors
     */
    public static void writeMask(DataOutputStream out, BitSet mask) throws IOException {
        long[] words = mask.toLongArray();
        out.writeInt(words.length);
        for (long w : words) {
            out.writeLong(w);
        }
    }

    /**
     * Reads a bitmask written by {@link #writeMask}.
     *
     * @param in the stream
     * @return the mask
     * @throws IOException on read errors
     */
    public static BitSet readMask(DataInputStream in) throws IOException {
        long[] words = new long[in.readInt()];
        for (int w = 0; w < words.length; w++) {
            words[w] = in.readLong();
        }
        return BitSet.valueOf(words);
    }
}
