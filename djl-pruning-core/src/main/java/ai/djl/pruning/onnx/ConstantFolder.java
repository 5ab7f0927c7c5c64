package ai.djl.pruning.onnx;

import ai.djl.ndarray.types.Shape;
import ai.djl.pruning.onnx.proto.Onnx.AttributeProto;
import ai.djl.pruning.onnx.proto.Onnx.NodeProto;
import com.google.common.base.Preconditions;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Evaluates the constant parts of an ONNX graph on demand: initializers, {@code Constant} nodes, and the
 * small integer subgraphs exporters emit to compute pads and shapes ({@code ConstantOfShape}, {@code
 * Concat}, {@code Reshape}, {@code Slice}, {@code Transpose}, {@code Cast}, {@code Shape}, {@code
 * Gather}, {@code Unsqueeze}, {@code Squeeze}, {@code Identity}). {@code Shape} of a data tensor gives
 * its shape with the batch dimension as {@link OnnxTensor#BATCH}, so a reshape to (N, −1) is recognised
 * whatever the batch size.
 */
final class ConstantFolder {

    /** Operators evaluated here when all their inputs are constant. */
    static final Set<String> OPS = Set.of("Constant", "ConstantOfShape", "Concat", "Reshape", "Slice", "Transpose",
            "Cast", "Shape", "Gather", "Unsqueeze", "Squeeze", "Identity");

    private final Map<String, OnnxTensor> values = new HashMap<>();
    private final Map<String, NodeProto> producers;
    private final Function<String, Shape> dataShapes;

    /**
     * @param initializers the graph's initializers by name
     * @param producers the node producing each tensor
     * @param dataShapes the shape of a data tensor (null if it is not one, or not known yet)
     */
    ConstantFolder(Map<String, OnnxTensor> initializers, Map<String, NodeProto> producers,
            Function<String, Shape> dataShapes) {
        this.values.putAll(initializers);
        this.producers = producers;
        this.dataShapes = dataShapes;
    }

    /**
     * Returns the value of a tensor if it is constant.
     *
     * @param name the tensor
     * @return its value, or empty if it depends on data (other than through its shape)
     */
    Optional<OnnxTensor> value(String name) {
        if (name.isEmpty()) {
            return Optional.empty();
        }
        OnnxTensor known = values.get(name);
        if (known != null) {
            return Optional.of(known);
        }
        NodeProto node = producers.get(name);
        if (node == null || !OPS.contains(node.getOpType())) {
            return Optional.empty();
        }
        Optional<OnnxTensor> v = evaluate(node);
        v.ifPresent(t -> values.put(name, t));
        return v;
    }

    boolean isConstant(String name) {
        return value(name).isPresent();
    }

    private Optional<OnnxTensor> evaluate(NodeProto n) {
        if (n.getOpType().equals("Shape")) {
            Shape s = dataShapes.apply(n.getInput(0));
            if (s == null) {
                return value(n.getInput(0)).map(t -> OnnxTensor.ints(t.dims()));
            }
            double[] dims = new double[s.dimension()];
            for (int i = 0; i < dims.length; i++) {
                dims[i] = i == 0 ? OnnxTensor.BATCH : s.get(i);
            }
            return Optional.of(new OnnxTensor(new long[] {dims.length}, dims, false));
        }
        OnnxTensor[] in = new OnnxTensor[n.getInputCount()];
        for (int i = 0; i < in.length; i++) {
            if (n.getInput(i).isEmpty()) {
                continue; // an optional input left out
            }
            Optional<OnnxTensor> v = value(n.getInput(i));
            if (v.isEmpty()) {
                return Optional.empty();
            }
            in[i] = v.get();
        }
        return Optional.of(switch (n.getOpType()) {
            case "Constant" -> OnnxTensor.decode(attribute(n, "value").orElseThrow(() -> new IllegalArgumentException(
                    "Constant node '" + n.getName() + "' has no tensor 'value'")).getT());
            case "ConstantOfShape" -> constantOfShape(n, in[0]);
            case "Concat" -> concat(n, in);
            case "Reshape" -> reshape(in[0], in[1].longs());
            case "Slice" -> slice(n, in);
            case "Transpose" -> transpose(n, in[0]);
            case "Cast" -> cast(n, in[0]);
            case "Gather" -> gather(n, in[0], in[1]);
            case "Unsqueeze", "Squeeze" -> squeeze(n, in);
            default -> in[0]; // Identity
        });
    }

    static Optional<AttributeProto> attribute(NodeProto n, String name) {
        return n.getAttributeList().stream().filter(a -> a.getName().equals(name)).findFirst();
    }

    static long intAttribute(NodeProto n, String name, long fallback) {
        return attribute(n, name).map(AttributeProto::getI).orElse(fallback);
    }

    static long[] intsAttribute(NodeProto n, String name) {
        return attribute(n, name).map(a -> a.getIntsList().stream().mapToLong(Long::longValue).toArray())
                .orElse(null);
    }

    private static OnnxTensor constantOfShape(NodeProto n, OnnxTensor shape) {
        OnnxTensor fill = attribute(n, "value").map(a -> OnnxTensor.decode(a.getT()))
                .orElse(new OnnxTensor(new long[] {1}, new double[] {0}, true));
        long[] dims = shape.longs();
        double[] v = new double[(int) Arrays.stream(dims).reduce(1, (a, b) -> a * b)];
        Arrays.fill(v, fill.values()[0]);
        return new OnnxTensor(dims, v, fill.isFloat());
    }

    private static OnnxTensor concat(NodeProto n, OnnxTensor[] in) {
        long axis = intAttribute(n, "axis", 0);
        for (OnnxTensor t : in) {
            Preconditions.checkArgument(t.dims().length == 1 && (axis == 0 || axis == -1),
                    "Concat node '%s': only 1-D constants can be concatenated when folding constants", n.getName());
        }
        double[] v = Arrays.stream(in).flatMapToDouble(t -> Arrays.stream(t.values())).toArray();
        return new OnnxTensor(new long[] {v.length}, v, in[0].isFloat());
    }

    static OnnxTensor reshape(OnnxTensor x, long[] target) {
        long[] dims = target.clone();
        int unknown = -1;
        long known = 1;
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] == 0) {
                dims[i] = x.dims()[i];
            }
            if (dims[i] == -1) {
                unknown = i;
            } else {
                known *= dims[i];
            }
        }
        if (unknown >= 0) {
            dims[unknown] = x.size() / known;
        }
        return new OnnxTensor(dims, x.values(), x.isFloat());
    }

    private static OnnxTensor slice(NodeProto n, OnnxTensor[] in) {
        long[] dims = in[0].dims();
        long[] starts = in[1].longs();
        long[] ends = in[2].longs();
        long[] axes = in.length > 3 && in[3] != null ? in[3].longs() : rangeOf(starts.length);
        long[] steps = in.length > 4 && in[4] != null ? in[4].longs() : filled(starts.length, 1);
        int[][] picks = new int[dims.length][];
        for (int a = 0; a < dims.length; a++) {
            picks[a] = range(0, dims[a], 1, dims[a]);
        }
        for (int i = 0; i < axes.length; i++) {
            int a = (int) (axes[i] < 0 ? axes[i] + dims.length : axes[i]);
            picks[a] = range(starts[i], ends[i], steps[i], dims[a]);
        }
        return pick(in[0], picks, null);
    }

    /** The indices ONNX's Slice takes along one axis of length {@code dim}. */
    static int[] range(long start, long end, long step, long dim) {
        Preconditions.checkArgument(step != 0, "Slice step must not be 0");
        start = start < 0 ? start + dim : start;
        end = end < 0 ? end + dim : end;
        if (step > 0) {
            start = Math.max(0, Math.min(start, dim));
            end = Math.max(0, Math.min(end, dim));
        } else {
            start = Math.max(-1, Math.min(start, dim - 1));
            end = Math.max(-1, Math.min(end, dim - 1));
        }
        int count = (int) Math.max(0, step > 0 ? (end - start + step - 1) / step : (start - end - step - 1) / -step);
        int[] out = new int[count];
        for (int i = 0; i < count; i++) {
            out[i] = (int) (start + i * step);
        }
        return out;
    }

    private static OnnxTensor transpose(NodeProto n, OnnxTensor x) {
        return transpose(x, intsAttribute(n, "perm"));
    }

    /**
     * Permutes a tensor's axes as ONNX's Transpose does.
     *
     * @param x the tensor
     * @param perm output axis a is input axis perm[a]; null reverses the axes
     * @return the transposed tensor
     */
    static OnnxTensor transpose(OnnxTensor x, long[] perm) {
        long[] dims = x.dims();
        if (perm == null) {
            perm = new long[dims.length];
            for (int i = 0; i < dims.length; i++) {
                perm[i] = dims.length - 1 - i;
            }
        }
        int[][] picks = new int[dims.length][];
        for (int a = 0; a < dims.length; a++) {
            picks[a] = range(0, dims[(int) perm[a]], 1, dims[(int) perm[a]]);
        }
        return pick(x, picks, perm);
    }

    /**
     * Gathers elements: output index (i_0, ..., i_k) reads input index p(i) where p permutes axes by
     * {@code perm} (null: identity) after mapping each i_a through {@code picks[a]}.
     */
    private static OnnxTensor pick(OnnxTensor x, int[][] picks, long[] perm) {
        long[] dims = x.dims();
        long[] inStrides = new long[dims.length];
        long s = 1;
        for (int a = dims.length - 1; a >= 0; a--) {
            inStrides[a] = s;
            s *= dims[a];
        }
        long[] outDims = new long[picks.length];
        int total = 1;
        for (int a = 0; a < picks.length; a++) {
            outDims[a] = picks[a].length;
            total *= picks[a].length;
        }
        double[] out = new double[total];
        int[] idx = new int[picks.length];
        for (int o = 0; o < total; o++) {
            long offset = 0;
            for (int a = 0; a < picks.length; a++) {
                int inAxis = perm == null ? a : (int) perm[a];
                offset += picks[a][idx[a]] * inStrides[inAxis];
            }
            out[o] = x.values()[(int) offset];
            for (int a = picks.length - 1; a >= 0; a--) {
                if (++idx[a] < picks[a].length) {
                    break;
                }
                idx[a] = 0;
            }
        }
        return new OnnxTensor(outDims, out, x.isFloat());
    }

    private static OnnxTensor cast(NodeProto n, OnnxTensor x) {
        long to = intAttribute(n, "to", 1);
        boolean isFloat = to == 1 || to == 11 || to == 10;
        double[] v = isFloat ? x.values() : Arrays.stream(x.values()).map(d -> (double) (long) d).toArray();
        return new OnnxTensor(x.dims(), v, isFloat);
    }

    private static OnnxTensor gather(NodeProto n, OnnxTensor x, OnnxTensor indices) {
        Preconditions.checkArgument(intAttribute(n, "axis", 0) == 0 && x.dims().length == 1,
                "Gather node '%s': only axis 0 of a 1-D constant can be folded", n.getName());
        double[] v = Arrays.stream(indices.longs()).mapToDouble(i -> x.values()[(int) (i < 0 ? i + x.size() : i)])
                .toArray();
        return new OnnxTensor(indices.dims(), v, x.isFloat());
    }

    private static OnnxTensor squeeze(NodeProto n, OnnxTensor[] in) {
        long[] axes = in.length > 1 && in[1] != null ? in[1].longs() : intsAttribute(n, "axes");
        List<Long> dims = new java.util.ArrayList<>(Arrays.stream(in[0].dims()).boxed().toList());
        if (n.getOpType().equals("Unsqueeze")) {
            long rank = dims.size() + axes.length;
            long[] sorted = Arrays.stream(axes).map(a -> a < 0 ? a + rank : a).sorted().toArray();
            for (long a : sorted) {
                dims.add((int) a, 1L);
            }
        } else if (axes == null) {
            dims.removeIf(d -> d == 1);
        } else {
            long rank = dims.size();
            long[] sorted = Arrays.stream(axes).map(a -> a < 0 ? a + rank : a).sorted().toArray();
            for (int i = sorted.length - 1; i >= 0; i--) {
                dims.remove((int) sorted[i]);
            }
        }
        return new OnnxTensor(dims.stream().mapToLong(Long::longValue).toArray(), in[0].values(), in[0].isFloat());
    }

    private static long[] rangeOf(int n) {
        long[] r = new long[n];
        for (int i = 0; i < n; i++) {
            r[i] = i;
        }
        return r;
    }

    private static long[] filled(int n, long v) {
        long[] r = new long[n];
        Arrays.fill(r, v);
        return r;
    }
}
