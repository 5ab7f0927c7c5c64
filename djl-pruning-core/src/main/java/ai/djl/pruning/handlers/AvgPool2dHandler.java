package ai.djl.pruning.handlers;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pruning.analysis.CostHandler;
import ai.djl.pruning.analysis.ProfileWalk;
import ai.djl.pruning.nn.AvgPool2d;
import ai.djl.pruning.nn.SpecHandler;
import ai.djl.pruning.onnx.OnnxGraph;
import ai.djl.pruning.onnx.OnnxHandler;
import ai.djl.pruning.structured.ChannelFlow;
import ai.djl.pruning.structured.ChannelHandler;
import ai.djl.pruning.structured.ChannelWalk;
import com.google.gson.JsonObject;
import java.util.List;

/** {@link AvgPool2d}: channel-local; one MAC per output element under torchprofile. */
public final class AvgPool2dHandler implements SpecHandler<AvgPool2d>, ChannelHandler<AvgPool2d>,
        CostHandler<AvgPool2d>, OnnxHandler<AvgPool2d> {

    @Override
    public Class<AvgPool2d> blockType() {
        return AvgPool2d.class;
    }

    @Override
    public String specType() {
        return "AvgPool2d";
    }

    @Override
    public JsonObject describe(AvgPool2d p) {
        JsonObject o = newSpec();
        o.addProperty("kernel", p.getKernel());
        o.addProperty("stride", p.getStride());
        o.addProperty("padding", p.getPadding());
        o.addProperty("countPadding", p.isCountPadding());
        return o;
    }

    @Override
    public Block build(JsonObject spec) {
        return new AvgPool2d(spec.get("kernel").getAsInt(), spec.get("stride").getAsInt(),
                spec.get("padding").getAsInt(), spec.get("countPadding").getAsBoolean());
    }

    @Override
    public ChannelFlow channels(AvgPool2d block, ChannelWalk walk) {
        return walk.pass(walk.input());
    }

    @Override
    public Shape[] profile(AvgPool2d block, ProfileWalk walk) {
        return Costs.perElement(block, walk);
    }

    @Override
    public String emit(AvgPool2d p, OnnxGraph graph) {
        int pad = p.getPadding();
        return graph.node("AveragePool", List.of(graph.input()), OnnxGraph.ints("kernel_shape", p.getKernel(),
                p.getKernel()), OnnxGraph.ints("strides", p.getStride(), p.getStride()),
                OnnxGraph.ints("pads", pad, pad, pad, pad), OnnxGraph.integer("count_include_pad",
                        p.isCountPadding() ? 1 : 0));
    }
}
