package ai.djl.pruning.onnx;

import ai.djl.pruning.nn.ProbeInputs;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.pruning.io.CheckpointException;
import ai.djl.pruning.nn.AvgPool2d;
import ai.djl.pruning.nn.Elementwise;
import ai.djl.pruning.nn.GlobalAvgPool2d;
import ai.djl.pruning.nn.KnownOps;
import ai.djl.pruning.nn.MaxPool2d;
import ai.djl.pruning.nn.NamedSequentialBlock;
import ai.djl.pruning.nn.ParameterWrites;
import ai.djl.pruning.nn.Relu;
import ai.djl.pruning.nn.ResidualBlock;
import ai.djl.pruning.nn.ZeroPadShortcut;
import ai.djl.pruning.onnx.proto.Onnx.GraphProto;
import ai.djl.pruning.onnx.proto.Onnx.ModelProto;
import ai.djl.pruning.onnx.proto.Onnx.NodeProto;
import ai.djl.pruning.onnx.proto.Onnx.TensorProto;
import ai.djl.pruning.onnx.proto.Onnx.ValueInfoProto;
import ai.djl.util.Pair;
import com.google.common.base.Preconditions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Builds a DJL block equivalent to an ONNX model of common CNN operators, made of the project's
 * {@code nn} blocks so that the profiler, the fine-grained and the structured pruners understand it.
 *
 * <p>Supported: Conv (groups, symmetric pads, strides, dilations; with or without bias — exporters fold
 * BatchNorm into it), BatchNormalization, Relu, Clip, Sigmoid, HardSigmoid, HardSwish, Add and Mul of
 * two branches (a residual unit, a gate), Concat on channels, MaxPool, AveragePool (with a preceding
 * zero Pad), GlobalAveragePool, Flatten and the usual reshape to (N, −1), Gemm and MatMul (+ Add),
 * Identity/Dropout, and the Slice + Pad "option A" shortcut of CIFAR ResNets; the integer subgraphs that
 * compute shapes and pads are folded as constants. Branches are found as the regions between a tensor
 * used twice and the node where its uses meet again. Any other operator is refused with an error
 * naming every unsupported node.
 *
 * <pre>{@code
 * OnnxImport imported = OnnxImporter.load(Paths.get("resnet20.onnx"), manager);
 * Block block = imported.block(); // initialised, weights loaded
 * ChannelPruningPlan plan = ChannelPruner.builder().build().plan(block, imported.inputShape(), 0.3);
 * }</pre>
 */
public final class OnnxImporter {

    /** Operators that become (part of) blocks. */
    static final Set<String> OPS = Set.of("Conv", "BatchNormalization", "Relu", "Clip", "Sigmoid", "HardSigmoid",
            "HardSwish", "Add", "Mul", "Concat", "MaxPool", "AveragePool", "GlobalAveragePool", "Flatten", "Reshape",
            "Gemm", "MatMul", "Pad", "Slice", "Identity", "Dropout");

    private OnnxImporter() {}

    /**
     * The imported block and what is known about its input and output.
     *
     * @param block the initialised block, weights loaded
     * @param inputShape the input shape (a symbolic batch dimension becomes 1)
     * @param inputName the ONNX graph's input name
     * @param outputName the ONNX graph's output name
     */
    public record OnnxImport(Block block, Shape inputShape, String inputName, String outputName) {}

    /**
     * Reads an ONNX file and builds its block.
     *
     * @param file the .onnx file
     * @param manager owns the block's parameters
     * @return the block and its input shape
     * @throws IOException if the file cannot be read
     * @throws CheckpointException if it is not a valid ONNX model
     * @throws IllegalArgumentException listing every unsupported operator (with node names), or naming
     *     the node whose form is not supported
     */
    public static OnnxImport load(Path file, NDManager manager) throws IOException, CheckpointException {
        return load(OnnxFiles.read(file), manager);
    }

    /**
     * Builds the block of a parsed ONNX model.
     *
     * @param model the model
     * @param manager owns the block's parameters
     * @return the block and its input shape
     */
    public static OnnxImport load(ModelProto model, NDManager manager) {
        return new Conversion(model.getGraph()).run(manager);
    }

