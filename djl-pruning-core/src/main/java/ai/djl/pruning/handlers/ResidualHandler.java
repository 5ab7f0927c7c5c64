package ai.djl.pruning.handlers;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pruning.analysis.CostHandler;
import ai.djl.pruning.analysis.LayerCost;
import ai.djl.pruning.analysis.ProfileWalk;
import ai.djl.pruning.nn.BlockSpec;
import ai.djl.pruning.nn.ResidualBlock;
import ai.djl.pruning.nn.SpecHandler;
import ai.djl.pruning.onnx.OnnxGraph;
import ai.djl.pruning.onnx.OnnxHandler;
import ai.djl.pruning.structured.ChannelFlow;
import ai.djl.pruning.structured.ChannelHandler;
import ai.djl.pruning.structured.ChannelRole;
import ai.djl.pruning.structured.ChannelWalk;
import ai.djl.util.Pair;
import com.google.common.base.Preconditions;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.List;

/**
 * {@link ResidualBlock}: the main branch's children in order, the shortcut (identity when absent), an add
 * that couples the two position by position, then optionally a ReLU.
 */
public final class ResidualHandler implements SpecHandler<ResidualBlock>, ChannelHandler<ResidualBlock>,
        CostHandler<ResidualBlock>, OnnxHandler<ResidualBlock> {

    @Override
    public Class<ResidualBlock> blockType() {
        return ResidualBlock.class;
    }

    @Override
    public String specType() {
        return "Residual";
    }

    @Override
    public JsonObject describe(ResidualBlock block) {
        JsonObject o = newSpec();
        o.addProperty("reluAfterAdd", block.isReluAfterAdd());
        o.add("children", BlockSpec.children(block, block.getShortcut()));
        return o;
    }

    @Override
    public Block build(JsonObject spec) {
        ResidualBlock.Builder b = ResidualBlock.builder().optReluAfterAdd(spec.get("reluAfterAdd").getAsBoolean());
        for (JsonElement c : spec.getAsJsonArray("children")) {
            JsonObject child = c.getAsJsonObject();
            Block built = BlockSpec.build(child.getAsJsonObject("block"));
            String name = child.get("name").getAsString();
            if (child.has("shortcut") && child.get("shortcut").getAsBoolean()) {
                b.optShortcut(name, built);
            } else {
                b.add(name, built);
            }
        }
        return b.build();
    }

    @Override
    public ChannelFlow channels(ResidualBlock block, ChannelWalk walk) {
        ChannelFlow in = new ChannelFlow(walk.input(), walk.inputShapes());
        ChannelFlow x = in;
        for (Pair<String, Block> child : mainBranch(block)) {
            x = walk.child(child.getKey(), child.getValue(), x);
        }
        Pair<String, Block> shortcut = shortcut(block);
        int[] side = shortcut == null ? in.channels() : walk.child(shortcut.getKey(), shortcut.getValue(), in).channels();
        Preconditions.checkState(side.length == x.channels().length, "residual branches of %s differ in width: %s vs %s",
                walk.path(), x.channels().length, side.length);
        int[] out = new int[side.length];
        for (int i = 0; i < out.length; i++) {
            int a = x.channels()[i];
            int b = side[i];
            if (a >= 0 && b >= 0) {
                walk.union(a, b);
            }
            out[i] = a >= 0 ? a : b;
        }
        if (block.isReluAfterAdd()) {
            walk.record(ChannelRole.ACTIVATION, out);
        }
        return new ChannelFlow(out, x.shapes());
    }

    @Override
    public Shape[] profile(ResidualBlock block, ProfileWalk walk) {
        Shape[] x = walk.inputShapes();
        for (Pair<String, Block> child : mainBranch(block)) {
            x = walk.child(child.getKey(), child.getValue(), x);
        }
        Pair<String, Block> shortcut = shortcut(block);
        if (shortcut != null) {
            walk.child(shortcut.getKey(), shortcut.getValue(), walk.inputShapes());
        }
        long n = x[0].size();
        walk.extra("add", block.isReluAfterAdd() ? "residual add + ReLU" : "residual add", x[0],
                new LayerCost(walk.elementwise(n), 3 * n));
        return x;
    }

    @Override
    public String emit(ResidualBlock block, OnnxGraph graph) {
        String x = graph.input();
        Shape s = graph.inputShape();
        for (Pair<String, Block> child : mainBranch(block)) {
            x = graph.child(child.getKey(), child.getValue(), x, s);
            s = child.getValue().getOutputShapes(new Shape[] {s})[0];
        }
        String side = block.getShortcut() == null ? graph.input()
                : graph.child("shortcut", block.getShortcut(), graph.input(), graph.inputShape());
        String sum = graph.node("Add", List.of(x, side));
        return block.isReluAfterAdd() ? graph.node("Relu", List.of(sum)) : sum;
    }

    private static List<Pair<String, Block>> mainBranch(ResidualBlock block) {
        return block.getChildren().stream().filter(c -> c.getValue() != block.getShortcut()).toList();
    }

    private static Pair<String, Block> shortcut(ResidualBlock block) {
        return block.getChildren().stream().filter(c -> c.getValue() == block.getShortcut()).findFirst().orElse(null);
    }
}
