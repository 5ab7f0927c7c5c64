package ai.djl.pruning.nn;

import ai.djl.nn.Block;
import com.google.gson.JsonObject;

/**
 * The architecture facet of a {@link BlockHandler}: a block's type and options as JSON, and a new block
 * from that JSON. {@link BlockSpec} dispatches to it; containers describe and build their children
 * through {@link BlockSpec#describe} and {@link BlockSpec#build}.
 *
 * @param <B> the block type served
 */
public interface SpecHandler<B extends Block> extends BlockHandler<B> {

    /**
     * The {@code "type"} value this handler writes and builds from; unique among registered handlers.
     *
     * @return the name (default: the block type's full class name)
     */
    default String specType() {
        return blockType().getName();
    }

    /**
     * Describes a block.
     *
     * @param block an initialised block
     * @return its spec, with {@code "type"} (start from {@link #newSpec()})
     */
    JsonObject describe(B block);

    /**
     * Builds a new, uninitialised block from a spec this handler wrote.
     *
     * @param spec the spec
     * @return the block
     */
    Block build(JsonObject spec);

    /** @return an empty spec holding this handler's {@link #specType()} */
    default JsonObject newSpec() {
        JsonObject o = new JsonObject();
        o.addProperty("type", specType());
        return o;
    }
}
