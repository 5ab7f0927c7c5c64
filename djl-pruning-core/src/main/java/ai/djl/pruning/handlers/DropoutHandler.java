package ai.djl.pruning.handlers;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.norm.Dropout;
import ai.djl.pruning.analysis.CostHandler;
import ai.djl.pruning.analysis.ProfileWalk;
import ai.djl.pruning.nn.DjlInternals;
import ai.djl.pruning.nn.SpecHandler;
import ai.djl.pruning.onnx.OnnxGraph;
import ai.djl.pruning.onnx.OnnxHandler;
import ai.djl.pruning.structured.ChannelFlow;
import ai.djl.pruning.structured.ChannelHandler;
import ai.djl.pruning.structured.ChannelWalk;
import com.google.gson.JsonObject;

/** DJL's {@link Dropout}: the identity in inference, channel-local in training; its rate is kept. */
public final class DropoutHandler implements SpecHandler<Dropout>, ChannelHandler<Dropout>, CostHandler<Dropout>,
        OnnxHandler<Dropout> {

    @Override
    public Class<Dropout> blockType() {
        return Dropout.class;
    }

    @Override
    public String specType() {
        return "Dropout";
    }

    @Override
    public JsonObject describe(Dropout block) {
        JsonObject o = newSpec();
        o.addProperty("rate", DjlInternals.dropoutRate(block));
        return o;
    }

    @Override
    public Block build(JsonObject spec) {
        return Dropout.builder().optRate(spec.get("rate").getAsFloat()).build();
    }

    @Override
    public ChannelFlow channels(Dropout block, ChannelWalk walk) {
        return walk.pass(walk.input());
    }

    @Override
    public Shape[] profile(Dropout block, ProfileWalk walk) {
        return Costs.view(block, walk);
    }

    @Override
    public String emit(Dropout block, OnnxGraph graph) {
        return graph.input(); // inference: the identity
    }
}
