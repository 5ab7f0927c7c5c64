package ai.djl.pruning.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
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
import ai.djl.pruning.adder.AdderConv2d;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import com.google.common.base.Preconditions;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

/**
 * The architecture of a block tree as JSON: every block's type, widths and options, children with
 * their names. {@link #describe} and {@link #build} are inverse: a pruned model is saved as its spec
 * plus its parameters and rebuilt without the original code guessing its widths.
 *
 * <p>Known blocks: {@link NamedSequentialBlock}, {@link SequentialBlock}, {@link ResidualBlock},
 * {@link Conv2d}, {@link AdderConv2d}, {@link BatchNorm} (with its ε and momentum), {@link Linear}, {@link Relu},
 * {@link Elementwise}, {@link AvgPool2d}, {@link MaxPool2d}, {@link GlobalAvgPool2d}, {@link ChannelShuffle},
 * {@link ZeroPadShortcut}, DJL's {@link ParallelBlock} and {@link
 * LambdaBlock} when {@link KnownOps} identifies their operation, and parameter-free {@link ChannelMapping}
 * blocks (rebuilt by class name). Others are refused with their name.
 */
public final class BlockSpec {

    private BlockSpec() {}

    /**
     * Describes a block tree.
     *
     * @param block the block (initialised, for the linear layers' widths)
     * @return its spec
     * @throws IllegalArgumentException naming a block that cannot be described
     */
    public static JsonObject describe(Block block) {
        JsonObject o = new JsonObject();
        if (block instanceof ParallelBlock parallel) {
            o.addProperty("type", "Parallel");
            List<Shape> branches = new ArrayList<>();
            for (Pair<String, Block> child : block.getChildren()) {
                branches.add(child.getValue().getOutputShapes(block.getInputShapes())[0]);
            }
            KnownOps.Join join = KnownOps.identify(parallel, branches.toArray(new Shape[0])).orElseThrow(() ->
                    new IllegalArgumentException("cannot describe a ParallelBlock whose join matches none of "
                            + Arrays.toString(KnownOps.Join.values())));
            o.addProperty("join", join.name());
            o.add("children", children(block, null));
        } else if (block instanceof ChannelMapping && block.getParameters().isEmpty()) {
            o.addProperty("type", "Custom");
            o.addProperty("class", block.getClass().getName());
        } else if (block instanceof LambdaBlock lambda && KnownOps.identify(lambda).isEmpty()) {
            // Described as the named block it was probed to equal: rebuilt, it computes the same.
            return describe(KnownOps.equivalent(lambda).orElseThrow(() -> new IllegalArgumentException(
                    "cannot describe " + KnownOps.UNKNOWN_LAMBDA)));
        } else if (block instanceof Dropout) {
            o.addProperty("type", "Dropout");
            o.addProperty("rate", (Float) privateField(block, Dropout.class, "rate"));
        } else if (block instanceof LambdaBlock lambda) {
            KnownOps.Lambda op = KnownOps.identify(lambda).orElseThrow();
            o.addProperty("type", "Lambda");
            o.addProperty("op", op.name());
        } else if (block instanceof NamedSequentialBlock || block instanceof SequentialBlock) {
            o.addProperty("type", block instanceof NamedSequentialBlock ? "NamedSequential" : "Sequential");
            o.add("children", children(block, null));
        } else if (block instanceof ResidualBlock r) {
            o.addProperty("type", "Residual");
            o.addProperty("reluAfterAdd", r.isReluAfterAdd());
            o.add("children", children(block, r.getShortcut()));
        } else if (block instanceof Conv2d c) {
            o.addProperty("type", "Conv2d");
            o.add("kernel", shape(c.getKernelShape()));
            o.add("stride", shape(c.getStride()));
            o.add("padding", shape(c.getPadding()));
            o.add("dilation", shape(c.getDilation()));
            o.addProperty("filters", c.getFilters());
            o.addProperty("groups", c.getGroups());
            o.addProperty("bias", c.isIncludeBias());
        } else if (block instanceof AdderConv2d a) {
            o.addProperty("type", "AdderConv2d");
            o.addProperty("kernel", a.getKernel());
            o.addProperty("filters", a.getFilters());
            o.addProperty("stride", a.getStride());
            o.addProperty("padding", a.getPadding());
        } else if (block instanceof BatchNorm) {
            o.addProperty("type", "BatchNorm");
            // DJL offers no getters; without these a rebuilt BatchNorm would silently use the defaults.
            o.addProperty("epsilon", (Float) privateField(block, BatchNorm.class, "epsilon"));
            o.addProperty("momentum", (Float) privateField(block, BatchNorm.class, "momentum"));
        } else if (block instanceof Linear) {
            o.addProperty("type", "Linear");
            // From the weight (units, in): a Linear whose parameters were loaded from a file reports a
            // 1-D input shape, so its output shape would not tell.
            o.addProperty("units", block.getDirectParameters().get("weight").getArray().getShape().get(0));
            o.addProperty("bias", block.getDirectParameters().keys().contains("bias"));
        } else if (block instanceof Relu) {
            o.addProperty("type", "Relu");
        } else if (block instanceof Elementwise e) {
            o.addProperty("type", "Elementwise");
            o.addProperty("kind", e.getKind().name());
            o.addProperty("a", e.getA());
            o.addProperty("b", e.getB());
        } else if (block instanceof AvgPool2d p) {
            o.addProperty("type", "AvgPool2d");
            o.addProperty("kernel", p.getKernel());
            o.addProperty("stride", p.getStride());
            o.addProperty("padding", p.getPadding());
            o.addProperty("countPadding", p.isCountPadding());
        } else if (block instanceof MaxPool2d p) {
            o.addProperty("type", "MaxPool2d");
            o.addProperty("kernel", p.getKernel());
            o.addProperty("stride", p.getStride());
            if (p.getPadding() > 0) {
                o.addProperty("padding", p.getPadding()); // absent in older specs: 0
            }
        } else if (block instanceof GlobalAvgPool2d) {
            o.addProperty("type", "GlobalAvgPool2d");
        } else if (block instanceof ChannelShuffle shuffle) {
            o.addProperty("type", "ChannelShuffle");
            o.addProperty("groups", shuffle.getGroups());
        } else if (block instanceof ZeroPadShortcut z) {
            o.addProperty("type", "ZeroPadShortcut");
            o.addProperty("stride", z.getStride());
            o.addProperty("padBefore", z.getPadBefore());
            o.addProperty("padAfter", z.getPadAfter());
        } else {
            throw new IllegalArgumentException("cannot describe " + block.getClass().getSimpleName()
                    + ": only the project's nn blocks and DJL's Conv2d, BatchNorm, Linear and sequences are supported");
        }
        return o;
    }

