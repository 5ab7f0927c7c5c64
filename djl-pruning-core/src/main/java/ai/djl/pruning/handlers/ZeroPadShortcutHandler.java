package ai.djl.pruning.handlers;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pruning.analysis.CostHandler;
import ai.djl.pruning.analysis.ProfileWalk;
import ai.djl.pruning.nn.SpecHandler;
import ai.djl.pruning.nn.ZeroPadShortcut;
import ai.djl.pruning.onnx.OnnxGraph;
import ai.djl.pruning.onnx.OnnxHandler;
import ai.djl.pruning.structured.ChannelFlow;
import ai.djl.pruning.structured.ChannelHandler;
import ai.djl.pruning.structured.ChannelRole;
import ai.djl.pruning.structured.ChannelWalk;
import ai.djl.pruning.structured.KeptChannels;
import com.google.gson.JsonObject;
import java.util.List;

/**
 * {@link ZeroPadShortcut}, the CIFAR ResNets' "option A" shortcut: its input's channels shifted by the
 * front padding, between zero channels. Each zero channel gets an id of its own, which the residual add
 * couples to the main branch's channel at that position; pruning recounts the padding from the positions
 * kept.
 */
public final class ZeroPadShortcutHandler implements SpecHandler<ZeroPadShortcut>, ChannelHandler<ZeroPadShortcut>,
        CostHandler<ZeroPadShortcut>, OnnxHandler<ZeroPadShortcut> {

    @Override
    public Class<ZeroPadShortcut> blockType() {
        return ZeroPadShortcut.class;
    }

    @Override
    public String specType() {
        return "ZeroPadShortcut";
    }

    @Override
    public JsonObject describe(ZeroPadShortcut z) {
        JsonObject o = newSpec();
        o.addProperty("stride", z.getStride());
        o.addProperty("padBefore", z.getPadBefore());
        o.addProperty("padAfter", z.getPadAfter());
        return o;
    }

    @Override
    public Block build(JsonObject spec) {
        return new ZeroPadShortcut(spec.get("stride").getAsInt(), spec.get("padBefore").getAsInt(),
                spec.get("padAfter").getAsInt());
    }

    @Override
    public ChannelFlow channels(ZeroPadShortcut pad, ChannelWalk walk) {
        int[] in = walk.input();
        int[] out = new int[pad.getPadBefore() + in.length + pad.getPadAfter()];
        System.arraycopy(walk.fresh(pad.getPadBefore()), 0, out, 0, pad.getPadBefore());
        System.arraycopy(in, 0, out, pad.getPadBefore(), in.length);
        System.arraycopy(walk.fresh(pad.getPadAfter()), 0, out, pad.getPadBefore() + in.length, pad.getPadAfter());
        return walk.record(ChannelRole.SHORTCUT_PAD, out);
    }

    @Override
    public void narrow(JsonObject spec, KeptChannels keep) {
        int padBefore = spec.get("padBefore").getAsInt();
        int padAfter = spec.get("padAfter").getAsInt();
        int before = 0;
        int after = 0;
        for (int i : keep.out()) {
            before += i < padBefore ? 1 : 0;
            after += i >= keep.outWidth() - padAfter ? 1 : 0;
        }
        spec.addProperty("padBefore", before);
        spec.addProperty("padAfter", after);
    }

    @Override
    public Shape[] profile(ZeroPadShortcut block, ProfileWalk walk) {
        return Costs.copy(block, walk);
    }

    /** x[:, :, ::s, ::s], then zero channels before and after. */
    @Override
    public String emit(ZeroPadShortcut z, OnnxGraph graph) {
        String x = graph.input();
        if (z.getStride() > 1) {
            long s = z.getStride();
            x = graph.node("Slice", List.of(x, graph.longs("starts", 0, 0), graph.longs("ends", Long.MAX_VALUE,
                    Long.MAX_VALUE), graph.longs("axes", 2, 3), graph.longs("steps", s, s)));
        }
        if (z.getPadBefore() > 0 || z.getPadAfter() > 0) {
            x = graph.node("Pad", List.of(x, graph.longs("pads", 0, z.getPadBefore(), 0, 0, 0, z.getPadAfter(), 0, 0)),
                    OnnxGraph.string("mode", "constant"));
        }
        return x;
    }
}
