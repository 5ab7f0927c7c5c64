package ai.djl.pruning.onnx;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.pruning.nn.AvgPool2d;
import ai.djl.pruning.nn.BlockPaths;
import ai.djl.pruning.nn.BlockSpec;
import ai.djl.pruning.nn.Elementwise;
import ai.djl.pruning.nn.GlobalAvgPool2d;
import ai.djl.pruning.nn.KnownOps;
import ai.djl.pruning.nn.MaxPool2d;
import ai.djl.pruning.nn.Unsqueeze2d;
import ai.djl.pruning.nn.Relu;
import ai.djl.pruning.nn.ResidualBlock;
import ai.djl.pruning.nn.ZeroPadShortcut;
import ai.djl.pruning.onnx.proto.Onnx.AttributeProto;
import ai.djl.pruning.onnx.proto.Onnx.GraphProto;
import ai.djl.pruning.onnx.proto.Onnx.ModelProto;
import ai.djl.pruning.onnx.proto.Onnx.NodeProto;
import ai.djl.pruning.onnx.proto.Onnx.OperatorSetIdProto;
import ai.djl.pruning.onnx.proto.Onnx.TensorProto;
import ai.djl.pruning.onnx.proto.Onnx.TensorShapeProto;
import ai.djl.pruning.onnx.proto.Onnx.TypeProto;
import ai.djl.pruning.onnx.proto.Onnx.ValueInfoProto;
import ai.djl.util.Pair;
import com.google.common.base.Preconditions;
import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a block of the project's {@code nn} types (a zoo model, an imported ONNX model, a pruned one)
 * as an ONNX model (IR 8, opset 14) that ONNX Runtime runs: Conv, BatchNormalization, Gemm, Relu, Clip,
 * Sigmoid, HardSwish, HardSigmoid, MaxPool, AveragePool, GlobalAveragePool + Flatten, Add, Mul, Concat,
 * and Slice + Pad for a zero-pad shortcut. The batch dimension is symbolic.
 *
 * <pre>{@code
 * Block pruned = pruner.apply(block, plan, manager);
 * OnnxExporter.export(pruned, new Shape(1, 3, 32, 32), Paths.get("pruned.onnx"));
 * }</pre>
 */
public final class OnnxExporter {

    static final int OPSET = 14;

    private OnnxExporter() {}

    /**
     * Writes the block as an ONNX file (atomically).
     *
     * @param block an initialised block
     * @param inputShape its input shape (the batch dimension is exported as symbolic)
     * @param file the target .onnx file
     * @throws IOException on write errors
     * @throws IllegalArgumentException naming the first block that has no ONNX form here
     */
    public static void export(Block block, Shape inputShape, Path file) throws IOException {
        OnnxFiles.write(toModel(block, inputShape), file);
    }