    /**
     * Copies a block: the same architecture, built anew from its spec, with copies of its parameter
     * values (running BatchNorm statistics included) in arrays of its own; the original is not touched.
     *
     * <pre>{@code
     * Block copy = BlockSpec.copy(net, new Shape(1, 3, 32, 32), manager);
     * masks.apply(copy); // same parameter paths as the original
     * }</pre>
     *
     * @param block an initialised block of supported types
     * @param inputShape an input shape to initialise the copy with
     * @param manager owns the copy's parameters
     * @return the copy
     */
    public static Block copy(Block block, Shape inputShape, NDManager manager) {
        Preconditions.checkArgument(block.isInitialized(), "initialise the block before copying it");
        Block copy = build(describe(block));
        ProbeInputs.initializeForOverwrite(copy, manager, inputShape);
        List<Pair<String, Parameter>> from = block.getParameters().stream().toList();
        List<Pair<String, Parameter>> to = copy.getParameters().stream().toList();
        Preconditions.checkState(from.size() == to.size(), "copy has %s parameters, the block %s", to.size(), from.size());
        for (int i = 0; i < from.size(); i++) {
            NDArray src = from.get(i).getValue().getArray();
            NDArray dst = to.get(i).getValue().getArray();
            Preconditions.checkState(from.get(i).getKey().equals(to.get(i).getKey())
                    && src.getShape().equals(dst.getShape()), "copy's %s %s differs from the block's %s %s",
                    to.get(i).getKey(), dst.getShape(), from.get(i).getKey(), src.getShape());
            ParameterWrites.set(dst, new NDIndex("..."), src);
        }
        return copy;
    }

