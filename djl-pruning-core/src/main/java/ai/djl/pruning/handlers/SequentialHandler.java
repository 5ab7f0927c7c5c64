package ai.djl.pruning.handlers;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.pruning.analysis.CostHandler;
import ai.djl.pruning.analysis.ProfileWalk;
import ai.djl.pruning.nn.BlockSpec;
import ai.djl.pruning.onnx.OnnxGraph;
import ai.djl.pruning.onnx.OnnxHandler;
import ai.djl.pruning.structured.ChannelFlow;
import ai.djl.pruning.structured.ChannelHandler;
import ai.djl.pruning.structured.ChannelWalk;
import ai.djl.pruning.nn.SpecHandler;
import ai.djl.util.Pair;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

/** DJL's {@link SequentialBlock} (and subclasses without a handler of their own): children in order. */
public class SequentialHandler implements SpecHandler<SequentialBlock>, ChannelHandler<SequentialBlock>,
        CostHandler<SequentialBlock>, OnnxHandler<SequentialBlock> {

    @Override
    public Class<SequentialBlock> blockType() {
        return SequentialBlock.class;
    }

    @Override
    public String specType() {
        return "Sequential";
    }

    @Override
    public JsonObject describe(SequentialBlock block) {
        JsonObject o = newSpec();
        o.add("children", BlockSpec.children(block, null));
        return o;
    }

    @Override
    public Block build(JsonObject spec) {
        SequentialBlock b = new SequentialBlock();
        for (JsonElement c : spec.getAsJsonArray("children")) {
            b.add(BlockSpec.build(c.getAsJsonObject().getAsJsonObject("block")));
        }
        return b;
    }

    @Override
    public ChannelFlow channels(SequentialBlock block, ChannelWalk walk) {
        ChannelFlow x = new ChannelFlow(walk.input(), walk.inputShapes());
        for (Pair<String, Block> child : block.getChildren()) {
            x = walk.child(child.getKey(), child.getValue(), x);
        }
        return x;
    }

    @Override
    public Shape[] profile(SequentialBlock block, ProfileWalk walk) {
        Shape[] x = walk.inputShapes();
        for (Pair<String, Block> child : block.getChildren()) {
            x = walk.child(child.getKey(), child.getValue(), x);
        }
        return x;
    }

    @Override
    public String emit(SequentialBlock block, OnnxGraph graph) {
        String x = graph.input();
        Shape s = graph.inputShape();
        for (Pair<String, Block> child : block.getChildren()) {
            x = graph.child(child.getKey(), child.getValue(), x, s);
            s = child.getValue().getOutputShapes(new Shape[] {s})[0];
        }
        return x;
    }
}
