package ai.djl.pruning.handlers;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pruning.analysis.CostHandler;
import ai.djl.pruning.analysis.ProfileWalk;
import ai.djl.pruning.nn.Elementwise;
import ai.djl.pruning.nn.SpecHandler;
import ai.djl.pruning.onnx.OnnxGraph;
import ai.djl.pruning.onnx.OnnxHandler;
import ai.djl.pruning.structured.ChannelFlow;
import ai.djl.pruning.structured.ChannelHandler;
import ai.djl.pruning.structured.ChannelWalk;
import com.google.gson.JsonObject;
import java.util.List;

/** {@link Elementwise} (clip, sigmoid, hard swish, hard sigmoid): channel-local. */
public final class ElementwiseHandler implements SpecHandler<Elementwise>, ChannelHandler<Elementwise>,
        CostHandler<Elementwise>, OnnxHandler<Elementwise> {

    @Override
    public Class<Elementwise> blockType() {
        return Elementwise.class;
    }

    @Override
    public String specType() {
        return "Elementwise";
    }

    @Override
    public JsonObject describe(Elementwise e) {
        JsonObject o = newSpec();
        o.addProperty("kind", e.getKind().name());
        o.addProperty("a", e.getA());
        o.addProperty("b", e.getB());
        return o;
    }

    @Override
    public Block build(JsonObject spec) {
        Elementwise.Kind kind = Elementwise.Kind.valueOf(spec.get("kind").getAsString());
        float a = spec.get("a").getAsFloat();
        float b = spec.get("b").getAsFloat();
        return switch (kind) {
            case CLIP -> Elementwise.clip(a, b);
            case HARD_SIGMOID -> Elementwise.hardSigmoid(a, b);
            default -> Elementwise.of(kind);
        };
    }

    @Override
    public ChannelFlow channels(Elementwise block, ChannelWalk walk) {
        return walk.pass(walk.input());
    }

    @Override
    public Shape[] profile(Elementwise block, ProfileWalk walk) {
        return Costs.copy(block, walk);
    }

    @Override
    public String emit(Elementwise e, OnnxGraph graph) {
        String in = graph.input();
        return switch (e.getKind()) {
            case CLIP -> graph.node("Clip", List.of(in, Float.isInfinite(e.getA()) ? "" : graph.scalar("min", e.getA()),
                    Float.isInfinite(e.getB()) ? "" : graph.scalar("max", e.getB())));
            case SIGMOID -> graph.node("Sigmoid", List.of(in));
            case HARD_SWISH -> graph.node("HardSwish", List.of(in));
            case HARD_SIGMOID -> graph.node("HardSigmoid", List.of(in), OnnxGraph.real("alpha", e.getA()),
                    OnnxGraph.real("beta", e.getB()));
        };
    }
}
