package ai.djl.pruning.handlers;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.core.Linear;
import ai.djl.pruning.analysis.CostHandler;
import ai.djl.pruning.analysis.ProfileWalk;
import ai.djl.pruning.nn.SpecHandler;
import ai.djl.pruning.onnx.OnnxGraph;
import ai.djl.pruning.onnx.OnnxHandler;
import ai.djl.pruning.structured.ChannelFlow;
import ai.djl.pruning.structured.ChannelHandler;
import ai.djl.pruning.structured.ChannelRole;
import ai.djl.pruning.structured.ChannelWalk;
import ai.djl.pruning.structured.KeptChannels;
import com.google.common.base.Preconditions;
import com.google.gson.JsonObject;

/** DJL's {@link Linear}: its units are new channels; its input features must be one per channel or flattened. */
public final class LinearHandler implements SpecHandler<Linear>, ChannelHandler<Linear>, CostHandler<Linear>,
        OnnxHandler<Linear> {

    @Override
    public Class<Linear> blockType() {
        return Linear.class;
    }

    @Override
    public String specType() {
        return "Linear";
    }

    @Override
    public JsonObject describe(Linear block) {
        JsonObject o = newSpec();
        // From the weight (units, in): a Linear whose parameters were loaded from a file reports a 1-D input
        // shape, so its output shape would not tell.
        o.addProperty("units", block.getDirectParameters().get("weight").getArray().getShape().get(0));
        o.addProperty("bias", block.getDirectParameters().keys().contains("bias"));
        return o;
    }

    @Override
    public Block build(JsonObject spec) {
        return Linear.builder().setUnits(spec.get("units").getAsLong()).optBias(spec.get("bias").getAsBoolean()).build();
    }

    @Override
    public ChannelFlow channels(Linear block, ChannelWalk walk) {
        Shape in = walk.inputShapes()[0];
        Preconditions.checkArgument(in.dimension() == 2 && in.get(1) == walk.input().length, "linear layer %s takes "
                + "input %s; only a linear layer after global pooling (one feature per channel) is supported",
                walk.path(), in);
        walk.record(ChannelRole.LINEAR_IN, walk.materialise(walk.input()));
        return walk.record(ChannelRole.LINEAR_OUT, walk.fresh((int) walk.outputShapes()[0].get(1)));
    }

    @Override
    public void narrow(JsonObject spec, KeptChannels keep) {
        if (keep.out() != null) {
            spec.addProperty("units", keep.out().length);
        }
    }

    @Override
    public Shape[] profile(Linear block, ProfileWalk walk) {
        return ConvolutionHandler.weightedCost(block, walk,
                block.getDirectParameters().get("weight").getArray().getShape().get(0));
    }

    @Override
    public String emit(Linear block, OnnxGraph graph) {
        Preconditions.checkArgument(graph.inputShape().dimension() == 2, "%s: a linear layer on a %s input has no "
                + "Gemm form", graph.path(), graph.inputShape());
        return graph.node("Gemm", graph.withParameters("weight", "bias"), OnnxGraph.integer("transB", 1));
    }
}
