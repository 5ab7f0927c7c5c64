package ai.djl.pruning.quantization;

import ai.djl.ndarray.types.Shape;
import com.google.common.base.Preconditions;
import java.util.Arrays;
import java.util.Locale;

/**
 * A float tensor stored as symmetric int8 values and float32 scales (the acceleration lecture's
 * "FP32 scale × int8 array"): {@code q = clamp(round(w / s), −127, 127)}, {@code s = max|w| / 127} over
 * the tensor or over each output channel (axis 0), and {@code w ≈ s·q}. Rounding is to nearest, ties to
 * even (as {@code torch.round}); a zero stays exactly zero, so quantizing a pruned tensor keeps its
 * sparsity; every element is within {@code s/2} of its original. An all-zero channel gets scale 0.
 * Immutable.
 */
public final class Int8Tensor {

    private final Shape shape;
    private final Granularity granularity;
    private final byte[] values;
    private final float[] scales;

    private Int8Tensor(Shape shape, Granularity granularity, byte[] values, float[] scales) {
        this.shape = shape;
        this.granularity = granularity;
        this.values = values;
        this.scales = scales;
    }

    /**
     * Quantizes a tensor.
     *
     * @param w the values, row-major
     * @param shape their shape (rank ≥ 1; axis 0 is the channel axis)
     * @param granularity per tensor or per channel
     * @return the quantized tensor
     */
    public static Int8Tensor quantize(float[] w, Shape shape, Granularity granularity) {
        Preconditions.checkArgument(shape.dimension() >= 1 && shape.size() == w.length,
                "%s values do not fill shape %s", w.length, shape);
        int channels = granularity == Granularity.PER_CHANNEL ? (int) shape.get(0) : 1;
        Preconditions.checkArgument(channels > 0, "shape %s has no channel", shape);
        int per = w.length / channels;
        float[] scales = new float[channels];
        byte[] q = new byte[w.length];
        for (int c = 0; c < channels; c++) {
            float max = 0;
            for (int i = c * per; i < (c + 1) * per; i++) {
                Preconditions.checkArgument(Float.isFinite(w[i]), "value %s at %s is not finite", (Object) w[i], (Object) i);
                max = Math.max(max, Math.abs(w[i]));
            }
            float s = max / 127f;
            scales[c] = s;
            for (int i = c * per; i < (c + 1) * per; i++) {
                q[i] = s == 0 ? 0 : (byte) Math.max(-127, Math.min(127, Math.rint(w[i] / s)));
            }
        }
        return new Int8Tensor(shape, granularity, q, scales);
    }

    /**
     * Rebuilds a tensor from stored values (for example read from a file).
     *
     * @param shape the shape
     * @param granularity how scales are shared
     * @param values int8 values in [−127, 127], row-major
     * @param scales one scale, or one per channel, each ≥ 0
     * @return the tensor
     */
    public static Int8Tensor of(Shape shape, Granularity granularity, byte[] values, float[] scales) {
        int channels = granularity == Granularity.PER_CHANNEL ? (int) shape.get(0) : 1;
        Preconditions.checkArgument(values.length == shape.size(), "%s values do not fill shape %s", values.length, shape);
        Preconditions.checkArgument(scales.length == channels, "%s scales for %s channels", scales.length, channels);
        for (byte v : values) {
            Preconditions.checkArgument(v != Byte.MIN_VALUE, "int8 value -128 is outside the symmetric range");
        }
        for (float s : scales) {
            Preconditions.checkArgument(s >= 0 && Float.isFinite(s), "scale %s must be finite and >= 0", s);
        }
        return new Int8Tensor(shape, granularity, values.clone(), scales.clone());
    }

    /** @return the dequantized values {@code s·q}, row-major */
    public float[] dequantize() {
        float[] w = new float[values.length];
        int per = values.length / scales.length;
        for (int i = 0; i < w.length; i++) {
            w[i] = values[i] * scales[i / per];
        }
        return w;
    }

    /** @return the shape */
    public Shape shape() {
        return shape;
    }

    /** @return per tensor or per channel */
    public Granularity granularity() {
        return granularity;
    }

    /** @return a copy of the int8 values */
    public byte[] values() {
        return values.clone();
    }

    /** @return a copy of the scales (one, or one per channel) */
    public float[] scales() {
        return scales.clone();
    }

    /** @return the number of nonzero int8 values */
    public long nonzero() {
        long n = 0;
        for (byte v : values) {
            if (v != 0) {
                n++;
            }
        }
        return n;
    }

    /** @return bytes stored: one per element plus four per scale */
    public long sizeBytes() {
        return values.length + 4L * scales.length;
    }

    /** @return bytes counting only nonzero elements (plus the scales), as the profiler's nonzero size */
    public long nonzeroSizeBytes() {
        return nonzero() + 4L * scales.length;
    }

    /**
     * Returns the largest absolute difference between original and dequantized values.
     *
     * @param original the values quantized
     * @return max |w − s·q|
     */
    public double maxError(float[] original) {
        Preconditions.checkArgument(original.length == values.length, "%s values for %s", original.length, values.length);
        float[] d = dequantize();
        double max = 0;
        for (int i = 0; i < d.length; i++) {
            max = Math.max(max, Math.abs(original[i] - d[i]));
        }
        return max;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Int8Tensor t && t.shape.equals(shape) && t.granularity == granularity
                && Arrays.equals(t.values, values) && Arrays.equals(t.scales, scales);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(values) * 31 + Arrays.hashCode(scales);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "Int8Tensor(%s, %s, %d scale%s, %,d bytes)", shape, granularity,
                scales.length, scales.length == 1 ? "" : "s", sizeBytes());
    }
}
