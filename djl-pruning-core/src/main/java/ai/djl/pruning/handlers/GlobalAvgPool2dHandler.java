package ai.djl.pruning.handlers;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pruning.analysis.CostHandler;
import ai.djl.pruning.analysis.ProfileWalk;
import ai.djl.pruning.nn.GlobalAvgPool2d;
import ai.djl.pruning.nn.SpecHandler;
import ai.djl.pruning.onnx.OnnxGraph;
import ai.djl.pruning.onnx.OnnxHandler;
import ai.djl.pruning.structured.ChannelFlow;
import ai.djl.pruning.structured.ChannelHandler;
import ai.djl.pruning.structured.ChannelWalk;
import com.google.gson.JsonObject;
import java.util.List;

/** {@link GlobalAvgPool2d}: (N, C, H, W) to (N, C), one value per channel. */
public final class GlobalAvgPool2dHandler implements SpecHandler<GlobalAvgPool2d>, ChannelHandler<GlobalAvgPool2d>,
        CostHandler<GlobalAvgPool2d>, OnnxHandler<GlobalAvgPool2d> {

    @Override
    public Class<GlobalAvgPool2d> blockType() {
        return GlobalAvgPool2d.class;
    }

    @Override
    public String specType() {
        return "GlobalAvgPool2d";
    }

    @Override
    public JsonObject describe(GlobalAvgPool2d block) {
        return newSpec();
    }

    @Override
    public Block build(JsonObject spec) {
        return new GlobalAvgPool2d();
    }

    @Override
    public ChannelFlow channels(GlobalAvgPool2d block, ChannelWalk walk) {
        return walk.pass(walk.input());
    }

    @Override
    public Shape[] profile(GlobalAvgPool2d block, ProfileWalk walk) {
        return Costs.perElement(block, walk);
    }

    @Override
    public String emit(GlobalAvgPool2d block, OnnxGraph graph) {
        return LambdaHandler.flatten(graph, graph.node("GlobalAveragePool", List.of(graph.input())));
    }
}
