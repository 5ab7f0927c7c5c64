package ai.djl.pruning.onnx;

import ai.djl.pruning.onnx.proto.Onnx.TensorProto;
import com.google.common.base.Preconditions;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A decoded ONNX tensor: its dimensions and its values as doubles (floats and integers alike; int64
 * bounds such as INT64_MAX keep their meaning as "beyond any axis length" once clamped).
 *
 * @param dims the dimensions (empty for a scalar)
 * @param values the values in row-major order
 * @param isFloat whether the ONNX type is floating point
 */
record OnnxTensor(long[] dims, double[] values, boolean isFloat) {

    /** A sentinel for the batch dimension in shapes computed from {@code Shape} nodes. */
    static final double BATCH = -7_777_777;

    static OnnxTensor decode(TensorProto t) {
        Preconditions.checkArgument(t.getDataLocation() != TensorProto.DataLocation.EXTERNAL
                && t.getExternalDataCount() == 0, "tensor '%s' keeps its data in an external file, which is not "
                + "supported: save the model with its weights inside", t.getName());
        long[] dims = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
        long size = Arrays.stream(dims).reduce(1, (a, b) -> a * b);
        Preconditions.checkArgument(size <= Integer.MAX_VALUE, "tensor '%s' is too large (%s elements)", t.getName(), size);
        double[] v = new double[(int) size];
        int type = t.getDataType();
        ByteString raw = t.getRawData();
        if (!raw.isEmpty()) {
            ByteBuffer b = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            int width = switch (type) {
                case TensorProto.DataType.FLOAT_VALUE, TensorProto.DataType.INT32_VALUE -> 4;
                case TensorProto.DataType.INT64_VALUE, TensorProto.DataType.DOUBLE_VALUE -> 8;
                default -> throw unsupported(t);
            };
            Preconditions.checkArgument(raw.size() == (long) width * v.length,
                    "tensor '%s' has %s bytes of data for %s elements", t.getName(), raw.size(), v.length);
            for (int i = 0; i < v.length; i++) {
                v[i] = switch (type) {
                    case TensorProto.DataType.FLOAT_VALUE -> b.getFloat();
                    case TensorProto.DataType.INT32_VALUE -> b.getInt();
                    case TensorProto.DataType.INT64_VALUE -> b.getLong();
                    default -> b.getDouble();
                };
            }
        } else {
            int n = switch (type) {
                case TensorProto.DataType.FLOAT_VALUE -> copy(t.getFloatDataList(), v);
                case TensorProto.DataType.INT32_VALUE -> copy(t.getInt32DataList(), v);
                case TensorProto.DataType.INT64_VALUE -> copy(t.getInt64DataList(), v);
                case TensorProto.DataType.DOUBLE_VALUE -> copy(t.getDoubleDataList(), v);
                default -> throw unsupported(t);
            };
            Preconditions.checkArgument(n == v.length, "tensor '%s' has %s values for %s elements", t.getName(), n,
                    v.length);
        }
        boolean isFloat = type == TensorProto.DataType.FLOAT_VALUE || type == TensorProto.DataType.DOUBLE_VALUE;
        return new OnnxTensor(dims, v, isFloat);
    }

    private static int copy(java.util.List<? extends Number> from, double[] to) {
        for (int i = 0; i < Math.min(from.size(), to.length); i++) {
            to[i] = from.get(i).doubleValue();
        }
        return from.size();
    }

    private static IllegalArgumentException unsupported(TensorProto t) {
        return new IllegalArgumentException("tensor '" + t.getName() + "' has ONNX data type " + t.getDataType()
                + "; only float, double, int32 and int64 tensors are supported");
    }

    static OnnxTensor ints(long... values) {
        return new OnnxTensor(new long[] {values.length}, Arrays.stream(values).asDoubleStream().toArray(), false);
    }

    /** @return the values as floats (weights) */
    float[] floats() {
        float[] f = new float[values.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) values[i];
        }
        return f;
    }

    /** @return the values as longs (axes, shapes, pads), saturating at the long range */
    long[] longs() {
        return Arrays.stream(values).mapToLong(d -> (long) d).toArray();
    }

    long size() {
        return values.length;
    }

    double scalar() {
        Preconditions.checkState(values.length == 1, "expected one value, got %s", values.length);
        return values[0];
    }

    @Override
    public String toString() {
        return "OnnxTensor" + Arrays.toString(dims) + (values.length <= 16 ? Arrays.toString(values) : "");
    }
}
