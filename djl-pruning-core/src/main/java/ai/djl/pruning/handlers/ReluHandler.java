package ai.djl.pruning.handlers;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pruning.analysis.CostHandler;
import ai.djl.pruning.analysis.ProfileWalk;
import ai.djl.pruning.nn.Relu;
import ai.djl.pruning.nn.SpecHandler;
import ai.djl.pruning.onnx.OnnxGraph;
import ai.djl.pruning.onnx.OnnxHandler;
import ai.djl.pruning.structured.ChannelFlow;
import ai.djl.pruning.structured.ChannelHandler;
import ai.djl.pruning.structured.ChannelRole;
import ai.djl.pruning.structured.ChannelWalk;
import com.google.gson.JsonObject;
import java.util.List;

/** {@link Relu}: channel-local; its output is recorded as an activation for criteria such as APoZ. */
public final class ReluHandler implements SpecHandler<Relu>, ChannelHandler<Relu>, CostHandler<Relu>,
        OnnxHandler<Relu> {

    @Override
    public Class<Relu> blockType() {
        return Relu.class;
    }

    @Override
    public String specType() {
        return "Relu";
    }

    @Override
    public JsonObject describe(Relu block) {
        return newSpec();
    }

    @Override
    public Block build(JsonObject spec) {
        return new Relu();
    }

    @Override
    public ChannelFlow channels(Relu block, ChannelWalk walk) {
        return walk.record(ChannelRole.ACTIVATION, walk.input());
    }

    @Override
    public Shape[] profile(Relu block, ProfileWalk walk) {
        return Costs.copy(block, walk);
    }

    @Override
    public String emit(Relu block, OnnxGraph graph) {
        return graph.node("Relu", List.of(graph.input()));
    }
}