    /**
     * Builds a new, uninitialised block tree from a spec.
     *
     * @param spec a spec from {@link #describe}
     * @return the block
     * @throws IllegalArgumentException for an unknown or malformed spec
     */
    public static Block build(JsonObject spec) {
        String type = spec.get("type").getAsString();
        switch (type) {
            case "NamedSequential": {
                NamedSequentialBlock b = new NamedSequentialBlock();
                for (JsonElement c : spec.getAsJsonArray("children")) {
                    b.add(c.getAsJsonObject().get("name").getAsString(), build(c.getAsJsonObject().getAsJsonObject("block")));
                }
                return b;
            }
            case "Sequential": {
                SequentialBlock b = new SequentialBlock();
                for (JsonElement c : spec.getAsJsonArray("children")) {
                    b.add(build(c.getAsJsonObject().getAsJsonObject("block")));
                }
                return b;
            }
            case "Residual": {
                ResidualBlock.Builder b = ResidualBlock.builder().optReluAfterAdd(spec.get("reluAfterAdd").getAsBoolean());
                for (JsonElement c : spec.getAsJsonArray("children")) {
                    JsonObject child = c.getAsJsonObject();
                    Block built = build(child.getAsJsonObject("block"));
                    String name = child.get("name").getAsString();
                    if (child.has("shortcut") && child.get("shortcut").getAsBoolean()) {
                        b.optShortcut(name, built);
                    } else {
                        b.add(name, built);
                    }
                }
                return b.build();
            }
            case "Conv2d":
                return Conv2d.builder().setKernelShape(shape(spec.get("kernel"))).optStride(shape(spec.get("stride")))
                        .optPadding(shape(spec.get("padding"))).optDilation(shape(spec.get("dilation")))
                        .setFilters(spec.get("filters").getAsInt()).optGroups(spec.get("groups").getAsInt())
                        .optBias(spec.get("bias").getAsBoolean()).build();
            case "AdderConv2d":
                return AdderConv2d.builder().setKernel(spec.get("kernel").getAsInt())
                        .setFilters(spec.get("filters").getAsInt()).optStride(spec.get("stride").getAsInt())
                        .optPadding(spec.get("padding").getAsInt()).build();
            case "BatchNorm": {
                BatchNorm.BaseBuilder<?> b = BatchNorm.builder();
                if (spec.has("epsilon")) {
                    b.optEpsilon(spec.get("epsilon").getAsFloat()).optMomentum(spec.get("momentum").getAsFloat());
                }
                return b.build();
            }
            case "Parallel": {
                List<Block> branches = new ArrayList<>();
                for (JsonElement c : spec.getAsJsonArray("children")) {
                    branches.add(build(c.getAsJsonObject().getAsJsonObject("block")));
                }
                return new ParallelBlock(KnownOps.Join.valueOf(spec.get("join").getAsString()).function(), branches);
            }
            case "Custom": {
                String name = spec.get("class").getAsString();
                try {
                    Class<?> c = Class.forName(name);
                    Preconditions.checkArgument(Block.class.isAssignableFrom(c) && ChannelMapping.class.isAssignableFrom(c),
                            "%s is not a ChannelMapping block", name);
                    return (Block) c.getConstructor().newInstance();
                } catch (ReflectiveOperationException e) {
                    throw new IllegalArgumentException("cannot create custom block " + name
                            + ": it needs a public no-argument constructor", e);
                }
            }
            case "Lambda":
                return KnownOps.Lambda.valueOf(spec.get("op").getAsString()).newBlock();
            case "Linear":
                return Linear.builder().setUnits(spec.get("units").getAsLong()).optBias(spec.get("bias").getAsBoolean()).build();
            case "Relu":
                return new Relu();
            case "Elementwise": {
                Elementwise.Kind kind = Elementwise.Kind.valueOf(spec.get("kind").getAsString());
                float a = spec.get("a").getAsFloat();
                float b = spec.get("b").getAsFloat();
                return switch (kind) {
                    case CLIP -> Elementwise.clip(a, b);
                    case HARD_SIGMOID -> Elementwise.hardSigmoid(a, b);
                    default -> Elementwise.of(kind);
                };
            }
            case "AvgPool2d":
                return new AvgPool2d(spec.get("kernel").getAsInt(), spec.get("stride").getAsInt(),
                        spec.get("padding").getAsInt(), spec.get("countPadding").getAsBoolean());
            case "MaxPool2d":
                return new MaxPool2d(spec.get("kernel").getAsInt(), spec.get("stride").getAsInt(),
                        spec.has("padding") ? spec.get("padding").getAsInt() : 0);
            case "GlobalAvgPool2d":
                return new GlobalAvgPool2d();
            case "Dropout":
                return Dropout.builder().optRate(spec.get("rate").getAsFloat()).build();
            case "ChannelShuffle":
                return new ChannelShuffle(spec.get("groups").getAsInt());
            case "ZeroPadShortcut":
                return new ZeroPadShortcut(spec.get("stride").getAsInt(), spec.get("padBefore").getAsInt(),
                        spec.get("padAfter").getAsInt());
            default:
                throw new IllegalArgumentException("unknown block type '" + type + "' in spec");
        }
    }

    private static Object privateField(Object o, Class<?> owner, String name) {
        try {
            java.lang.reflect.Field f = owner.getDeclaredField(name);
            f.setAccessible(true);
            return f.get(o);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("cannot read " + owner.getSimpleName() + "." + name
                    + " in this DJL version", e);
        }
    }

    private static JsonArray children(Block block, Block shortcut) {
        JsonArray out = new JsonArray();
        for (Pair<String, Block> c : block.getChildren()) {
            JsonObject child = new JsonObject();
            child.addProperty("name", BlockPaths.childName(c.getKey()));
            if (c.getValue() == shortcut) {
                child.addProperty("shortcut", true);
            }
            child.add("block", describe(c.getValue()));
            out.add(child);
        }
        return out;
    }

    private static JsonArray shape(Shape s) {
        JsonArray a = new JsonArray();
        for (long d : s.getShape()) {
            a.add(d);
        }
        return a;
    }

    private static Shape shape(JsonElement e) {
        JsonArray a = e.getAsJsonArray();
        long[] d = new long[a.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = a.get(i).getAsLong();
        }
        return new Shape(d);
    }
}
