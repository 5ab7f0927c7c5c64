package ai.djl.pruning.handlers;

import ai.djl.nn.Block;
import ai.djl.pruning.adder.AdderConv2d;
import ai.djl.pruning.nn.SpecHandler;
import com.google.gson.JsonObject;

/**
 * {@link AdderConv2d}: saved and rebuilt; its cost is its own ({@code CostDescribed}); channel pruning and
 * ONNX do not apply to it.
 */
public final class AdderConv2dHandler implements SpecHandler<AdderConv2d> {

    @Override
    public Class<AdderConv2d> blockType() {
        return AdderConv2d.class;
    }

    @Override
    public String specType() {
        return "AdderConv2d";
    }

    @Override
    public JsonObject describe(AdderConv2d a) {
        JsonObject o = newSpec();
        o.addProperty("kernel", a.getKernel());
        o.addProperty("filters", a.getFilters());
        o.addProperty("stride", a.getStride());
        o.addProperty("padding", a.getPadding());
        return o;
    }

    @Override
    public Block build(JsonObject spec) {
        return AdderConv2d.builder().setKernel(spec.get("kernel").getAsInt()).setFilters(spec.get("filters").getAsInt())
                .optStride(spec.get("stride").getAsInt()).optPadding(spec.get("padding").getAsInt()).build();
    }
}
