package ai.djl.pruning.onnx;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pruning.nn.BlockHandlers;
import ai.djl.pruning.nn.BlockPaths;
import ai.djl.pruning.onnx.proto.Onnx.AttributeProto;
import ai.djl.pruning.onnx.proto.Onnx.GraphProto;
import ai.djl.pruning.onnx.proto.Onnx.ModelProto;
import ai.djl.pruning.onnx.proto.Onnx.NodeProto;
import ai.djl.pruning.onnx.proto.Onnx.OperatorSetIdProto;
import ai.djl.pruning.onnx.proto.Onnx.TensorProto;
import ai.djl.pruning.onnx.proto.Onnx.TensorShapeProto;
import ai.djl.pruning.onnx.proto.Onnx.TypeProto;
import ai.djl.pruning.onnx.proto.Onnx.ValueInfoProto;
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
 * and Slice + Pad for a zero-pad shortcut. The batch dimension is symbolic. Each block's nodes come from
 * the {@link OnnxHandler} {@code BlockHandlers} finds for it; a block without one is refused by path.
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
        @SuppressWarnings("unchecked")
        String emit(Block block, String path, String in, Shape shape) {
            OnnxHandler<Block> h = BlockHandlers.find(block, OnnxHandler.class).orElseThrow(() ->
                    new IllegalArgumentException(String.format("%s (%s) has no ONNX form here: no OnnxHandler is "
                            + "registered for it", path.isEmpty() ? "(root)" : path, block.getClass().getSimpleName())));
            return h.emit(block, new At(block, path, in, shape));
        }

        /** The graph standing at one block. */
        private final class At implements OnnxGraph {
            private final Block block;
            private final String path;
            private final String in;
            private final Shape shape;

            At(Block block, String path, String in, Shape shape) {
                this.block = block;
                this.path = path;
                this.in = in;
                this.shape = shape;
            }

            @Override
            public String path() {
                return path;
            }

            @Override
            public String input() {
                return in;
            }

            @Override
            public Shape inputShape() {
                return shape;
            }

            @Override
            public String node(String op, List<String> inputs, AttributeProto... attributes) {
                NodeProto.Builder n = builder(op, path, inputs);
                for (AttributeProto a : attributes) {
                    n.addAttribute(a);
                }
                return add(n);
            }

            @Override
            public List<String> withParameters(String... names) {
                return inputs(block, path, in, names);
            }

            @Override
            public String longs(String suffix, long... values) {
                return Writer.this.longs(path + "." + suffix, values);
            }

            @Override
            public String scalar(String suffix, float value) {
                return Writer.this.scalar(path + "." + suffix, value);
            }

            @Override
            public String child(String key, Block child, String childIn, Shape childShape) {
                return emit(child, BlockPaths.join(path, key), childIn, childShape);
            }

            @Override
            public String as(Block same) {
                return emit(same, path, in, shape);
            }
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

        private NodeProto.Builder builder(String op, String path, List<String> inputs) {
            String name = (path.isEmpty() ? op : path + "/" + op) + "_" + count++;
            return NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs).addOutput(name);
        }

        private String add(NodeProto.Builder n) {
            graph.addNode(n);
            return n.getOutput(0);
        }
    }
}