    /** A block made from one or more nodes, and the tensor and shape after it. */
    private record Step(String name, Block block, String out, Shape shape) {}

    /** One import: the graph's indexes, the tensors' shapes and the weights to load. */
    private static final class Conversion {
        private final GraphProto graph;
        private final Map<String, NodeProto> producers = new HashMap<>();
        private final Map<String, List<NodeProto>> consumers = new HashMap<>();
        private final Map<NodeProto, Integer> order = new IdentityHashMap<>();
        private final Map<String, Shape> shapes = new HashMap<>();
        private final ConstantFolder constants;
        private final Map<Block, Map<String, OnnxTensor>> weights = new IdentityHashMap<>();
        private final Map<String, Boolean> reachCache = new HashMap<>();

        Conversion(GraphProto graph) {
            this.graph = graph;
            for (NodeProto n : graph.getNodeList()) {
                order.put(n, order.size());
                n.getOutputList().forEach(o -> producers.put(o, n));
                n.getInputList().forEach(i -> consumers.computeIfAbsent(i, k -> new ArrayList<>()).add(n));
            }
            Map<String, OnnxTensor> initializers = new HashMap<>();
            for (TensorProto t : graph.getInitializerList()) {
                initializers.put(t.getName(), OnnxTensor.decode(t));
            }
            this.constants = new ConstantFolder(initializers, producers, shapes::get);
        }

        OnnxImport run(NDManager manager) {
            List<String> unsupported = new ArrayList<>();
            for (NodeProto n : graph.getNodeList()) {
                boolean known = OPS.contains(n.getOpType()) || ConstantFolder.OPS.contains(n.getOpType());
                if (!known || !n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx")) {
                    unsupported.add(String.format("%s%s (node '%s')", n.getDomain().isEmpty() ? "" : n.getDomain() + ".",
                            n.getOpType(), n.getName()));
                }
            }
            Preconditions.checkArgument(unsupported.isEmpty(), "unsupported ONNX operators: %s", unsupported);
            ValueInfoProto input = graph.getInputList().stream()
                    .filter(i -> !constants.isConstant(i.getName())).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("the ONNX graph has no data input"));
            Preconditions.checkArgument(graph.getOutputCount() == 1, "only single-output graphs are supported, "
                    + "this one has %s outputs", graph.getOutputCount());
            Shape inputShape = shapeOf(input);
            String output = graph.getOutput(0).getName();
            shapes.put(input.getName(), inputShape);
            NamedSequentialBlock root = new NamedSequentialBlock();
            Shape out = convert(input.getName(), output, inputShape, root);
            Preconditions.checkState(out != null, "no path from input to output");
            ProbeInputs.initializeForOverwrite(root, manager, inputShape);
            loadWeights(manager);
            return new OnnxImport(root, inputShape, input.getName(), output);
        }

        private static Shape shapeOf(ValueInfoProto input) {
            var dims = input.getType().getTensorType().getShape().getDimList();
            Preconditions.checkArgument(dims.size() == 4, "input '%s' must be (N, C, H, W), it has %s dimensions",
                    input.getName(), dims.size());
            long[] s = new long[4];
            for (int i = 0; i < 4; i++) {
                s[i] = dims.get(i).hasDimValue() && dims.get(i).getDimValue() > 0 ? dims.get(i).getDimValue() : 1;
            }
            Preconditions.checkArgument(dims.get(1).hasDimValue() && dims.get(2).hasDimValue()
                    && dims.get(3).hasDimValue(), "input '%s' needs fixed C, H and W", input.getName());
            return new Shape(s);
        }

        /** Converts the chain of nodes from tensor {@code from} until tensor {@code until} into {@code seq}. */
        private Shape convert(String from, String until, Shape shape, NamedSequentialBlock seq) {
            String cur = from;
            while (!cur.equals(until)) {
                String target = until;
                List<NodeProto> next = dataConsumers(cur).stream().filter(n -> reaches(n, target)).toList();
                Preconditions.checkArgument(!next.isEmpty(), "tensor '%s' does not lead to '%s'", cur, until);
                if (next.size() == 1 && dataInputs(next.get(0)).size() == 1) {
                    Step s = convertNode(next.get(0), cur, shape);
                    if (s.block() != null) {
                        seq.add(s.name(), s.block());
                    }
                    cur = s.out();
                    shape = s.shape();
                    Preconditions.checkArgument(reachesTensor(cur, until, null), "node '%s' reads past '%s'",
                            next.get(0).getName(), until);
                } else {
                    Step s = convertJoin(cur, until, shape);
                    seq.add(s.name(), s.block());
                    cur = s.out();
                    shape = s.shape();
                }
                shapes.put(cur, shape);
            }
            return shape;
        }

