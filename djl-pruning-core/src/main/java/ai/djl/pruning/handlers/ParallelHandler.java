package ai.djl.pruning.handlers;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.ParallelBlock;
import ai.djl.pruning.analysis.CostHandler;
import ai.djl.pruning.analysis.LayerCost;
import ai.djl.pruning.analysis.ProfileWalk;
import ai.djl.pruning.nn.BlockSpec;
import ai.djl.pruning.nn.KnownOps;
import ai.djl.pruning.nn.SpecHandler;
import ai.djl.pruning.onnx.OnnxGraph;
import ai.djl.pruning.onnx.OnnxHandler;
import ai.djl.pruning.structured.ChannelFlow;
import ai.djl.pruning.structured.ChannelHandler;
import ai.djl.pruning.structured.ChannelRole;
import ai.djl.pruning.structured.ChannelWalk;
import ai.djl.util.Pair;
import com.google.common.base.Preconditions;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * DJL's {@link ParallelBlock}: every branch reads the same input; the join is identified by probing
 * ({@link KnownOps.Join}): an add (optionally followed by a ReLU) or a multiply couples the branches
 * position by position, a concatenation lays their channels side by side. An unknown join is refused.
 */
public final class ParallelHandler implements SpecHandler<ParallelBlock>, ChannelHandler<ParallelBlock>,
        CostHandler<ParallelBlock>, OnnxHandler<ParallelBlock> {

    @Override
    public Class<ParallelBlock> blockType() {
        return ParallelBlock.class;
    }

    @Override
    public String specType() {
        return "Parallel";
    }

    @Override
    public JsonObject describe(ParallelBlock block) {
        List<Shape> branches = new ArrayList<>();
        for (Pair<String, Block> child : block.getChildren()) {
            branches.add(child.getValue().getOutputShapes(block.getInputShapes())[0]);
        }
        KnownOps.Join join = KnownOps.identify(block, branches.toArray(new Shape[0])).orElseThrow(() ->
                new IllegalArgumentException("cannot describe a ParallelBlock whose join matches none of "
                        + Arrays.toString(KnownOps.Join.values())));
        JsonObject o = newSpec();
        o.addProperty("join", join.name());
        o.add("children", BlockSpec.children(block, null));
        return o;
    }

    @Override
    public Block build(JsonObject spec) {
        List<Block> branches = new ArrayList<>();
        for (JsonElement c : spec.getAsJsonArray("children")) {
            branches.add(BlockSpec.build(c.getAsJsonObject().getAsJsonObject("block")));
        }
        return new ParallelBlock(KnownOps.Join.valueOf(spec.get("join").getAsString()).function(), branches);
    }

    @Override
    public ChannelFlow channels(ParallelBlock block, ChannelWalk walk) {
        ChannelFlow in = new ChannelFlow(walk.input(), walk.inputShapes());
        List<int[]> outs = new ArrayList<>();
        List<Shape> shapes = new ArrayList<>();
        for (Pair<String, Block> child : block.getChildren()) {
            ChannelFlow r = walk.child(child.getKey(), child.getValue(), in);
            outs.add(r.channels());
            shapes.add(r.shapes()[0]);
        }
        KnownOps.Join join = KnownOps.identify(block, shapes.toArray(new Shape[0])).orElseThrow(() -> walk.opaque(
                "its join matches none of " + Arrays.toString(KnownOps.Join.values())));
        if (join == KnownOps.Join.CONCAT) {
            return walk.pass(outs.stream().flatMapToInt(Arrays::stream).toArray());
        }
        int[] out = outs.get(0).clone();
        for (int[] other : outs.subList(1, outs.size())) {
            Preconditions.checkState(other.length == out.length, "branches of %s differ in width: %s vs %s",
                    walk.path(), out.length, other.length);
            for (int i = 0; i < out.length; i++) {
                if (out[i] >= 0 && other[i] >= 0) {
                    walk.union(out[i], other[i]);
                }
                out[i] = out[i] >= 0 ? out[i] : other[i];
            }
        }
        return join == KnownOps.Join.ADD_RELU ? walk.record(ChannelRole.ACTIVATION, out) : walk.pass(out);
    }

    @Override
    public Shape[] profile(ParallelBlock block, ProfileWalk walk) {
        Shape[] out = walk.outputShapes();
        List<Shape> branches = new ArrayList<>();
        long branchElements = 0;
        for (Pair<String, Block> child : block.getChildren()) {
            Shape s = walk.child(child.getKey(), child.getValue(), walk.inputShapes())[0];
            branches.add(s);
            branchElements += s.size();
        }
        // An identified join has a known cost: add and multiply one MAC per output element (torchprofile's
        // convention, broadcasting included), concatenation a copy.
        KnownOps.Join join = KnownOps.identify(block, branches.toArray(new Shape[0])).orElse(null);
        long n = out[0].size();
        if (join == null) {
            walk.extra("join", "ParallelBlock join", out[0], null);
        } else {
            long macs = join == KnownOps.Join.CONCAT ? 0 : walk.elementwise(n);
            walk.extra("join", "join " + join.name().toLowerCase(Locale.ROOT), out[0],
                    new LayerCost(macs, branchElements + n));
        }
        return out;
    }

    @Override
    public String emit(ParallelBlock block, OnnxGraph graph) {
        List<String> outs = new ArrayList<>();
        List<Shape> shapes = new ArrayList<>();
        for (Pair<String, Block> child : block.getChildren()) {
            outs.add(graph.child(child.getKey(), child.getValue(), graph.input(), graph.inputShape()));
            shapes.add(child.getValue().getOutputShapes(new Shape[] {graph.inputShape()})[0]);
        }
        KnownOps.Join join = KnownOps.identify(block, shapes.toArray(new Shape[0])).orElseThrow(() ->
                new IllegalArgumentException(graph.path() + ": a ParallelBlock whose join is unknown has no ONNX form"));
        if (join == KnownOps.Join.CONCAT) {
            return graph.node("Concat", outs, OnnxGraph.integer("axis", 1));
        }
        String op = join == KnownOps.Join.MUL ? "Mul" : "Add";
        String x = outs.get(0);
        for (String other : outs.subList(1, outs.size())) {
            x = graph.node(op, List.of(x, other)); // ONNX's Add and Mul are binary
        }
        return join == KnownOps.Join.ADD_RELU ? graph.node("Relu", List.of(x)) : x;
    }
}
