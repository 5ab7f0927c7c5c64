package ai.djl.pruning.quantization;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pruning.nn.BlockSpec;
import ai.djl.pruning.nn.ParameterWrites;
import ai.djl.util.Pair;
import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableMap;
import java.util.Locale;
import java.util.Map;

/**
 * The int8 weights of a model (parameter path → {@link Int8Tensor}), made by {@link WeightQuantizer}.
 * The model runs with dequantized weights written into a copy ({@link #dequantizedCopy}); sizes count
 * quantized tensors at 8 bits plus their float32 scales and every other trainable parameter at 32 bits.
 */
public final class QuantizedWeights {

    private final ImmutableMap<String, Int8Tensor> tensors;

    QuantizedWeights(Map<String, Int8Tensor> tensors) {
        this.tensors = ImmutableMap.copyOf(tensors);
    }

    /**
     * Wraps int8 tensors (for example read back from a file).
     *
     * @param tensors parameter path → tensor
     * @return the weights
     */
    public static QuantizedWeights of(Map<String, Int8Tensor> tensors) {
        return new QuantizedWeights(tensors);
    }

    /** @return parameter path → int8 tensor */
    public ImmutableMap<String, Int8Tensor> tensors() {
        return tensors;
    }

    /**
     * Copies a block (architecture and every parameter) and writes the dequantized weights into the
     * copy; the block is not changed.
     *
     * @param block the block the weights were quantized from
     * @param inputShape an input shape to initialise the copy with
     * @param manager owns the copy
     * @return the copy, runnable like the original
     */
    public Block dequantizedCopy(Block block, Shape inputShape, NDManager manager) {
        validate(block);
        Block copy = BlockSpec.copy(block, inputShape, manager);
        writeInto(copy);
        return copy;
    }

    /**
     * Writes the dequantized weights into a block of the same structure (in place).
     *
     * @param block the target
     */
    public void writeInto(Block block) {
        validate(block);
        var params = block.getParameters();
        tensors.forEach((path, t) -> {
            NDArray a = params.get(path).getArray();
            try (NDManager scope = a.getManager().newSubManager();
                    NDArray v = scope.create(t.dequantize(), a.getShape()).toDevice(a.getDevice(), false)) {
                ParameterWrites.set(a, new NDIndex("..."), v);
            }
        });
    }

    /**
     * Checks that every quantized tensor names a parameter of the block with the same shape.
     *
     * @param block the block
     * @throws IllegalArgumentException naming the first mismatch
     */
    public void validate(Block block) {
        var params = block.getParameters();
        tensors.forEach((path, t) -> {
            Preconditions.checkArgument(params.contains(path), "the block has no parameter %s", path);
            Shape s = params.get(path).getArray().getShape();
            Preconditions.checkArgument(s.equals(t.shape()), "%s is %s in the block, %s quantized", path, s, t.shape());
        });
    }

    /**
     * Returns the model size with the quantized tensors at 8 bits plus their scales and every other
     * trainable parameter at 32 bits (BatchNorm running statistics are not counted, as in {@code
     * ModelProfile}).
     *
     * @param block the block the weights were quantized from
     * @return bytes
     */
    public long sizeBytes(Block block) {
        return size(block, false);
    }

    /**
     * As {@link #sizeBytes}, counting only nonzero elements (of quantized and float tensors) plus the
     * scales, as {@code ModelProfile#nonzeroSizeBytes}.
     *
     * @param block the block
     * @return bytes
     */
    public long nonzeroSizeBytes(Block block) {
        return size(block, true);
    }

    private long size(Block block, boolean nonzeroOnly) {
        validate(block);
        long bytes = 0;
        for (Pair<String, Parameter> p : block.getParameters()) {
            if (!p.getValue().requiresGradient()) {
                continue;
            }
            Int8Tensor t = tensors.get(p.getKey());
            if (t != null) {
                bytes += nonzeroOnly ? t.nonzeroSizeBytes() : t.sizeBytes();
            } else {
                NDArray a = p.getValue().getArray();
                if (nonzeroOnly) {
                    try (NDArray nz = a.countNonzero()) {
                        bytes += 4 * nz.getLong();
                    }
                } else {
                    bytes += 4 * a.size();
                }
            }
        }
        return bytes;
    }

    /** @return one line per tensor: shape, granularity, scales, nonzeros, bytes */
    public String toTable() {
        StringBuilder sb = new StringBuilder();
        String f = "%-40s %-16s %-12s %8s %12s %12s%n";
        sb.append(String.format(Locale.ROOT, f, "tensor", "shape", "granularity", "scales", "nonzero", "bytes"));
        long total = 0;
        for (Map.Entry<String, Int8Tensor> e : tensors.entrySet()) {
            Int8Tensor t = e.getValue();
            total += t.sizeBytes();
            sb.append(String.format(Locale.ROOT, f, e.getKey(), t.shape(), t.granularity(), t.scales().length,
                    String.format(Locale.ROOT, "%,d", t.nonzero()), String.format(Locale.ROOT, "%,d", t.sizeBytes())));
        }
        sb.append(String.format(Locale.ROOT, "%d int8 tensors, %,d bytes with scales%n", tensors.size(), total));
        return sb.toString();
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "QuantizedWeights(%d tensors)", tensors.size());
    }
}
