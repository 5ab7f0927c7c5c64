package ai.djl.pruning.handlers;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pruning.analysis.CostHandler;
import ai.djl.pruning.analysis.ProfileWalk;
import ai.djl.pruning.nn.MaxPool2d;
import ai.djl.pruning.nn.SpecHandler;
import ai.djl.pruning.onnx.OnnxGraph;
import ai.djl.pruning.onnx.OnnxHandler;
import ai.djl.pruning.structured.ChannelFlow;
import ai.djl.pruning.structured.ChannelHandler;
import ai.djl.pruning.structured.ChannelWalk;
import com.google.gson.JsonObject;
import java.util.List;

/** {@link MaxPool2d}: channel-local; comparisons, no MACs. */
public final class MaxPool2dHandler implements SpecHandler<MaxPool2d>, ChannelHandler<MaxPool2d>,
        CostHandler<MaxPool2d>, OnnxHandler<MaxPool2d> {

    @Override
    public Class<MaxPool2d> blockType() {
        return MaxPool2d.class;
    }

    @Override
    public String specType() {
        return "MaxPool2d";
    }

    @Override
    public JsonObject describe(MaxPool2d p) {
        JsonObject o = newSpec();
        o.addProperty("kernel", p.getKernel());
        o.addProperty("stride", p.getStride());
        if (p.getPadding() > 0) {
            o.addProperty("padding", p.getPadding()); // absent in older specs: 0
        }
        return o;
    }

    @Override
    public Block build(JsonObject spec) {
        return new MaxPool2d(spec.get("kernel").getAsInt(), spec.get("stride").getAsInt(),
                spec.has("padding") ? spec.get("padding").getAsInt() : 0);
    }

    @Override
    public ChannelFlow channels(MaxPool2d block, ChannelWalk walk) {
        return walk.pass(walk.input());
    }

    @Override
    public Shape[] profile(MaxPool2d block, ProfileWalk walk) {
        return Costs.copy(block, walk);
    }

    @Override
    public String emit(MaxPool2d p, OnnxGraph graph) {
        int pad = p.getPadding();
        return graph.node("MaxPool", List.of(graph.input()), OnnxGraph.ints("kernel_shape", p.getKernel(),
                p.getKernel()), OnnxGraph.ints("strides", p.getStride(), p.getStride()),
                OnnxGraph.ints("pads", pad, pad, pad, pad));
    }
}
