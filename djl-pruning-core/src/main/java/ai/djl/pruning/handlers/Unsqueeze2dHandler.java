package ai.djl.pruning.handlers;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pruning.analysis.CostHandler;
import ai.djl.pruning.analysis.ProfileWalk;
import ai.djl.pruning.nn.SpecHandler;
import ai.djl.pruning.nn.Unsqueeze2d;
import ai.djl.pruning.onnx.OnnxGraph;
import ai.djl.pruning.onnx.OnnxHandler;
import ai.djl.pruning.structured.ChannelFlow;
import ai.djl.pruning.structured.ChannelHandler;
import ai.djl.pruning.structured.ChannelWalk;
import com.google.gson.JsonObject;
import java.util.List;

/** {@link Unsqueeze2d}: (N, C) to (N, C, 1, 1), a view that keeps every channel. */
public final class Unsqueeze2dHandler implements SpecHandler<Unsqueeze2d>, ChannelHandler<Unsqueeze2d>,
        CostHandler<Unsqueeze2d>, OnnxHandler<Unsqueeze2d> {

    @Override
    public Class<Unsqueeze2d> blockType() {
        return Unsqueeze2d.class;
    }

    @Override
    public String specType() {
        return "Unsqueeze2d";
    }

    @Override
    public JsonObject describe(Unsqueeze2d block) {
        return newSpec();
    }

    @Override
    public Block build(JsonObject spec) {
        return new Unsqueeze2d();
    }

    @Override
    public ChannelFlow channels(Unsqueeze2d block, ChannelWalk walk) {
        return walk.pass(walk.input());
    }

    @Override
    public Shape[] profile(Unsqueeze2d block, ProfileWalk walk) {
        return Costs.view(block, walk);
    }

    @Override
    public String emit(Unsqueeze2d block, OnnxGraph graph) {
        return graph.node("Unsqueeze", List.of(graph.input(), graph.longs("axes", 2, 3)));
    }
}
