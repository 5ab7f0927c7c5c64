package ai.djl.pruning.handlers;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.pruning.analysis.CostHandler;
import ai.djl.pruning.analysis.LayerCost;
import ai.djl.pruning.analysis.ProfileWalk;
import ai.djl.pruning.nn.DjlInternals;
import ai.djl.pruning.nn.SpecHandler;
import ai.djl.pruning.onnx.OnnxGraph;
import ai.djl.pruning.onnx.OnnxHandler;
import ai.djl.pruning.structured.ChannelFlow;
import ai.djl.pruning.structured.ChannelHandler;
import ai.djl.pruning.structured.ChannelRole;
import ai.djl.pruning.structured.ChannelWalk;
import com.google.gson.JsonObject;

/** DJL's {@link BatchNorm}: γ, β and running statistics per channel; its own ε and momentum are kept. */
public final class BatchNormHandler implements SpecHandler<BatchNorm>, ChannelHandler<BatchNorm>,
        CostHandler<BatchNorm>, OnnxHandler<BatchNorm> {

    @Override
    public Class<BatchNorm> blockType() {
        return BatchNorm.class;
    }

    @Override
    public String specType() {
        return "BatchNorm";
    }

    @Override
    public JsonObject describe(BatchNorm block) {
        JsonObject o = newSpec();
        o.addProperty("epsilon", DjlInternals.batchNormEpsilon(block));
        o.addProperty("momentum", DjlInternals.batchNormMomentum(block));
        return o;
    }

    @Override
    public Block build(JsonObject spec) {
        BatchNorm.BaseBuilder<?> b = BatchNorm.builder();
        if (spec.has("epsilon")) { // absent in older specs: DJL's defaults
            b.optEpsilon(spec.get("epsilon").getAsFloat()).optMomentum(spec.get("momentum").getAsFloat());
        }
        return b.build();
    }

    @Override
    public ChannelFlow channels(BatchNorm block, ChannelWalk walk) {
        return walk.record(ChannelRole.BATCH_NORM, walk.materialise(walk.input()));
    }

    @Override
    public Shape[] profile(BatchNorm block, ProfileWalk walk) {
        return Costs.perElement(block, walk);
    }

    @Override
    public String emit(BatchNorm block, OnnxGraph graph) {
        return graph.node("BatchNormalization", graph.withParameters("gamma", "beta", "runningMean", "runningVar"),
                OnnxGraph.real("epsilon", DjlInternals.batchNormEpsilon(block)));
    }
}