        /** The region from a tensor used by several nodes to the node where the uses meet again. */
        private Step convertJoin(String fork, String until, Shape shape) {
            NodeProto join = findJoin(fork, until);
            List<String> inputs = dataInputs(join);
            List<NamedSequentialBlock> branches = new ArrayList<>();
            List<Shape> branchShapes = new ArrayList<>();
            for (String in : inputs) {
                NamedSequentialBlock branch = new NamedSequentialBlock();
                branchShapes.add(convert(fork, in, shape, branch));
                branches.add(branch);
            }
            String name = name(join);
            String out = join.getOutput(0);
            switch (join.getOpType()) {
                case "Add" -> {
                    if (branches.size() == 2) {
                        return residual(join, branches, shape, until);
                    }
                    return parallel(name, KnownOps.Join.ADD, branches, shape, out);
                }
                case "Mul" -> {
                    return parallel(name, KnownOps.Join.MUL, branches, shape, out);
                }
                case "Concat" -> {
                    long axis = ConstantFolder.intAttribute(join, "axis", 1);
                    Preconditions.checkArgument(axis == 1 || axis == -3, "Concat node '%s' joins on axis %s; only "
                            + "channel concatenation (axis 1) is supported", join.getName(), axis);
                    return parallel(name, KnownOps.Join.CONCAT, branches, shape, out);
                }
                default -> throw new IllegalArgumentException(String.format(
                        "node '%s' (%s) joins branches; only Add, Mul and Concat can", join.getName(), join.getOpType()));
            }
        }

        private Step residual(NodeProto add, List<NamedSequentialBlock> branches, Shape shape, String until) {
            int mainIndex = branches.get(0).getChildren().size() >= branches.get(1).getChildren().size() ? 0 : 1;
            NamedSequentialBlock main = branches.get(mainIndex);
            NamedSequentialBlock side = branches.get(1 - mainIndex);
            Preconditions.checkArgument(!main.getChildren().isEmpty(), "Add node '%s' adds a tensor to itself",
                    add.getName());
            ResidualBlock.Builder b = ResidualBlock.builder();
            for (Pair<String, Block> child : main.getChildren()) {
                b.add(childName(child.getKey()), child.getValue());
            }
            if (side.getChildren().size() == 1) {
                b.optShortcut("shortcut", side.getChildren().get(0).getValue());
            } else if (!side.getChildren().isEmpty()) {
                b.optShortcut("shortcut", side);
            }
            String out = add.getOutput(0);
            List<NodeProto> after = dataConsumers(out);
            boolean relu = after.size() == 1 && after.get(0).getOpType().equals("Relu") && !out.equals(until);
            ResidualBlock block = b.optReluAfterAdd(relu).build();
            return new Step(name(add), block, relu ? after.get(0).getOutput(0) : out,
                    block.getOutputShapes(new Shape[] {shape})[0]);
        }

        private static String childName(String key) {
            // NamedSequentialBlock keys carry a two-digit position prefix; the residual builder adds its own.
            return key.length() > 2 && Character.isDigit(key.charAt(0)) && Character.isDigit(key.charAt(1))
                    ? key.substring(2) : key;
        }

        private Step parallel(String name, KnownOps.Join join, List<NamedSequentialBlock> branches, Shape shape,
                String out) {
            List<Block> blocks = new ArrayList<>();
            for (NamedSequentialBlock b : branches) {
                blocks.add(b.getChildren().isEmpty() ? Blocks.identityBlock() : b); // DJL refuses empty sequences
            }
            ParallelBlock block = new ParallelBlock(join.function(), blocks);
            return new Step(name, block, out, block.getOutputShapes(new Shape[] {shape})[0]);
        }

