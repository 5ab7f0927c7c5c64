package ai.djl.pruning.handlers;

import ai.djl.nn.Block;
import ai.djl.pruning.nn.BlockSpec;
import ai.djl.pruning.nn.NamedSequentialBlock;
import ai.djl.pruning.nn.SpecHandler;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

/** {@link NamedSequentialBlock}: a sequence whose children keep their names; otherwise a sequence. */
public final class NamedSequentialHandler implements SpecHandler<NamedSequentialBlock> {

    @Override
    public Class<NamedSequentialBlock> blockType() {
        return NamedSequentialBlock.class;
    }

    @Override
    public String specType() {
        return "NamedSequential";
    }

    @Override
    public JsonObject describe(NamedSequentialBlock block) {
        JsonObject o = newSpec();
        o.add("children", BlockSpec.children(block, null));
        return o;
    }

    @Override
    public Block build(JsonObject spec) {
        NamedSequentialBlock b = new NamedSequentialBlock();
        for (JsonElement c : spec.getAsJsonArray("children")) {
            JsonObject child = c.getAsJsonObject();
            b.add(child.get("name").getAsString(), BlockSpec.build(child.getAsJsonObject("block")));
        }
        return b;
    }
}
