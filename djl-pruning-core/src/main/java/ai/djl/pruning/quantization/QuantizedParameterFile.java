package ai.djl.pruning.quantization;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pruning.io.AtomicFiles;
import ai.djl.pruning.io.CheckpointException;
import ai.djl.pruning.nn.ParameterWrites;
import ai.djl.pruning.unstructured.SparseParameterFile;
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
 * A compact file for a quantized (and possibly pruned) model: int8 tensors are stored as their scales
 * plus either every int8 value or a bitmask of the nonzero ones and those values, whichever is
 * smaller; other float32 parameters (biases, BatchNorm, running statistics) dense or as a bitmask, as
 * in {@code unstructured.SparseParameterFile}. A model pruned to 25% then quantized takes about
 * {@code n/8 + n/4} bytes for its weights instead of {@code 4n}. Loading writes the dequantized weights
 * into an initialised block of the same structure, checking every name and shape first.
 */
public final class QuantizedParameterFile {

    private static final int MAGIC = 0x514E5438; // "QNT8"
    private static final int VERSION = 1;
    // Float tensors use SparseParameterFile's encodings 0 (dense) and 1 (bitmask).
    private static final byte FLOAT_DENSE = 0;
    private static final byte FLOAT_BITMASK = 1;
    private static final byte INT8_DENSE = 2;
    private static final byte INT8_BITMASK = 3;

    private QuantizedParameterFile() {}

    /**
     * Writes every parameter of the block atomically, the quantized ones as int8.
     *
     * @param block an initialised block (its float parameters are written for the unquantized tensors)
     * @param weights the int8 weights, made from this block
     * @param file the target
     * @throws IOException on write errors
     */
    public static void save(Block block, QuantizedWeights weights, Path file) throws IOException {
        weights.validate(block);
        AtomicFiles.write(file, raw -> {
            DataOutputStream out = new DataOutputStream(raw);
            out.writeInt(MAGIC);
            out.writeInt(VERSION);
            out.writeInt(block.getParameters().size());
            for (Pair<String, Parameter> p : block.getParameters()) {
                NDArray a = p.getValue().getArray();
                out.writeUTF(p.getKey());
                long[] dims = a.getShape().getShape();
                out.writeInt(dims.length);
                for (long d : dims) {
                    out.writeLong(d);
                }
                Int8Tensor q = weights.tensors().get(p.getKey());
                if (q != null) {
                    writeInt8(out, q);
                } else {
                    Preconditions.checkArgument(a.getDataType() == DataType.FLOAT32,
                            "%s is %s; only float32 parameters are supported", p.getKey(), a.getDataType());
                    SparseParameterFile.writeFloats(out, a.toFloatArray());
                }
            }
            out.flush();
        });
    }

    private static void writeInt8(DataOutputStream out, Int8Tensor q) throws IOException {
        byte[] v = q.values();
        float[] scales = q.scales();
        BitSet mask = new BitSet(v.length);
        int nonzero = 0;
        for (int i = 0; i < v.length; i++) {
            if (v[i] != 0) {
                mask.set(i);
                nonzero++;
            }
        }
        boolean sparse = 4L + 8L * ((v.length + 63) / 64) + nonzero < v.length;
        out.writeByte(sparse ? INT8_BITMASK : INT8_DENSE);
        out.writeByte(q.granularity().ordinal());
        out.writeInt(scales.length);
        for (float s : scales) {
            out.writeFloat(s);
        }
        if (sparse) {
            SparseParameterFile.writeMask(out, mask);
            for (int i = mask.nextSetBit(0); i >= 0; i = mask.nextSetBit(i + 1)) {
                out.writeByte(v[i]);
            }
        } else {
            out.write(v);
        }
    }

    /**
     * Reads the int8 tensors of a file (the float parameters are skipped).
     *
     * @param file a file written by {@link #save}
     * @return the int8 weights
     * @throws IOException if the file cannot be read
     * @throws CheckpointException if it is not such a file or is truncated
     */
    public static QuantizedWeights readWeights(Path file) throws IOException, CheckpointException {
        Map<String, Int8Tensor> q = new LinkedHashMap<>();
        read(file, new LinkedHashMap<>(), new LinkedHashMap<>(), q);
        return QuantizedWeights.of(q);
    }

    /**
     * Loads a file written by {@link #save} into an initialised block of the same structure: the int8
     * tensors dequantized, the others as stored.
     *
     * @param file the file
     * @param block the block; unchanged if this throws
     * @throws IOException if the file cannot be read
     * @throws CheckpointException if the file is not such a file, is truncated, or does not fit
     */
    public static void load(Path file, Block block) throws IOException, CheckpointException {
        Map<String, float[]> values = new LinkedHashMap<>();
        Map<String, Shape> shapes = new LinkedHashMap<>();
        Map<String, Int8Tensor> quantized = new LinkedHashMap<>();
        read(file, values, shapes, quantized);
        ParameterWrites.setAllChecked(file, block, shapes, values);
    }

    private static void read(Path file, Map<String, float[]> values, Map<String, Shape> shapes,
            Map<String, Int8Tensor> quantized) throws IOException, CheckpointException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            if (in.readInt() != MAGIC || in.readInt() != VERSION) {
                throw new CheckpointException(file + " is not a quantized parameter file (version " + VERSION + ")");
            }
            int count = in.readInt();
            for (int t = 0; t < count; t++) {
                String name = in.readUTF();
                long[] dims = new long[in.readInt()];
                for (int d = 0; d < dims.length; d++) {
                    dims[d] = in.readLong();
                }
                Shape shape = new Shape(dims);
                int n = Math.toIntExact(shape.size());
                byte encoding = in.readByte();
                float[] v;
                if (encoding == INT8_DENSE || encoding == INT8_BITMASK) {
                    int g = in.readByte();
                    if (g < 0 || g >= Granularity.values().length) {
                        throw new CheckpointException(file + ": unknown granularity " + g + " for " + name);
                    }
                    float[] scales = new float[in.readInt()];
                    for (int s = 0; s < scales.length; s++) {
                        scales[s] = in.readFloat();
                    }
                    byte[] q = new byte[n];
                    if (encoding == INT8_BITMASK) {
                        BitSet mask = SparseParameterFile.readMask(in);
                        for (int i = mask.nextSetBit(0); i >= 0; i = mask.nextSetBit(i + 1)) {
                            q[i] = in.readByte();
                        }
                    } else {
                        in.readFully(q);
                    }
                    Int8Tensor tensor;
                    try {
                        tensor = Int8Tensor.of(shape, Granularity.values()[g], q, scales);
                    } catch (IllegalArgumentException e) {
                        throw new CheckpointException(file + ": " + name + ": " + e.getMessage(), e);
                    }
                    quantized.put(name, tensor);
                    v = tensor.dequantize();
                } else if (encoding == FLOAT_BITMASK || encoding == FLOAT_DENSE) {
                    v = SparseParameterFile.readFloats(in, encoding, n);
                } else {
                    throw new CheckpointException(file + ": unknown encoding " + encoding + " for " + name);
                }
                values.put(name, v);
                shapes.put(name, shape);
            }
        } catch (EOFException e) {
            throw new CheckpointException(file + " is truncated", e);
        }
    }
}