        /** The first node after {@code fork} that every path from it to {@code until} passes through. */
        private NodeProto findJoin(String fork, String until) {
            List<NodeProto> candidates = new ArrayList<>();
            for (NodeProto n : graph.getNodeList()) {
                if (dataInputs(n).size() >= 2 && reachesTensor(fork, n.getOutput(0), null)) {
                    candidates.add(n);
                }
            }
            for (NodeProto j : candidates) {
                if (!reachesTensor(fork, until, j)) {
                    return j;
                }
            }
            throw new IllegalArgumentException("tensor '" + fork + "' feeds several nodes whose paths never meet "
                    + "again before '" + until + "'; only residual, gate and concat branches are supported");
        }

        private boolean reaches(NodeProto n, String target) {
            return n.getOutputList().stream().anyMatch(o -> reachesTensor(o, target, null));
        }

        /** Whether data flows from tensor {@code from} to tensor {@code to} without passing node {@code avoid}. */
        private boolean reachesTensor(String from, String to, NodeProto avoid) {
            if (from.equals(to)) {
                return true;
            }
            String key = avoid == null ? from + "\u0000" + to : null;
            if (key != null && reachCache.containsKey(key)) {
                return reachCache.get(key);
            }
            boolean r = false;
            for (NodeProto n : dataConsumers(from)) {
                if (n != avoid && n.getOutputList().stream().anyMatch(o -> reachesTensor(o, to, avoid))) {
                    r = true;
                    break;
                }
            }
            if (key != null) {
                reachCache.put(key, r);
            }
            return r;
        }

        /** Nodes reading a tensor as data (not only its shape). */
        private List<NodeProto> dataConsumers(String tensor) {
            return consumers.getOrDefault(tensor, List.of()).stream().filter(n -> !n.getOpType().equals("Shape"))
                    .filter(n -> !constants.isConstant(n.getOutput(0))).toList();
        }

        private List<String> dataInputs(NodeProto n) {
            return n.getInputList().stream().filter(i -> !i.isEmpty() && !constants.isConstant(i)).toList();
        }

        private NodeProto only(String tensor) {
            List<NodeProto> next = dataConsumers(tensor);
            return next.size() == 1 && !tensor.equals(graph.getOutput(0).getName()) ? next.get(0) : null;
        }

        private OnnxTensor constant(NodeProto n, int input, String what) {
            Preconditions.checkArgument(n.getInputCount() > input && !n.getInput(input).isEmpty(),
                    "%s node '%s' lacks its %s", n.getOpType(), n.getName(), what);
            return constants.value(n.getInput(input)).orElseThrow(() -> new IllegalArgumentException(String.format(
                    "%s node '%s': its %s '%s' must be a constant", n.getOpType(), n.getName(), what, n.getInput(input))));
        }

        private Step convertNode(NodeProto n, String in, Shape shape) {
            return switch (n.getOpType()) {
                case "Conv" -> conv(n, shape);
                case "BatchNormalization" -> batchNorm(n, shape);
                case "Relu" -> step(n, new Relu(), shape);
                case "Clip" -> clip(n, shape);
                case "Sigmoid" -> step(n, Elementwise.of(Elementwise.Kind.SIGMOID), shape);
                case "HardSwish" -> step(n, Elementwise.of(Elementwise.Kind.HARD_SWISH), shape);
                case "HardSigmoid" -> step(n, Elementwise.hardSigmoid(floatAttr(n, "alpha", 0.2f),
                        floatAttr(n, "beta", 0.5f)), shape);
                case "MaxPool" -> maxPool(n, shape);
                case "AveragePool" -> avgPool(n, shape, 0, false);
                case "GlobalAveragePool" -> globalPool(n, shape);
                case "Flatten", "Reshape" -> flatten(n, shape);
                case "Gemm" -> gemm(n, shape);
                case "MatMul" -> matMul(n, shape);
                case "Pad" -> pad(n, shape, 1);
                case "Slice" -> slice(n, shape);
                case "Identity", "Dropout" -> new Step(null, null, n.getOutput(0), shape);
                default -> throw new IllegalArgumentException(String.format("node '%s' (%s) applies to data in a form "
                        + "that is not supported", n.getName(), n.getOpType()));
            };
        }