    /**
     * Builds the ONNX model of a block.
     *
     * @param block an initialised block
     * @param inputShape its input shape
     * @return the model
     */
    public static ModelProto toModel(Block block, Shape inputShape) {
        Preconditions.checkArgument(block.isInitialized(), "initialise the block before exporting it");
        Writer w = new Writer();
        Shape outShape = block.getOutputShapes(new Shape[] {inputShape})[0];
        String out = w.emit(block, "", "input", inputShape);
        w.graph.addNode(NodeProto.newBuilder().setOpType("Identity").setName("output").addInput(out).addOutput("logits"));
        w.graph.setName("djl-pruning").addInput(valueInfo("input", inputShape)).addOutput(valueInfo("logits", outShape));
        return ModelProto.newBuilder().setIrVersion(8).setProducerName("djl-pruning").setProducerVersion("0.1.0")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET)).setGraph(w.graph)
                .build();
    }

    private static ValueInfoProto valueInfo(String name, Shape shape) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (int i = 0; i < shape.dimension(); i++) {
            s.addDim(i == 0 ? TensorShapeProto.Dimension.newBuilder().setDimParam("batch")
                    : TensorShapeProto.Dimension.newBuilder().setDimValue(shape.get(i)));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(s))).build();
    }

    /** The graph being written, with unique tensor names. */
    private static final class Writer {
        private final GraphProto.Builder graph = GraphProto.newBuilder();
        private int count;

        /** Emits the nodes of a block reading tensor {@code in}; returns its output tensor. */
        String emit(Block block, String path, String in, Shape shape) {
            if (block instanceof ResidualBlock r) {
                String x = in;
                Shape s = shape;
                for (Pair<String, Block> child : r.getChildren()) {
                    if (child.getValue() != r.getShortcut()) {
                        x = emit(child.getValue(), BlockPaths.join(path, child.getKey()), x, s);
                        s = child.getValue().getOutputShapes(new Shape[] {s})[0];
                    }
                }
                String side = r.getShortcut() == null ? in
                        : emit(r.getShortcut(), BlockPaths.join(path, "shortcut"), in, shape);
                String sum = node("Add", path, List.of(x, side));
                return r.isReluAfterAdd() ? node("Relu", path, List.of(sum)) : sum;
            }
            if (block instanceof ParallelBlock parallel) {
                return parallel(parallel, path, in, shape);
            }
            if (block instanceof SequentialBlock) { // NamedSequentialBlock too
                String x = in;
                Shape s = shape;
                for (Pair<String, Block> child : block.getChildren()) {
                    x = emit(child.getValue(), BlockPaths.join(path, child.getKey()), x, s);
                    s = child.getValue().getOutputShapes(new Shape[] {s})[0];
                }
                return x;
            }
            if (block instanceof Conv2d c) {
                Preconditions.checkArgument(c.getKernelShape().dimension() == 2, "%s: only 2-D convolutions", path);
                long[] p = c.getPadding().getShape();
                NodeProto.Builder n = builder("Conv", path, inputs(block, path, in, "weight", "bias"))
                        .addAttribute(ints("kernel_shape", c.getKernelShape().getShape()))
                        .addAttribute(ints("strides", c.getStride().getShape()))
                        .addAttribute(ints("pads", p[0], p[1], p[0], p[1]))
                        .addAttribute(ints("dilations", c.getDilation().getShape()))
                        .addAttribute(AttributeProto.newBuilder().setName("group").setType(AttributeProto.AttributeType.INT)
                                .setI(c.getGroups()));
                return add(n);
            }
            if (block instanceof BatchNorm) {
                float epsilon = BlockSpec.describe(block).get("epsilon").getAsFloat();
                return add(builder("BatchNormalization", path, inputs(block, path, in, "gamma", "beta", "runningMean",
                        "runningVar")).addAttribute(AttributeProto.newBuilder().setName("epsilon")
                        .setType(AttributeProto.AttributeType.FLOAT).setF(epsilon)));
            }
            if (block instanceof Linear) {
                Preconditions.checkArgument(shape.dimension() == 2, "%s: a linear layer on a %s input has no Gemm form",
                        path, shape);
                return add(builder("Gemm", path, inputs(block, path, in, "weight", "bias"))
                        .addAttribute(AttributeProto.newBuilder().setName("transB").setType(AttributeProto.AttributeType.INT)
                                .setI(1)));
            }
            if (block instanceof Relu) {
                return node("Relu", path, List.of(in));
            }
            if (block instanceof Elementwise e) {
                return elementwise(e, path, in);
            }
            if (block instanceof MaxPool2d p) {
                int pad = p.getPadding();
                return add(builder("MaxPool", path, List.of(in)).addAttribute(ints("kernel_shape", p.getKernel(),
                        p.getKernel())).addAttribute(ints("strides", p.getStride(), p.getStride()))
                        .addAttribute(ints("pads", pad, pad, pad, pad)));
            }
            if (block instanceof AvgPool2d p) {
                int pad = p.getPadding();
                return add(builder("AveragePool", path, List.of(in))
                        .addAttribute(ints("kernel_shape", p.getKernel(), p.getKernel()))
                        .addAttribute(ints("strides", p.getStride(), p.getStride()))
                        .addAttribute(ints("pads", pad, pad, pad, pad))
                        .addAttribute(AttributeProto.newBuilder().setName("count_include_pad")
                                .setType(AttributeProto.AttributeType.INT).setI(p.isCountPadding() ? 1 : 0)));
            }
            if (block instanceof GlobalAvgPool2d) {
                return flatten(path, node("GlobalAveragePool", path, List.of(in)));
            }
            if (block instanceof ZeroPadShortcut z) {
                return zeroPad(z, path, in);
            }
            if (block instanceof LambdaBlock lambda && KnownOps.identify(lambda).isEmpty()) {
                return emit(KnownOps.equivalent(lambda).orElseThrow(() -> new IllegalArgumentException(
                        path + ": a LambdaBlock that matches no known operation has no ONNX form")), path, in, shape);
            }
            if (block instanceof Dropout) {
                return in; // inference: the identity
            }
            if (block instanceof Unsqueeze2d) {
                return node("Unsqueeze", path, List.of(in, longs(path + ".axes", 2, 3)));
            }
            if (block instanceof LambdaBlock lambda) {
                KnownOps.Lambda op = KnownOps.identify(lambda).orElseThrow();
                return switch (op) {
                    case IDENTITY -> in;
                    case RELU -> node("Relu", path, List.of(in));
                    case GLOBAL_AVG_POOL -> flatten(path, node("GlobalAveragePool", path, List.of(in)));
                    case GLOBAL_MAX_POOL -> flatten(path, node("GlobalMaxPool", path, List.of(in)));
                    case BATCH_FLATTEN -> flatten(path, in);
                };
            }
            throw new IllegalArgumentException(String.format("%s (%s) has no ONNX form here", path.isEmpty() ? "(root)"
                    : path, block.getClass().getSimpleName()));
        }

        private String parallel(ParallelBlock block, String path, String in, Shape shape) {
            List<String> outs = new ArrayList<>();
            List<Shape> shapes = new ArrayList<>();
            for (Pair<String, Block> child : block.getChildren()) {
                outs.add(emit(child.getValue(), BlockPaths.join(path, child.getKey()), in, shape));
                shapes.add(child.getValue().getOutputShapes(new Shape[] {shape})[0]);
            }
            KnownOps.Join join = KnownOps.identify(block, shapes.toArray(new Shape[0])).orElseThrow(() ->
                    new IllegalArgumentException(path + ": a ParallelBlock whose join is unknown has no ONNX form"));
            if (join == KnownOps.Join.CONCAT) {
                return add(builder("Concat", path, outs).addAttribute(AttributeProto.newBuilder().setName("axis")
                        .setType(AttributeProto.AttributeType.INT).setI(1)));
            }
            String op = join == KnownOps.Join.MUL ? "Mul" : "Add";
            String x = outs.get(0);
            for (String other : outs.subList(1, outs.size())) {
                x = node(op, path, List.of(x, other)); // ONNX's Add and Mul are binary
            }
            return join == KnownOps.Join.ADD_RELU ? node("Relu", path, List.of(x)) : x;
        }

        private String elementwise(Elementwise e, String path, String in) {
            return switch (e.getKind()) {
                case CLIP -> node("Clip", path, List.of(in,
                        Float.isInfinite(e.getA()) ? "" : scalar(path + ".min", e.getA()),
                        Float.isInfinite(e.getB()) ? "" : scalar(path + ".max", e.getB())));
                case SIGMOID -> node("Sigmoid", path, List.of(in));
                case HARD_SWISH -> node("HardSwish", path, List.of(in));
                case HARD_SIGMOID -> add(builder("HardSigmoid", path, List.of(in))
                        .addAttribute(AttributeProto.newBuilder().setName("alpha").setType(AttributeProto.AttributeType.FLOAT)
                                .setF(e.getA()))
                        .addAttribute(AttributeProto.newBuilder().setName("beta").setType(AttributeProto.AttributeType.FLOAT)
                                .setF(e.getB())));
            };
        }

        /** x[:, :, ::s, ::s], then zero channels before and after. */
        private String zeroPad(ZeroPadShortcut z, String path, String in) {
            String x = in;
            if (z.getStride() > 1) {
                long s = z.getStride();
                x = node("Slice", path, List.of(x, longs(path + ".starts", 0, 0),
                        longs(path + ".ends", Long.MAX_VALUE, Long.MAX_VALUE), longs(path + ".axes", 2, 3),
                        longs(path + ".steps", s, s)));
            }
            if (z.getPadBefore() > 0 || z.getPadAfter() > 0) {
                x = add(builder("Pad", path, List.of(x, longs(path + ".pads", 0, z.getPadBefore(), 0, 0, 0,
                        z.getPadAfter(), 0, 0))).addAttribute(AttributeProto.newBuilder().setName("mode")
                        .setType(AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8("constant"))));
            }
            return x;
        }

        private String flatten(String path, String in) {
            return add(builder("Flatten", path, List.of(in)).addAttribute(AttributeProto.newBuilder().setName("axis")
                    .setType(AttributeProto.AttributeType.INT).setI(1)));
        }

        /** The data input followed by the block's parameters (those it has) as initializers. */
        private List<String> inputs(Block block, String path, String in, String... names) {
            List<String> out = new ArrayList<>(List.of(in));
            for (String name : names) {
                if (block.getDirectParameters().contains(name)) {
                    Parameter p = block.getDirectParameters().get(name);
                    out.add(floats(path + "." + name, p.getArray()));
                }
            }
            return out;
        }

        private String floats(String name, NDArray array) {
            float[] v = array.toFloatArray();
            ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
            for (float f : v) {
                b.putFloat(f);
            }
            b.flip();
            graph.addInitializer(TensorProto.newBuilder().setName(name).addAllDims(longList(array.getShape().getShape()))
                    .setDataType(TensorProto.DataType.FLOAT_VALUE).setRawData(ByteString.copyFrom(b)));
            return name;
        }

        private String scalar(String name, float value) {
            graph.addInitializer(TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
                    .addFloatData(value));
            return name;
        }

        private String longs(String name, long... values) {
            graph.addInitializer(TensorProto.newBuilder().setName(name).addDims(values.length)
                    .setDataType(TensorProto.DataType.INT64_VALUE).addAllInt64Data(longList(values)));
            return name;
        }

        private static List<Long> longList(long[] v) {
            List<Long> out = new ArrayList<>();
            for (long x : v) {
                out.add(x);
            }
            return out;
        }

        private static AttributeProto.Builder ints(String name, long... values) {
            return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS)
                    .addAllInts(longList(values));
        }

        private NodeProto.Builder builder(String op, String path, List<String> inputs) {
            String name = (path.isEmpty() ? op : path + "/" + op) + "_" + count++;
            return NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs).addOutput(name);
        }

        private String node(String op, String path, List<String> inputs) {
            return add(builder(op, path, inputs));
        }

        private String add(NodeProto.Builder n) {
            graph.addNode(n);
            return n.getOutput(0);
        }
    }
}
