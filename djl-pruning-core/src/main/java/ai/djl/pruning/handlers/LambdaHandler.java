package ai.djl.pruning.handlers;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
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
import com.google.gson.JsonObject;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * DJL's {@link LambdaBlock}, known by probing ({@link KnownOps}): a named operation (identity, ReLU, global
 * pooling, batch flatten), or else the named block it computes the same as (pooling of any kernel, stride
 * and padding; sigmoid, ReLU6, hard swish, hard sigmoid; unsqueeze), which then stands in for it in every
 * capability. A lambda that matches nothing is refused (an unknown row in a profile).
 */
public final class LambdaHandler implements SpecHandler<LambdaBlock>, ChannelHandler<LambdaBlock>,
        CostHandler<LambdaBlock>, OnnxHandler<LambdaBlock> {

    @Override
    public Class<LambdaBlock> blockType() {
        return LambdaBlock.class;
    }

    @Override
    public String specType() {
        return "Lambda";
    }

    @Override
    public JsonObject describe(LambdaBlock block) {
        Optional<KnownOps.Lambda> op = KnownOps.identify(block);
        if (op.isEmpty()) {
            // Described as the named block it was probed to equal: rebuilt, it computes the same.
            return BlockSpec.describe(equivalent(block, "cannot describe "));
        }
        JsonObject o = newSpec();
        o.addProperty("op", op.get().name());
        return o;
    }

    @Override
    public Block build(JsonObject spec) {
        return KnownOps.Lambda.valueOf(spec.get("op").getAsString()).newBlock();
    }

    @Override
    public ChannelFlow channels(LambdaBlock block, ChannelWalk walk) {
        Optional<KnownOps.Lambda> op = KnownOps.identify(block);
        if (op.isEmpty()) {
            return walk.as(KnownOps.equivalent(block).orElseThrow(() -> walk.opaque(KnownOps.UNKNOWN_LAMBDA)));
        }
        int[] in = walk.input();
        switch (op.get()) {
            case RELU:
                return walk.record(ChannelRole.ACTIVATION, in);
            case BATCH_FLATTEN: {
                // Channel c owns positions [c·H·W, (c + 1)·H·W) of the flat vector.
                Shape s = walk.inputShapes()[0];
                int per = (int) (s.size() / s.get(0) / in.length);
                int[] out = new int[in.length * per];
                for (int c = 0; c < in.length; c++) {
                    Arrays.fill(out, c * per, (c + 1) * per, in[c]);
                }
                return walk.pass(out);
            }
            default:
                return walk.pass(in); // identity and global pooling keep one value per channel
        }
    }

    @Override
    public Shape[] profile(LambdaBlock block, ProfileWalk walk) {
        Optional<KnownOps.Lambda> op = KnownOps.identify(block);
        if (op.isEmpty()) {
            Optional<Block> same = KnownOps.equivalent(block);
            return same.isPresent() ? walk.as(same.get()) : walk.unknown("LambdaBlock", false);
        }
        // Pools are means (one MAC per output under torchprofile), the identity and flatten are views, ReLU a
        // comparison.
        boolean view = op.get() == KnownOps.Lambda.IDENTITY || op.get() == KnownOps.Lambda.BATCH_FLATTEN;
        long outSize = walk.outputShapes()[0].size();
        long macs = op.get() == KnownOps.Lambda.GLOBAL_AVG_POOL ? walk.elementwise(outSize) : 0;
        return walk.leaf("LambdaBlock " + op.get().name().toLowerCase(Locale.ROOT),
                new LayerCost(macs, view ? 0 : walk.inputShapes()[0].size() + outSize));
    }

    @Override
    public String emit(LambdaBlock block, OnnxGraph graph) {
        Optional<KnownOps.Lambda> op = KnownOps.identify(block);
        if (op.isEmpty()) {
            return graph.as(equivalent(block, graph.path() + ": "));
        }
        String in = graph.input();
        return switch (op.get()) {
            case IDENTITY -> in;
            case RELU -> graph.node("Relu", List.of(in));
            case GLOBAL_AVG_POOL -> flatten(graph, graph.node("GlobalAveragePool", List.of(in)));
            case GLOBAL_MAX_POOL -> flatten(graph, graph.node("GlobalMaxPool", List.of(in)));
            case BATCH_FLATTEN -> flatten(graph, in);
        };
    }

    /** (N, C, ...) to (N, C·...): ONNX's Flatten at axis 1. */
    static String flatten(OnnxGraph graph, String in) {
        return graph.node("Flatten", List.of(in), OnnxGraph.integer("axis", 1));
    }

    private static Block equivalent(LambdaBlock block, String refusal) {
        return KnownOps.equivalent(block).orElseThrow(() -> new IllegalArgumentException(refusal
                + KnownOps.UNKNOWN_LAMBDA));
    }
}