        private Step step(NodeProto last, Block block, Shape shape) {
            return new Step(name(last), block, last.getOutput(0), block.getOutputShapes(new Shape[] {shape})[0]);
        }

        private Step conv(NodeProto n, Shape shape) {
            OnnxTensor w = constant(n, 1, "weight");
            Preconditions.checkArgument(w.dims().length == 4, "Conv node '%s' is not a 2-D convolution", n.getName());
            long[] kernel = {w.dims()[2], w.dims()[3]};
            long[] strides = orDefault(ConstantFolder.intsAttribute(n, "strides"), 1, 1);
            long[] dilations = orDefault(ConstantFolder.intsAttribute(n, "dilations"), 1, 1);
            long[] pads = symmetricPads(n, orDefault(ConstantFolder.intsAttribute(n, "pads"), 0, 0, 0, 0));
            String autoPad = ConstantFolder.attribute(n, "auto_pad").map(a -> a.getS().toStringUtf8()).orElse("NOTSET");
            Preconditions.checkArgument(autoPad.equals("NOTSET") || autoPad.equals("VALID"),
                    "Conv node '%s' uses auto_pad %s; only explicit pads are supported", n.getName(), autoPad);
            int groups = (int) ConstantFolder.intAttribute(n, "group", 1);
            boolean bias = n.getInputCount() > 2 && !n.getInput(2).isEmpty();
            Conv2d conv = Conv2d.builder().setKernelShape(new Shape(kernel)).optStride(new Shape(strides))
                    .optPadding(new Shape(pads)).optDilation(new Shape(dilations)).optGroups(groups)
                    .setFilters((int) w.dims()[0]).optBias(bias).build();
            Map<String, OnnxTensor> params = new LinkedHashMap<>();
            params.put("weight", w);
            if (bias) {
                params.put("bias", constant(n, 2, "bias"));
            }
            weights.put(conv, params);
            return step(n, conv, shape);
        }

        private static long[] symmetricPads(NodeProto n, long[] pads) {
            Preconditions.checkArgument(pads.length == 4 && pads[0] == pads[2] && pads[1] == pads[3],
                    "%s node '%s' pads %s unevenly; only symmetric padding is supported", n.getOpType(), n.getName(),
                    Arrays.toString(pads));
            return new long[] {pads[0], pads[1]};
        }

        private static long[] orDefault(long[] v, long... fallback) {
            return v != null ? v : fallback;
        }

        private static float floatAttr(NodeProto n, String name, float fallback) {
            return ConstantFolder.attribute(n, name).map(a -> a.getF()).orElse(fallback);
        }

        private Step batchNorm(NodeProto n, Shape shape) {
            BatchNorm bn = BatchNorm.builder().optEpsilon(floatAttr(n, "epsilon", 1e-5f))
                    .optMomentum(floatAttr(n, "momentum", 0.9f)).build();
            Map<String, OnnxTensor> params = new LinkedHashMap<>();
            params.put("gamma", constant(n, 1, "scale"));
            params.put("beta", constant(n, 2, "bias"));
            params.put("runningMean", constant(n, 3, "mean"));
            params.put("runningVar", constant(n, 4, "variance"));
            weights.put(bn, params);
            return step(n, bn, shape);
        }

        private Step clip(NodeProto n, Shape shape) {
            float min;
            float max;
            if (ConstantFolder.attribute(n, "min").isPresent() || ConstantFolder.attribute(n, "max").isPresent()) {
                min = floatAttr(n, "min", Float.NEGATIVE_INFINITY); // opset < 11
                max = floatAttr(n, "max", Float.POSITIVE_INFINITY);
            } else {
                min = n.getInputCount() > 1 && !n.getInput(1).isEmpty()
                        ? (float) constant(n, 1, "min").scalar() : Float.NEGATIVE_INFINITY;
                max = n.getInputCount() > 2 && !n.getInput(2).isEmpty()
                        ? (float) constant(n, 2, "max").scalar() : Float.POSITIVE_INFINITY;
            }
            return step(n, min == 0 && max == Float.POSITIVE_INFINITY ? new Relu() : Elementwise.clip(min, max), shape);
        }

