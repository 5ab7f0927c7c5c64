package ai.djl.pruning.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
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
 * <p>Each block is described and built by the {@link SpecHandler} {@link BlockHandlers} finds for it:
 * built-ins for DJL's sequences, {@code ParallelBlock} and {@code LambdaBlock} (when probing identifies
 * their operation), {@code Conv2d}, {@code BatchNorm} (with its ε and momentum), {@code Linear}, {@code
 * Dropout}, this project's {@code nn} blocks and parameter-free {@link ChannelMapping} blocks (rebuilt by
 * class name); a user's layer through its registered handler. Others are refused with their name.
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
    @SuppressWarnings("unchecked")
    public static JsonObject describe(Block block) {
        SpecHandler<Block> h = BlockHandlers.find(block, SpecHandler.class)
                .orElseThrow(() -> BlockHandlers.missing(block, "", SpecHandler.class, "describe"));
        return h.describe(block);
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
        Preconditions.checkArgument(spec.has("type"), "a block spec without \"type\": %s", spec);
        String type = spec.get("type").getAsString();
        return BlockHandlers.forSpecType(type).orElseThrow(() -> new IllegalArgumentException("unknown block type '"
                + type + "' in spec: no SpecHandler builds it")).build(spec);
    }

    /**
     * Describes a container's children, in order, with their names; the shortcut (if any) is flagged.
     *
     * @param block the container
     * @param shortcut the child that is its shortcut branch, or null
     * @return the children's specs
     */
    public static JsonArray children(Block block, Block shortcut) {
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

    /**
     * A shape as a JSON array.
     *
     * @param s the shape
     * @return its dimensions
     */
    public static JsonArray toJson(Shape s) {
        JsonArray a = new JsonArray();
        for (long d : s.getShape()) {
            a.add(d);
        }
        return a;
    }

    /**
     * A shape from a JSON array.
     *
     * @param e the array
     * @return the shape
     */
    public static Shape shapeOf(JsonElement e) {
        JsonArray a = e.getAsJsonArray();
        long[] d = new long[a.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = a.get(i).getAsLong();
        }
        return new Shape(d);
    }
}
