package ai.djl.pruning.handlers;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pruning.analysis.CostHandler;
import ai.djl.pruning.analysis.ProfileWalk;
import ai.djl.pruning.nn.ChannelShuffle;
import ai.djl.pruning.nn.SpecHandler;
import ai.djl.pruning.structured.ChannelFlow;
import ai.djl.pruning.structured.ChannelHandler;
import ai.djl.pruning.structured.ChannelWalk;
import com.google.gson.JsonObject;

/**
 * {@link ChannelShuffle}: output a·g + b is input b·(C/g) + a. Index a of every group is one channel, so
 * pruning removes it from all g groups: the width stays a multiple of g and the shuffle keeps its form.
 */
public final class ChannelShuffleHandler implements SpecHandler<ChannelShuffle>, ChannelHandler<ChannelShuffle>,
        CostHandler<ChannelShuffle> {

    @Override
    public Class<ChannelShuffle> blockType() {
        return ChannelShuffle.class;
    }

    @Override
    public String specType() {
        return "ChannelShuffle";
    }

    @Override
    public JsonObject describe(ChannelShuffle shuffle) {
        JsonObject o = newSpec();
        o.addProperty("groups", shuffle.getGroups());
        return o;
    }

    @Override
    public Block build(JsonObject spec) {
        return new ChannelShuffle(spec.get("groups").getAsInt());
    }

    @Override
    public ChannelFlow channels(ChannelShuffle shuffle, ChannelWalk walk) {
        int[] in = walk.input();
        int[] source = shuffle.sourceChannels(in.length);
        int perGroup = in.length / shuffle.getGroups();
        for (int a = 0; a < perGroup; a++) {
            for (int b = 1; b < shuffle.getGroups(); b++) {
                if (in[a] < 0 || in[b * perGroup + a] < 0) {
                    throw walk.opaque("a zero-padded channel reaches the shuffle");
                }
                walk.union(in[a], in[b * perGroup + a]);
            }
        }
        int[] out = new int[in.length];
        for (int j = 0; j < out.length; j++) {
            out[j] = in[source[j]];
        }
        return walk.pass(out);
    }

    @Override
    public Shape[] profile(ChannelShuffle block, ProfileWalk walk) {
        return Costs.copy(block, walk);
    }
}