        private int squareKernel(NodeProto n) {
            long[] k = ConstantFolder.intsAttribute(n, "kernel_shape");
            Preconditions.checkArgument(k != null && k.length == 2 && k[0] == k[1], "%s node '%s' needs a square 2-D "
                    + "kernel, has %s", n.getOpType(), n.getName(), Arrays.toString(k));
            long[] strides = orDefault(ConstantFolder.intsAttribute(n, "strides"), 1, 1);
            Preconditions.checkArgument(strides[0] == strides[1], "%s node '%s' strides unevenly: %s", n.getOpType(),
                    n.getName(), Arrays.toString(strides));
            Preconditions.checkArgument(ConstantFolder.intAttribute(n, "ceil_mode", 0) == 0,
                    "%s node '%s' uses ceil_mode; only floor rounding is supported", n.getOpType(), n.getName());
            return (int) k[0];
        }

        private Step maxPool(NodeProto n, Shape shape) {
            int k = squareKernel(n);
            long[] pads = symmetricPads(n, orDefault(ConstantFolder.intsAttribute(n, "pads"), 0, 0, 0, 0));
            Preconditions.checkArgument(n.getOutputCount() == 1, "MaxPool node '%s' returns indices; not supported",
                    n.getName());
            Preconditions.checkArgument(pads[0] <= k / 2, "MaxPool node '%s' pads %s, more than half its kernel %s",
                    n.getName(), pads[0], k);
            long[] dil = ConstantFolder.intsAttribute(n, "dilations");
            Preconditions.checkArgument(dil == null || Arrays.stream(dil).allMatch(d -> d == 1),
                    "MaxPool node '%s' is dilated", n.getName());
            return step(n, new MaxPool2d(k, (int) orDefault(ConstantFolder.intsAttribute(n, "strides"), 1, 1)[0],
                    (int) pads[0]), shape);
        }

        /** An average pool, after an explicit zero pad of {@code padding} (counted in the average) if nonzero. */
        private Step avgPool(NodeProto n, Shape shape, int padding, boolean padded) {
            int k = squareKernel(n);
            long[] pads = symmetricPads(n, orDefault(ConstantFolder.intsAttribute(n, "pads"), 0, 0, 0, 0));
            Preconditions.checkArgument(pads[0] == pads[1] && (padding == 0 || pads[0] == 0),
                    "AveragePool node '%s' pads unevenly", n.getName());
            int stride = (int) orDefault(ConstantFolder.intsAttribute(n, "strides"), 1, 1)[0];
            int p = padding + (int) pads[0];
            boolean countPadding = padded || ConstantFolder.intAttribute(n, "count_include_pad", 0) == 1;
            AvgPool2d pool = new AvgPool2d(k, stride, p, countPadding);
            shapes.put(n.getOutput(0), pool.getOutputShapes(new Shape[] {shape})[0]); // a reshape may ask its shape
            NodeProto after = only(n.getOutput(0));
            if (p == 0 && k == shape.get(2) && k == shape.get(3) && after != null && isFlatten(after, shape)) {
                return step(after, new GlobalAvgPool2d(), shape); // F.avg_pool2d(x, x.size(3)).view(N, -1)
            }
            return step(n, pool, shape);
        }

        private Step globalPool(NodeProto n, Shape shape) {
            NodeProto after = only(n.getOutput(0));
            Preconditions.checkArgument(after != null && isFlatten(after, new Shape(shape.get(0), shape.get(1), 1, 1)),
                    "GlobalAveragePool node '%s' must be followed by a flatten to (N, C)", n.getName());
            return step(after, new GlobalAvgPool2d(), shape);
        }

        /** Whether a node turns (N, ...) into (N, rest) for a tensor of this shape. */
        private boolean isFlatten(NodeProto n, Shape shape) {
            if (n.getOpType().equals("Flatten")) {
                return ConstantFolder.intAttribute(n, "axis", 1) == 1;
            }
            if (!n.getOpType().equals("Reshape")) {
                return false;
            }
            Optional<OnnxTensor> target = constants.value(n.getInput(1));
            if (target.isEmpty() || target.get().size() != 2) {
                return false;
            }
            double[] t = target.get().values();
            long rest = shape.size() / shape.get(0);
            boolean batch = t[0] == OnnxTensor.BATCH || t[0] == 0 || t[0] == shape.get(0);
            return batch && (t[1] == -1 || t[1] == rest) || t[0] == -1 && t[1] == rest;
        }

