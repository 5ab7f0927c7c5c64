package ai.djl.pruning.handlers;

import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.pruning.nn.BlockSpec;
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
import java.util.Arrays;

/**
 * DJL's {@link Conv2d}: regular (its filters are new channels), depthwise (input and output channel c are
 * one channel) or grouped (whole groups go together, so the weight's per-group axis 1 stays). Its cost
 * comes from {@link ConvolutionHandler}.
 */
public final class Conv2dHandler implements SpecHandler<Conv2d>, ChannelHandler<Conv2d>, OnnxHandler<Conv2d> {

    @Override
    public Class<Conv2d> blockType() {
        return Conv2d.class;
    }

    @Override
    public String specType() {
        return "Conv2d";
    }

    @Override
    public JsonObject describe(Conv2d c) {
        JsonObject o = newSpec();
        o.add("kernel", BlockSpec.toJson(c.getKernelShape()));
        o.add("stride", BlockSpec.toJson(c.getStride()));
        o.add("padding", BlockSpec.toJson(c.getPadding()));
        o.add("dilation", BlockSpec.toJson(c.getDilation()));
        o.addProperty("filters", c.getFilters());
        o.addProperty("groups", c.getGroups());
        o.addProperty("bias", c.isIncludeBias());
        return o;
    }

    @Override
    public Block build(JsonObject spec) {
        return Conv2d.builder().setKernelShape(BlockSpec.shapeOf(spec.get("kernel")))
                .optStride(BlockSpec.shapeOf(spec.get("stride"))).optPadding(BlockSpec.shapeOf(spec.get("padding")))
                .optDilation(BlockSpec.shapeOf(spec.get("dilation"))).setFilters(spec.get("filters").getAsInt())
                .optGroups(spec.get("groups").getAsInt()).optBias(spec.get("bias").getAsBoolean()).build();
    }

    @Override
    public ChannelFlow channels(Conv2d conv, ChannelWalk walk) {
        int groups = conv.getGroups();
        int filters = conv.getFilters();
        int[] ids = walk.materialise(walk.input());
        if (groups == 1) {
            walk.record(ChannelRole.CONV_IN, ids);
            return walk.record(ChannelRole.CONV_OUT, walk.fresh(filters));
        }
        if (groups == ids.length && filters == ids.length) {
            return walk.record(ChannelRole.DEPTHWISE, ids);
        }
        int inPer = ids.length / groups;
        int outPer = filters / groups;
        int[] out = new int[filters];
        for (int g = 0; g < groups; g++) {
            for (int j = 1; j < inPer; j++) {
                walk.union(ids[g * inPer], ids[g * inPer + j]);
            }
            Arrays.fill(out, g * outPer, (g + 1) * outPer, ids[g * inPer]);
        }
        walk.record(ChannelRole.GROUPED_CONV_IN, ids);
        return walk.record(ChannelRole.CONV_OUT, out);
    }

    @Override
    public void narrow(JsonObject spec, KeptChannels keep) {
        if (keep.out() != null) {
            int groups = spec.get("groups").getAsInt();
            if (groups > 1) { // depthwise stays depthwise; a grouped conv lost whole groups
                spec.addProperty("groups", groups * keep.out().length / spec.get("filters").getAsInt());
            }
            spec.addProperty("filters", keep.out().length);
        }
    }

    @Override
    public String emit(Conv2d c, OnnxGraph graph) {
        Preconditions.checkArgument(c.getKernelShape().dimension() == 2, "%s: only 2-D convolutions", graph.path());
        long[] p = c.getPadding().getShape();
        return graph.node("Conv", graph.withParameters("weight", "bias"),
                OnnxGraph.ints("kernel_shape", c.getKernelShape().getShape()),
                OnnxGraph.ints("strides", c.getStride().getShape()), OnnxGraph.ints("pads", p[0], p[1], p[0], p[1]),
                OnnxGraph.ints("dilations", c.getDilation().getShape()), OnnxGraph.integer("group", c.getGroups()));
    }
}