        private Step flatten(NodeProto n, Shape shape) {
            Preconditions.checkArgument(isFlatten(n, shape), "%s node '%s' is not a flatten to (N, C·H·W); other "
                    + "reshapes are not supported", n.getOpType(), n.getName());
            if (shape.dimension() == 2) {
                return new Step(null, null, n.getOutput(0), shape);
            }
            return step(n, Blocks.batchFlattenBlock(), shape);
        }

        private Step gemm(NodeProto n, Shape shape) {
            Preconditions.checkArgument(floatAttr(n, "alpha", 1) == 1 && floatAttr(n, "beta", 1) == 1
                    && ConstantFolder.intAttribute(n, "transA", 0) == 0, "Gemm node '%s' must have alpha = beta = 1 "
                    + "and transA = 0", n.getName());
            OnnxTensor b = constant(n, 1, "weight");
            OnnxTensor w = ConstantFolder.intAttribute(n, "transB", 0) == 1 ? b : transpose(b);
            OnnxTensor bias = n.getInputCount() > 2 && !n.getInput(2).isEmpty() ? constant(n, 2, "bias") : null;
            return linear(n, w, bias, shape);
        }

        private Step matMul(NodeProto n, Shape shape) {
            OnnxTensor w = transpose(constant(n, 1, "weight"));
            NodeProto add = only(n.getOutput(0));
            if (add != null && add.getOpType().equals("Add") && dataInputs(add).size() == 1) {
                String biasName = add.getInput(0).equals(n.getOutput(0)) ? add.getInput(1) : add.getInput(0);
                OnnxTensor bias = constants.value(biasName).orElseThrow();
                return linear(add, w, bias, shape);
            }
            return linear(n, w, null, shape);
        }

        private Step linear(NodeProto last, OnnxTensor w, OnnxTensor bias, Shape shape) {
            Preconditions.checkArgument(shape.dimension() == 2 && w.dims().length == 2 && w.dims()[1] == shape.get(1),
                    "node '%s' multiplies a %s input by a %s weight; only (N, in) × (in, out) is supported",
                    last.getName(), shape, Arrays.toString(w.dims()));
            Linear linear = Linear.builder().setUnits(w.dims()[0]).optBias(bias != null).build();
            Map<String, OnnxTensor> params = new LinkedHashMap<>();
            params.put("weight", w);
            if (bias != null) {
                params.put("bias", bias);
            }
            weights.put(linear, params);
            return step(last, linear, shape);
        }

        private static OnnxTensor transpose(OnnxTensor t) {
            Preconditions.checkArgument(t.dims().length == 2, "expected a matrix, got %s", Arrays.toString(t.dims()));
            return ConstantFolder.transpose(t, null);
        }

        /** Reads a Pad node's per-axis (before, after) amounts after checking it pads with zeros. */
        private long[] zeroPads(NodeProto n) {
            String mode = ConstantFolder.attribute(n, "mode").map(a -> a.getS().toStringUtf8()).orElse("constant");
            long[] pads = ConstantFolder.intsAttribute(n, "pads"); // opset < 11
            if (pads == null) {
                pads = constant(n, 1, "pads").longs();
            }
            double value = n.getInputCount() > 2 && !n.getInput(2).isEmpty() ? constant(n, 2, "value").scalar()
                    : floatAttr(n, "value", 0);
            Preconditions.checkArgument(mode.equals("constant") && value == 0 && pads.length == 8
                    && Arrays.stream(pads).allMatch(p -> p >= 0), "Pad node '%s' must pad a 4-D tensor with zeros "
                    + "(mode %s, value %s, pads %s)", n.getName(), mode, value, Arrays.toString(pads));
            return pads;
        }

        /** A zero pad: a no-op, the channel pad of a shortcut, or the padding of the average pool after it. */
        private Step pad(NodeProto n, Shape shape, int stride) {
            long[] p = zeroPads(n); // (x1_begin, ..., x4_begin, x1_end, ..., x4_end)
            boolean spatial = p[2] != 0 || p[3] != 0 || p[6] != 0 || p[7] != 0;
            Preconditions.checkArgument(p[0] == 0 && p[4] == 0, "Pad node '%s' pads the batch axis", n.getName());
            if (!spatial && (p[1] != 0 || p[5] != 0 || stride > 1)) {
                return step(n, new ZeroPadShortcut(stride, (int) p[1], (int) p[5]), shape);
            }
            if (!spatial) {
                return new Step(null, null, n.getOutput(0), shape);
            }
            NodeProto after = only(n.getOutput(0));
            Preconditions.checkArgument(stride == 1 && p[1] == 0 && p[5] == 0 && p[2] == p[3] && p[2] == p[6]
                    && p[2] == p[7] && after != null && after.getOpType().equals("AveragePool"), "Pad node '%s' pads "
                    + "%s; only channel padding (a shortcut) or equal spatial padding before an AveragePool is supported",
                    n.getName(), Arrays.toString(p));
            return avgPool(after, shape, (int) p[2], true);
        }

        /** x[:, :, ::s, ::s] (as one or two Slice nodes), possibly followed by a channel zero pad. */
        private Step slice(NodeProto n, Shape shape) {
            long[] steps = {1, 1, 1, 1};
            NodeProto last = n;
            NodeProto cur = n;
            while (cur != null && cur.getOpType().equals("Slice")) {
                long[] starts = constant(cur, 1, "starts").longs();
                long[] ends = constant(cur, 2, "ends").longs();
                long[] axes = cur.getInputCount() > 3 && !cur.getInput(3).isEmpty() ? constant(cur, 3, "axes").longs()
                        : new long[] {0, 1, 2, 3};
                long[] st = cur.getInputCount() > 4 && !cur.getInput(4).isEmpty() ? constant(cur, 4, "steps").longs()
                        : new long[] {1, 1, 1, 1};
                for (int i = 0; i < starts.length; i++) {
                    int axis = (int) (axes[i] < 0 ? axes[i] + 4 : axes[i]);
                    Preconditions.checkArgument(axis >= 2 && starts[i] == 0 && ends[i] >= shape.get(axis) && st[i] > 0,
                            "Slice node '%s' is not a spatial subsampling x[:, :, ::s, ::s]", cur.getName());
                    steps[axis] *= st[i];
                }
                last = cur;
                cur = only(cur.getOutput(0));
            }
            Preconditions.checkArgument(steps[2] == steps[3], "Slice nodes up to '%s' subsample H by %s and W by %s; "
                    + "only equal strides are supported", last.getName(), steps[2], steps[3]);
            if (cur != null && cur.getOpType().equals("Pad")) {
                Step s = pad(cur, shape, (int) steps[2]);
                return new Step(name(n), s.block(), s.out(), s.shape());
            }
            ZeroPadShortcut sub = new ZeroPadShortcut((int) steps[2], 0, 0);
            return new Step(name(n), sub, last.getOutput(0), sub.getOutputShapes(new Shape[] {shape})[0]);
        }

        private String name(NodeProto n) {
            String raw = n.getName().isEmpty() ? n.getOpType() + "_" + order.get(n) : n.getName();
            String clean = raw.replaceAll("[^A-Za-z0-9_.]+", "_").replaceAll("^_+|_+$", "");
            return clean.isEmpty() ? n.getOpType() + "_" + order.get(n) : clean;
        }

        private void loadWeights(NDManager manager) {
            List<String> problems = new ArrayList<>();
            weights.forEach((block, params) -> {
                Map<String, Parameter> byName = new HashMap<>();
                for (Pair<String, Parameter> p : block.getDirectParameters()) {
                    byName.put(p.getKey(), p.getValue());
                }
                params.forEach((name, t) -> {
                    Parameter p = byName.get(name);
                    Shape expected = p.getArray().getShape();
                    if (!expected.equals(new Shape(t.dims()))) {
                        problems.add(String.format("%s of %s: ONNX has %s, the block %s", name, block, Arrays.toString(
                                t.dims()), expected));
                        return;
                    }
                    try (NDManager scope = manager.newSubManager()) {
                        ParameterWrites.set(p.getArray(), new NDIndex("..."), scope.create(t.floats(), expected));
                    }
                });
            });
            Preconditions.checkState(problems.isEmpty(), "weights do not fit: %s", problems);
        }
    }
}
